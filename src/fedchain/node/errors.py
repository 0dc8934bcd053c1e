"""Errors of the node roles; they live in :mod:`fedchain.exceptions` with the rest of the hierarchy."""

from fedchain.exceptions import ModelIntegrityError, NodeError, NodeStateError, VerificationError

__all__ = ["ModelIntegrityError", "NodeError", "NodeStateError", "VerificationError"]
