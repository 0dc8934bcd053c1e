"""Errors of the node roles; they live in :mod:`fedchain.exceptions` with the rest of the hierarchy."""

from fedchain.exceptions import (
    AggregationError,
    ModelIntegrityError,
    NodeError,
    NodeStateError,
    VerificationError,
)

__all__ = ["AggregationError", "ModelIntegrityError", "NodeError", "NodeStateError", "VerificationError"]
