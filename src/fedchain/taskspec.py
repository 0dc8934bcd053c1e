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
from fedchain.privacy.secagg import QuantizationConfig, SecAggConfig
from fedchain.storage import BlobStore, ContentRef

TASK_SPEC_FORMAT: Final = "fedchain-task-spec/1"


@dataclass(frozen=True)
class SecAggSpec:
    """A ``secagg`` task's public protocol parameters: neighbour degree and threshold, and quantization.

    ``degree`` / ``threshold`` ``None`` mean the defaults for the round's size (``2 * ceil(log2 n)`` and
    ``floor(k / 2) + 1``). Each member's weight is its example count capped at ``max_weight``.
    """

    degree: int | None = None
    threshold: int | None = None
    clip: float = 4.0
    value_bits: int = 16
    max_weight: int = 1024

    def __post_init__(self) -> None:
        self.config()  # validates every field
        self.quantization()

    def config(self) -> SecAggConfig:
        return SecAggConfig(self.degree, self.threshold)

    def quantization(self) -> QuantizationConfig:
        return QuantizationConfig(
            clip=float(self.clip), value_bits=self.value_bits, max_weight=self.max_weight
        )

    def to_dict(self) -> dict[str, Any]:
        return {"degree": self.degree, "threshold": self.threshold, "clip": float(self.clip),
                "valueBits": self.value_bits, "maxWeight": self.max_weight}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SecAggSpec:
        if set(data) != {"degree", "threshold", "clip", "valueBits", "maxWeight"}:
            raise ConfigError("a secagg section needs exactly: degree, threshold, clip, valueBits, maxWeight")
        return cls(data["degree"], data["threshold"], data["clip"], data["valueBits"], data["maxWeight"])


@dataclass(frozen=True)
class TaskSpec:
    """A task's model spec and strategy; its :meth:`spec_hash` is the on-chain ``specHash``.

    ``strategy_params`` given to the constructor are overrides; the stored value holds every hyper-parameter.
    ``secagg`` holds the protocol parameters of a ``secagg``-mode task (``None`` for ``plain``).
    """

    model: ModelSpec
    strategy: str = "fedavg"
    strategy_params: Mapping[str, Hyperparameter] = field(default_factory=dict)
    secagg: SecAggSpec | None = None

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
            if not {"format", "model", "strategy"} <= set(data) <= {"format", "model", "strategy", "secagg"}:
                raise ConfigError("a task spec needs exactly: format, model, strategy (and secagg, if any)")
            strategy = data["strategy"]
            model = ModelSpec.from_json(json.dumps(data["model"]))
            secagg = SecAggSpec.from_dict(data["secagg"]) if "secagg" in data else None
            return cls(model, str(strategy["name"]), dict(strategy["params"]), secagg)
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


__all__ = ["TASK_SPEC_FORMAT", "SecAggSpec", "TaskSpec", "fetch_task_spec", "publish_task_spec"]
