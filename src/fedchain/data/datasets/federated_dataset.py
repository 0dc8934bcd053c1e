"""A federated data set: each client's private (x, y), a held-out global test set, and the public metadata."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from fedchain.data._types import FloatArray, IntArray
from fedchain.data.partition.stats import PartitionStats
from fedchain.exceptions import ConfigError

TaskType = Literal["binary", "multiclass"]
"""What the labels mean: ``"binary"`` (classes 0 and 1) or ``"multiclass"`` (``0 .. num_classes - 1``)."""


@dataclass(frozen=True, eq=False)
class FeatureScaling:
    """The affine map from raw feature values into model space: ``(x_raw - offset) / scale``.

    It belongs to the **public task specification**: the task owner publishes it so that every client maps
    its raw records into the same space, and :meth:`as_dict` is its JSON form. The loaders compute it from
    the pooled training data (simulation); a real task owner would take it from reference statistics or a
    secure aggregate, since the pooled data is exactly what nobody holds.

    Examples
    --------
    >>> import numpy as np
    >>> from fedchain.data import FeatureScaling
    >>> scaling = FeatureScaling(offset=np.array([1.0, 0.0]), scale=np.array([2.0, 4.0]))
    >>> scaling.transform(np.array([[3.0, 8.0]])).tolist()
    [[1.0, 2.0]]
    """

    offset: FloatArray
    scale: FloatArray

    def __post_init__(self) -> None:
        offset = np.array(self.offset, dtype=np.float64)  # a private, read-only copy
        scale = np.array(self.scale, dtype=np.float64)
        if offset.ndim != 1 or offset.shape != scale.shape:
            raise ConfigError(f"offset {offset.shape} and scale {scale.shape} must be 1-D of the same length")
        if not (np.all(np.isfinite(offset)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
            raise ConfigError("offset must be finite and scale finite and > 0")
        offset.flags.writeable = scale.flags.writeable = False
        object.__setattr__(self, "offset", offset)
        object.__setattr__(self, "scale", scale)

    def transform(self, x_raw: FloatArray) -> FloatArray:
        """Map raw feature rows into model space."""
        out: FloatArray = (np.asarray(x_raw, dtype=np.float64) - self.offset) / self.scale
        return out

    def inverse(self, x: FloatArray) -> FloatArray:
        """Map model-space rows back to raw feature values."""
        out: FloatArray = np.asarray(x, dtype=np.float64) * self.scale + self.offset
        return out

    def as_dict(self) -> dict[str, list[float]]:
        """The JSON form that goes into the public task spec (:meth:`from_dict` reads it back exactly)."""
        return {"offset": self.offset.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Sequence[float]]) -> FeatureScaling:
        """Read the :meth:`as_dict` form, e.g. from a published task spec."""
        if set(spec) != {"offset", "scale"}:
            raise ConfigError(f"a feature scaling has exactly the keys offset and scale, not {sorted(spec)}")
        return cls(
            offset=np.asarray(spec["offset"], dtype=np.float64), scale=np.asarray(spec["scale"], np.float64)
        )


@dataclass(frozen=True, eq=False)
class ClientData:
    """One client's private training records, already in model space (the loaders make the arrays read-only).

    Attributes
    ----------
    name
        Display name (a hospital, a bank, a device).
    x
        Features, shape ``(n, num_features)``, float64.
    y
        Labels, shape ``(n,)``, int64 in ``0 .. num_classes - 1``.
    """

    name: str
    x: FloatArray
    y: IntArray

    def __post_init__(self) -> None:
        if self.x.ndim != 2 or self.y.ndim != 1 or len(self.x) != len(self.y):
            raise ConfigError(f"client {self.name!r}: x {self.x.shape} and y {self.y.shape} do not match")

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True, eq=False)
class FederatedDataset:
    """Clients' private partitions, a held-out global test set, and what a task spec publishes about them.

    The name follows Flower Datasets' ``FederatedDataset``; this one is fully materialised numpy arrays.

    Attributes
    ----------
    name
        Short name of the data set, e.g. ``"hospitals"``.
    clients
        One :class:`ClientData` per client, in partition order; disjoint from each other and the test set.
    x_test, y_test
        The held-out global test set, in model space; no client holds any of its records.
    feature_names
        One name per feature column.
    class_names
        One name per class; ``len(class_names) == num_classes``.
    task
        ``"binary"`` or ``"multiclass"``.
    scaling
        Raw-to-model feature map (public task-spec material, see :class:`FeatureScaling`).
    partitioning
        How the training records were split, e.g. ``"dirichlet(alpha=0.5, min_partition_size=10, seed=...)"``.

    Examples
    --------
    >>> from fedchain.data import hospitals
    >>> data = hospitals(3, seed=0)
    >>> data.num_clients, data.num_features, data.num_classes, data.task
    (3, 30, 2, 'binary')
    >>> x, y = data.centralized()
    >>> len(y) == sum(len(client) for client in data.clients)
    True
    """

    name: str
    clients: tuple[ClientData, ...]
    x_test: FloatArray
    y_test: IntArray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    task: TaskType
    scaling: FeatureScaling
    partitioning: str

    @property
    def num_clients(self) -> int:
        """Number of clients (partitions)."""
        return len(self.clients)

    @property
    def num_features(self) -> int:
        """Number of feature columns."""
        return len(self.feature_names)

    @property
    def num_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    @property
    def client_names(self) -> tuple[str, ...]:
        """The clients' names, in partition order."""
        return tuple(c.name for c in self.clients)

    def client(self, key: int | str) -> ClientData:
        """One client's data by position or by name (the "each client alone" baseline trains on it)."""
        if isinstance(key, str):
            for c in self.clients:
                if c.name == key:
                    return c
            raise ConfigError(f"no client named {key!r}; clients are {list(self.client_names)}")
        if not isinstance(key, int) or isinstance(key, bool):
            raise ConfigError(f"a client is chosen by index or name, not by {type(key).__name__}")
        if not -self.num_clients <= key < self.num_clients:
            raise ConfigError(f"client index {key} out of range for {self.num_clients} clients")
        return self.clients[key]

    def centralized(self) -> tuple[FloatArray, IntArray]:
        """The pooled training set (every client's records, in client order) for the centralized baseline."""
        x = np.concatenate([c.x for c in self.clients], axis=0)
        y = np.concatenate([c.y for c in self.clients])
        return x, y

    def test(self) -> tuple[FloatArray, IntArray]:
        """The held-out global test set ``(x_test, y_test)``."""
        return self.x_test, self.y_test

    def stats(self) -> PartitionStats:
        """Label histograms and skew of the clients' partitions."""
        return PartitionStats.from_labels([c.y for c in self.clients])

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary: shapes, classes, each client's size and label counts, label skew."""
        stats = self.stats()
        counts = stats.label_counts
        col = {int(c): i for i, c in enumerate(stats.classes)}
        clients = []
        for c, row, tv in zip(self.clients, counts, stats.total_variation, strict=True):
            hist = [row[col[k]] if k in col else 0 for k in range(self.num_classes)]
            clients.append({"name": c.name, "size": len(c), "label_counts": hist, "total_variation": tv})
        test_counts = np.bincount(self.y_test, minlength=self.num_classes)
        return {
            "name": self.name,
            "task": self.task,
            "num_features": self.num_features,
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
            "num_clients": self.num_clients,
            "train_size": sum(stats.sizes),
            "test_size": len(self.y_test),
            "test_label_counts": [int(v) for v in test_counts],
            "partitioning": self.partitioning,
            "mean_total_variation": stats.mean_total_variation,
            "max_total_variation": stats.max_total_variation,
            "clients": clients,
        }
