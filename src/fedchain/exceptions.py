"""Every error fedchain raises.

Hierarchy::

    FedchainError
    ├── ConfigError(FedchainError, ValueError)         bad configuration or arguments
    ├── StorageError                                   content-addressed blob store
    │   ├── BlobNotFoundError(StorageError, KeyError)      no blob for that reference
    │   ├── BlobIntegrityError                             bytes do not match the reference (digest or size)
    │   ├── BlobTooLargeError(StorageError, ValueError)    over the store's size limit
    │   ├── InvalidLocatorError(StorageError, ValueError)  a locator this store cannot resolve
    │   └── ModelIntegrityError                            global model bytes that do not match the registry
    ├── CodecError(FedchainError, ValueError)          model / update (de)serialisation
    │   ├── MalformedBlobError                             not valid safetensors bytes, or truncated
    │   ├── SpecMismatchError                              names, dtypes or shapes differ from the spec
    │   ├── NonFiniteError                                 NaN or Inf in an array
    │   ├── PayloadTooLargeError                           more parameters or bytes than allowed
    │   ├── FixedPointOverflowError                        a value or weight outside the fixed-point range
    │   └── ClientResultError                              a client's fit / evaluate result is malformed
    ├── NodeError                                      a node role cannot carry on
    │   ├── NodeStateError                                 the local state file is unreadable or inconsistent
    │   ├── VerificationError                              a re-derivation disagrees with the chain
    │   └── AggregationError                               a round's valid inputs make no valid model
    ├── PrivacyError                                   a privacy protocol refused its input
    │   └── SecAggError                                    SecAgg+ refused an input; ``member``: whose
    │       ├── MalformedBundleError(SecAggError, ValueError)  bytes that are not a canonical bundle or vector
    │       ├── ShareAuthenticationError                       an encrypted share fails authentication
    │       ├── MisaddressedShareError                         a share or bundle for another member or round
    │       ├── DoubleRevealError                              an unmask bundle reveals both kinds of shares
    │       ├── ShareMismatchError                             a share or secret contradicting its commitment
    │       ├── MaskedVectorError(SecAggError, ValueError)     a masked vector of the wrong length or dtype
    │       ├── TooFewNeighboursError                          fewer than t live neighbours: cannot unmask
    │       ├── UnrecoverableError                             fewer than t valid shares of a needed secret
    │       ├── SumOverflowError(SecAggError, ValueError)      n * w_max * range too large: the sum would wrap
    │       └── InvalidKeyError(SecAggError, ValueError)       a bad or low-order X25519 key
    └── ChainError                                     anything on the chain side
        ├── BackendError                                   a backend could not start, connect or stop
        ├── AccountError                                   keystore / environment key problems
        ├── DeploymentError                                deployment file missing, wrong chain, bad address
        └── ContractError                                  a transaction or call reverted
            ├── ContractCustomError                        reverted with a Solidity custom error: name + args
            │   └── <one generated subclass per custom error, e.g. CoordinatorPhaseClosed>
            └── ContractPanicError                         reverted with Panic(uint256), a string or no data

Integrity failures (digest mismatch, commitment mismatch) deliberately carry no detail that helps an attacker
craft the next attempt beyond what the caller already holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Flag
from types import MappingProxyType
from typing import Any


class FedchainError(Exception):
    """Root of every error fedchain raises."""


class ConfigError(FedchainError, ValueError):
    """A configuration value or argument is invalid."""


# -- storage ---------------------------------------------------------------------------------------


class StorageError(FedchainError):
    """The content-addressed blob store failed."""


class BlobNotFoundError(StorageError, KeyError):
    """No blob is stored for the reference."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else "blob not found"


class BlobIntegrityError(StorageError):
    """The stored bytes do not match the reference's digest or size."""


class BlobTooLargeError(StorageError, ValueError):
    """The blob is larger than the store accepts."""


class InvalidLocatorError(StorageError, ValueError):
    """The locator is malformed or belongs to another kind of store."""


class ModelIntegrityError(StorageError):
    """The global model's bytes are missing or do not hash to the model registry's head."""


# -- codec -----------------------------------------------------------------------------------------


class CodecError(FedchainError, ValueError):
    """A model or update could not be (de)serialised or failed validation."""


class MalformedBlobError(CodecError):
    """The bytes are not a valid serialised tensor set (truncated, bad header, overlapping data)."""


class SpecMismatchError(CodecError):
    """Tensor names, dtypes or shapes differ from the expected spec."""


class NonFiniteError(CodecError):
    """A floating-point tensor holds NaN or Inf."""


class PayloadTooLargeError(CodecError):
    """More parameters or bytes than the spec allows."""


class ClientResultError(CodecError):
    """A client's ``fit`` or ``evaluate`` result is malformed: not a 3-tuple, bad count or metrics."""


class FixedPointOverflowError(CodecError):
    """A value does not fit the fixed-point format, or a total weight exceeds the aggregation's limit."""


# -- nodes -----------------------------------------------------------------------------------------


class NodeError(FedchainError):
    """A node role (participant, aggregator, verifier) cannot carry on."""


class NodeStateError(NodeError):
    """The node's local state file is unreadable or disagrees with the chain."""


class VerificationError(NodeError):
    """Public data re-derived off-chain disagrees with what the chain records."""


class AggregationError(NodeError):
    """The strategy cannot turn a round's valid inputs into a valid model: a re-derivable reason the
    aggregator
    reports (a failure report), not a crash."""


# -- privacy ---------------------------------------------------------------------------------------


class PrivacyError(FedchainError):
    """A privacy protocol (secure aggregation) refused its input."""


class SecAggError(PrivacyError):
    """The SecAgg+ protocol refused its input (:mod:`fedchain.privacy.secagg`).

    Attributes
    ----------
    member:
        The on-chain index of the member at fault, or whose secret cannot be recovered; ``None`` if unknown.
    """

    def __init__(self, message: str = "", *, member: int | None = None) -> None:
        super().__init__(message)
        self.member = member


class MalformedBundleError(SecAggError, ValueError):
    """Bytes that are not the canonical encoding of a share bundle, unmask bundle or masked vector."""


class ShareAuthenticationError(SecAggError):
    """An encrypted share failed authentication: forged, damaged, or encrypted under other keys."""


class MisaddressedShareError(SecAggError):
    """A share or bundle addressed to another member, to a non-neighbour, or to another round."""


class DoubleRevealError(SecAggError):
    """An unmask bundle reveals both share kinds of one member, or the kind the survivor set forbids."""


class ShareMismatchError(SecAggError):
    """A share, or a secret reconstructed from shares, does not match its commitment or advertised key."""


class MaskedVectorError(SecAggError, ValueError):
    """A masked vector of the wrong length, dtype or shape, or one of another round or member."""


class TooFewNeighboursError(SecAggError):
    """Fewer than ``t`` live neighbours hold a needed secret's shares, by the membership sets alone: the round
    cannot be unmasked and must abort (raised before unmasking; see also :class:`UnrecoverableError`)."""


class UnrecoverableError(SecAggError):
    """A secret the sum needs has fewer than ``t`` valid revealed shares: the round cannot be unmasked.

    Raised instead of a wrong sum. The faults found on the way (members proven to have dealt or revealed
    bad shares) come with it, so that the round can be aborted with the culprits named.

    Attributes
    ----------
    members:
        The members whose secrets are missing, ascending; ``member`` is the first of them.
    faults:
        The faults found so far, by member (``fedchain.privacy.secagg.Fault`` flags).
    """

    def __init__(
        self, message: str = "", *, members: Sequence[int] = (), faults: Mapping[int, Flag] | None = None
    ) -> None:
        super().__init__(message, member=members[0] if members else None)
        self.members = tuple(members)
        self.faults: Mapping[int, Flag] = MappingProxyType(dict(faults or {}))


class SumOverflowError(SecAggError, ValueError):
    """``n * w_max * R < 2**(bits-1)`` fails, or a weight exceeds ``w_max``: the sum could wrap around."""


class InvalidKeyError(SecAggError, ValueError):
    """An X25519 key of the wrong length, a low-order public key, or keys other than the advertised ones."""


# -- chain -----------------------------------------------------------------------------------------


class ChainError(FedchainError):
    """The chain client failed."""


class BackendError(ChainError):
    """A chain backend could not start, connect or stop."""


class AccountError(ChainError):
    """An account could not be loaded (missing keystore, wrong password, bad key)."""


class DeploymentError(ChainError):
    """A deployment is missing, belongs to another chain, or does not match the contracts."""


class ContractError(ChainError):
    """A contract call or transaction reverted."""


class ContractCustomError(ContractError):
    """A revert carrying a Solidity custom error.

    Attributes
    ----------
    error_name:
        The Solidity error's name, e.g. ``"CoordinatorPhaseClosed"``.
    error_args:
        The decoded arguments by name, in declaration order.
    """

    error_name: str = ""

    def __init__(self, error_name: str, error_args: dict[str, Any]) -> None:
        self.error_name = error_name
        self.error_args = dict(error_args)
        shown = ", ".join(f"{k}={_short(v)}" for k, v in self.error_args.items())
        super().__init__(f"{error_name}({shown})")


class ContractPanicError(ContractError):
    """A revert without a custom error: a Panic code, a reason string, or no data at all."""


def _short(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return repr(value)


__all__ = [
    "AccountError",
    "BackendError",
    "BlobIntegrityError",
    "BlobNotFoundError",
    "BlobTooLargeError",
    "ChainError",
    "ClientResultError",
    "CodecError",
    "ConfigError",
    "ContractCustomError",
    "ContractError",
    "ContractPanicError",
    "DeploymentError",
    "DoubleRevealError",
    "FedchainError",
    "FixedPointOverflowError",
    "InvalidKeyError",
    "InvalidLocatorError",
    "MalformedBlobError",
    "MalformedBundleError",
    "MaskedVectorError",
    "MisaddressedShareError",
    "ModelIntegrityError",
    "NodeError",
    "NodeStateError",
    "NonFiniteError",
    "PayloadTooLargeError",
    "PrivacyError",
    "SecAggError",
    "ShareAuthenticationError",
    "ShareMismatchError",
    "SpecMismatchError",
    "StorageError",
    "SumOverflowError",
    "TooFewNeighboursError",
    "UnrecoverableError",
    "VerificationError",
]
