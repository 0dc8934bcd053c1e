"""The task spec: every public input a verifier needs besides the chain and the blobs, named by one hash.

A task's on-chain ``specHash`` is the SHA-256 of a canonical JSON document (``fedchain-task-spec/1``) holding
the model spec and the server strategy with *all* its hyper-parameters (defaults spelled out, so a later
release changing a default cannot change what an old task means). The document is stored as a blob like any
other, so anyone holding the task id, the chain and the store can rebuild the exact strategy, without being
told it: ``fedchain verify`` needs no ``--strategy`` and no scenario.

Examples
--------
>>> from fedchain.codec import ModelSpec, TensorSpec
>>> model = ModelSpec((TensorSpec("w", "float32", (2,)),))
>>> spec = TaskSpec(model, "fedadam", {"eta": 0.05})
>>> spec.strategy_params["beta_1"], spec.strategy_params["eta"]  # defaults spelled out, overrides kept
(0.9, 0.05)
>>> TaskSpec.from_json(spec.canonical_json()) == spec
True
>>> type(spec.build_strategy()).__name__
'FedAdam'
>>> TaskSpec(model, "fedavg", {"eta": 1.0})
Traceback (most recent call last):
...
fedchain.exceptions.ConfigError: strategy 'fedavg' has no hyper-parameter 'eta' (it takes none)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from fedchain.codec import ModelSpec
from fedchain.exceptions import BlobNotFoundError, ConfigError, InvalidLocatorError
from fedchain.fl.strategies import Hyperparameter, Strategy, hyperparameters, strategy_factory
from fedchain.privacy.secagg import QuantizationConfig, SecAggConfig, ThreatModel
from fedchain.privacy.secagg.params import (
    DEFAULT_CORRUPT_FRACTION,
    DEFAULT_DROPOUT_FRACTION,
    DEFAULT_LIVENESS_BITS,
    DEFAULT_PRIVACY_BITS,
)
from fedchain.storage import BlobStore, ContentRef

TASK_SPEC_FORMAT: Final = "fedchain-task-spec/1"


@dataclass(frozen=True)
class SecAggSpec:
    """A ``secagg`` task's public protocol parameters: the threat model, neighbour degree and threshold, and
    quantization.

    ``degree`` / ``threshold`` ``None`` mean sized from the threat model for the round's size
    (:func:`~fedchain.privacy.secagg.params.size_parameters`: no honest member exposed except with
    probability ``2**-privacyBits``, a round unrecoverable at most ``2**-livenessBits``, with a fraction
    ``corruptFraction`` of the round's members corrupt and ``dropoutFraction`` dropping out;
    ``docs/threat-model.md``). Each member's weight is its example count capped at ``max_weight``.
    """

    degree: int | None = None
    threshold: int | None = None
    clip: float = 4.0
    value_bits: int = 16
    max_weight: int = 1024
    corrupt_fraction: float = DEFAULT_CORRUPT_FRACTION
    dropout_fraction: float = DEFAULT_DROPOUT_FRACTION
    privacy_bits: int = DEFAULT_PRIVACY_BITS
    liveness_bits: int = DEFAULT_LIVENESS_BITS

    def __post_init__(self) -> None:
        self.config()  # validates every field
        self.quantization()

    def threat(self) -> ThreatModel:
        return ThreatModel(
            self.corrupt_fraction, self.dropout_fraction, self.privacy_bits, self.liveness_bits
        )

    def config(self) -> SecAggConfig:
        return SecAggConfig(self.degree, self.threshold, self.threat())

    def quantization(self) -> QuantizationConfig:
        return QuantizationConfig(
            clip=float(self.clip), value_bits=self.value_bits, max_weight=self.max_weight
        )

    def to_dict(self) -> dict[str, Any]:
        return {"degree": self.degree, "threshold": self.threshold, "clip": float(self.clip),
                "valueBits": self.value_bits, "maxWeight": self.max_weight,
                "corruptFraction": float(self.corrupt_fraction),
                "dropoutFraction": float(self.dropout_fraction),
                "privacyBits": self.privacy_bits, "livenessBits": self.liveness_bits}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SecAggSpec:
        keys = set(cls().to_dict())
        if set(data) != keys:
            raise ConfigError(f"a secagg section needs exactly: {', '.join(sorted(keys))}")
        return cls(
            data["degree"], data["threshold"], data["clip"], data["valueBits"], data["maxWeight"],
            data["corruptFraction"], data["dropoutFraction"], data["privacyBits"], data["livenessBits"],
        )  # fmt: skip


DEFAULT_MAX_ABS_VALUE: Final = 1e6
"""Largest magnitude a parameter of a revealed update may have (``plain`` mode). Far above any trained model's
weights and far below fixed point's range (``2**39``), so a bounded update can neither overflow the bit-exact
aggregation nor swamp the others by its size alone."""

DEFAULT_MAX_UPDATE_NORM: Final = 10.0
"""Largest L2 distance of a revealed update to the round's base model (``plain`` mode), decided bit-exactly
in the aggregation's fixed point (:func:`fedchain.fl.update_norm.within_norm_bound`); farther is
``NormBound``.

Measured (``benchmarks/honest_update_norms.py``) on the built-in scenarios with the demo's clients
(:func:`~fedchain.fl.adapters.logistic_clients`, learning rate 0.1) from the all-zeros model, 2, 5 and 10
holders, seeds 3 and 7, 10 rounds: the largest honest update norm in any round was 0.49 (hospitals), 0.65
(digits) and 0.33 (fraud) at the demo's 5 local epochs, with FedAvg or FedAdam (FedProx, FedAvgM, FedYogi,
FedAdagrad, 5 holders: at most 0.60); 1.42 at 20 local epochs, 5.0 at 200 (digits, round 1, the largest).
So 10 is 15 times the demo's largest honest update and twice that of 40 times its local training, while
``base + 1e5`` in each of hospitals' 31 parameters is 5.6e5 away. The bound caps one update's pull on the
FedAvg mean at ``n_i / N * maxUpdateNorm``; it does not make the mean robust: in a federation of 5, one
update of norm 3 against the training direction already spoils the model. A task whose honest updates are
smaller sets a tighter bound; one with a bigger model or longer local training measures its own and sets a
larger one."""

DEFAULT_MAX_EXAMPLES: Final = 1_000_000
"""Largest example count a member may declare for one update (``plain`` mode; its FedAvg weight and reward
weight). 10,000 members at the cap sum to 10**10, far below the fixed-point weight limit (``2**62``)."""


@dataclass(frozen=True)
class UpdateBounds:
    """What a revealed update may hold (``plain`` mode).

    A value beyond ``±max_abs_value`` or an example count outside ``[1, max_examples]`` is excluded as
    ``OutOfRange``; an update farther than ``max_update_norm`` (L2) from the round's base model, as
    ``NormBound`` (checked after the range, exactly in fixed point: :mod:`fedchain.fl.update_norm`).

    Raises
    ------
    ConfigError
        A bound that is not positive (or, for ``max_abs_value`` and ``max_update_norm``, not finite).
    """

    max_abs_value: float = DEFAULT_MAX_ABS_VALUE
    max_examples: int = DEFAULT_MAX_EXAMPLES
    max_update_norm: float = DEFAULT_MAX_UPDATE_NORM

    def __post_init__(self) -> None:
        for key, attr in (("maxAbsValue", "max_abs_value"), ("maxUpdateNorm", "max_update_norm")):
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
                raise ConfigError(f"{key} must be a positive finite number, not {value!r}")
            object.__setattr__(self, attr, float(value))
        if type(self.max_examples) is not int or self.max_examples < 1:
            raise ConfigError(f"maxExamples must be a positive int, not {self.max_examples!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"maxAbsValue": self.max_abs_value, "maxExamples": self.max_examples,
                "maxUpdateNorm": self.max_update_norm}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UpdateBounds:
        if set(data) != {"maxAbsValue", "maxExamples", "maxUpdateNorm"}:
            raise ConfigError("a bounds section needs exactly: maxAbsValue, maxExamples, maxUpdateNorm")
        return cls(data["maxAbsValue"], data["maxExamples"], data["maxUpdateNorm"])


@dataclass(frozen=True)
class TaskSpec:
    """A task's model spec and strategy; its :meth:`spec_hash` is the on-chain ``specHash``.

    ``strategy_params`` given to the constructor are overrides; the stored value holds every hyper-parameter.
    ``secagg`` holds the protocol parameters of a ``secagg``-mode task (``None`` for ``plain``); ``bounds``
    what a revealed update may hold.
    """

    model: ModelSpec
    strategy: str = "fedavg"
    strategy_params: Mapping[str, Hyperparameter] = field(default_factory=dict)
    secagg: SecAggSpec | None = None
    bounds: UpdateBounds = field(default_factory=UpdateBounds)

    def __post_init__(self) -> None:
        name = self.strategy.lower()
        object.__setattr__(self, "strategy", name)
        object.__setattr__(self, "strategy_params", hyperparameters(name, self.strategy_params))
        strategy_factory(name, self.strategy_params)  # builds it once: out-of-range values are refused now

    def to_dict(self) -> dict[str, Any]:
        doc = {
            "format": TASK_SPEC_FORMAT,
            "model": self.model.to_dict(),
            "strategy": {"name": self.strategy, "params": dict(sorted(self.strategy_params.items()))},
            "bounds": self.bounds.to_dict(),
        }
        if self.secagg is not None:
            doc["secagg"] = self.secagg.to_dict()
        return doc

    def canonical_json(self) -> bytes:
        """Sorted keys, no whitespace, ASCII: the bytes whose SHA-256 is the task's ``specHash``."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    def spec_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_json()).digest()

    def strategy_factory(self) -> Callable[[], Strategy]:
        """A factory of the task's strategy in its initial state (what aggregator and verifiers build)."""
        return strategy_factory(self.strategy, self.strategy_params)

    def build_strategy(self) -> Strategy:
        return self.strategy_factory()()

    @classmethod
    def from_json(cls, text: str | bytes) -> TaskSpec:
        """Parse a task spec document.

        Raises
        ------
        ConfigError
            If ``text`` is not a ``fedchain-task-spec/1`` document with a valid model and strategy.
        """
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != TASK_SPEC_FORMAT:
                raise ConfigError(f"not a {TASK_SPEC_FORMAT} document")
            keys = {"format", "model", "strategy", "bounds"}
            if not keys <= set(data) <= keys | {"secagg"}:
                raise ConfigError(
                    "a task spec needs exactly: format, model, strategy, bounds (and secagg, if any)"
                )
            strategy = data["strategy"]
            model = ModelSpec.from_json(json.dumps(data["model"]))
            secagg = SecAggSpec.from_dict(data["secagg"]) if "secagg" in data else None
            bounds = UpdateBounds.from_dict(data["bounds"])
            return cls(model, str(strategy["name"]), dict(strategy["params"]), secagg, bounds)
        except (ValueError, TypeError, KeyError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"malformed task spec: {exc}") from None


def publish_task_spec(store: BlobStore, spec: TaskSpec) -> ContentRef:
    """Store the spec's canonical bytes; the returned reference's ``sha256`` is the task's ``specHash``."""
    return store.put(spec.canonical_json())


def fetch_task_spec(store: BlobStore, spec_hash: bytes) -> TaskSpec:
    """The task spec whose SHA-256 is ``spec_hash``, read from ``store`` (bytes checked against the hash).

    Raises
    ------
    BlobNotFoundError
        If the store does not hold it (the task's owner publishes it when creating the task).
    BlobIntegrityError
        If the stored bytes do not match ``spec_hash``.
    ConfigError
        If the bytes are not a task spec.
    """
    try:
        blob = store.get_by_locator(store.locator_for(spec_hash), spec_hash)
    except InvalidLocatorError as exc:
        raise BlobNotFoundError(f"no task spec {spec_hash.hex()[:16]} in the store") from exc
    return TaskSpec.from_json(blob)


__all__ = [
    "DEFAULT_MAX_ABS_VALUE",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_MAX_UPDATE_NORM",
    "TASK_SPEC_FORMAT",
    "SecAggSpec",
    "TaskSpec",
    "UpdateBounds",
    "fetch_task_spec",
    "publish_task_spec",
]
