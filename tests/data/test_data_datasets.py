"""Behaviour every loader shares: shapes, classes, disjoint clients and test set, determinism, accessors."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest
from sklearn.datasets import load_breast_cancer, load_digits

from fedchain.data import FederatedDataset, IidPartitioner, Partitions, digits, fraud, hospitals
from fedchain.exceptions import ConfigError

Loader = Callable[..., FederatedDataset]

LOADERS: dict[str, tuple[Loader, dict[str, object]]] = {
    "hospitals": (hospitals, {}),
    "digits": (digits, {}),
    "fraud": (fraud, {"transactions_per_bank": 600}),
}
EXPECTED = {  # num_features, num_classes, task
    "hospitals": (30, 2, "binary"),
    "digits": (64, 10, "multiclass"),
    "fraud": (11, 2, "binary"),
}


def load(name: str, num_clients: int = 4, seed: int = 0) -> FederatedDataset:
    loader, extra = LOADERS[name]
    return loader(num_clients, seed=seed, **extra)


def raw_rows(data: FederatedDataset) -> npt.NDArray[np.float64]:
    """Every record (clients then test) mapped back to raw feature values, rounded to cancel float error."""
    x, _ = data.centralized()
    return np.round(data.scaling.inverse(np.concatenate([x, data.x_test])), 6)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_shapes_classes_and_task(name: str) -> None:
    data = load(name)
    num_features, num_classes, task = EXPECTED[name]
    assert (data.num_features, data.num_classes, data.task) == (num_features, num_classes, task)
    assert data.num_clients == 4 == len(set(data.client_names))
    for client in (*data.clients, data.client(0)):
        assert client.x.shape == (len(client), num_features)
        assert client.x.dtype == np.float64 and client.y.dtype == np.int64
        assert set(np.unique(client.y)) <= set(range(num_classes))
        assert len(client) > 0
    assert data.x_test.shape == (len(data.y_test), num_features)
    assert set(np.unique(data.y_test)) == set(range(num_classes))


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_test_set_and_clients_are_disjoint(name: str) -> None:
    rows = raw_rows(load(name))
    if name == "fraud":  # continuous features: no two generated transactions coincide
        assert len(np.unique(rows, axis=0)) == len(rows)
    else:  # the records are exactly the package's data set, each used once
        source = load_breast_cancer() if name == "hospitals" else load_digits()
        expected = np.round(np.asarray(source.data, dtype=np.float64), 6)
        assert len(rows) == len(expected)
        got_rows, got_counts = np.unique(rows, axis=0, return_counts=True)
        want_rows, want_counts = np.unique(expected, axis=0, return_counts=True)
        assert np.allclose(got_rows, want_rows) and np.array_equal(got_counts, want_counts)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_test_share_is_about_a_fifth(name: str) -> None:
    data = load(name)
    total = len(data.y_test) + sum(len(c) for c in data.clients)
    assert abs(len(data.y_test) / total - 0.2) < 0.01


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    first, again, other = load(name, seed=3), load(name, seed=3), load(name, seed=4)
    assert all(
        np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
        for a, b in zip(first.clients, again.clients, strict=True)
    )
    assert np.array_equal(first.x_test, again.x_test)
    assert not np.array_equal(first.y_test, other.y_test) or not np.array_equal(first.x_test, other.x_test)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_centralized_pools_the_clients_in_order(name: str) -> None:
    data = load(name)
    x, y = data.centralized()
    assert np.array_equal(x, np.concatenate([c.x for c in data.clients]))
    assert np.array_equal(y, np.concatenate([c.y for c in data.clients]))
    x_test, y_test = data.test()
    assert x_test is data.x_test and y_test is data.y_test


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_client_by_index_and_by_name(name: str) -> None:
    data = load(name)
    assert data.client(data.client_names[2]) is data.clients[2] is data.client(2) is data.client(-2)
    with pytest.raises(ConfigError, match="no client named"):
        data.client("Nobody")
    with pytest.raises(ConfigError, match="out of range"):
        data.client(4)
    with pytest.raises(ConfigError, match="by index or name"):
        data.client(1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_arrays_are_read_only(name: str) -> None:
    data = load(name)
    with pytest.raises(ValueError, match="read-only"):
        data.clients[0].x[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        data.y_test[0] = 0


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_describe_is_json_ready_and_consistent(name: str) -> None:
    data = load(name)
    summary = data.describe()
    json.dumps(summary)
    assert summary["train_size"] == sum(len(c) for c in data.clients)
    assert [c["size"] for c in summary["clients"]] == [len(c) for c in data.clients]
    assert [sum(c["label_counts"]) for c in summary["clients"]] == [len(c) for c in data.clients]
    assert json.loads(json.dumps(data.scaling.as_dict()))["scale"] == data.scaling.scale.tolist()


def test_standardisation_constants_come_from_the_training_union() -> None:
    data = hospitals(3, seed=1)
    x, _ = data.centralized()
    assert np.allclose(x.mean(axis=0), 0.0, atol=1e-9)
    assert np.allclose(x.std(axis=0), 1.0)
    raw = data.scaling.inverse(x)
    assert np.allclose(data.scaling.offset, raw.mean(axis=0))


def test_digits_scaling_is_the_fixed_pixel_map() -> None:
    data = digits(3)
    assert np.all(data.scaling.offset == 0.0) and np.all(data.scaling.scale == 16.0)
    x, _ = data.centralized()
    assert x.min() >= 0.0 and x.max() <= 1.0


@pytest.mark.parametrize("partitioner", ["iid", "dirichlet", "shard"])
def test_partitioner_by_name(partitioner: str) -> None:
    data = digits(5, partitioner=partitioner, seed=0)
    assert data.partitioning.startswith(
        {"iid": "Iid", "dirichlet": "Dirichlet", "shard": "Shard"}[partitioner]
    )


def test_label_skew_follows_alpha() -> None:
    skew = {alpha: digits(10, alpha=alpha, seed=0).stats().mean_total_variation for alpha in (100.0, 0.1)}
    iid_skew = digits(10, partitioner="iid", seed=0).stats().mean_total_variation
    assert skew[0.1] > 0.5 > max(skew[100.0], iid_skew)


def test_partitioner_object_is_used_as_given() -> None:
    data = hospitals(4, partitioner=IidPartitioner(num_partitions=4, seed=11))
    assert data.partitioning == "IidPartitioner(num_partitions=4, seed=11)"
    sizes = [len(c) for c in data.clients]
    assert max(sizes) - min(sizes) <= 1


class Overlapping:
    """A broken partitioner: both partitions hold sample 0."""

    def partition(self, labels: npt.ArrayLike) -> Partitions:
        n = len(np.asarray(labels))
        return np.arange(0, n // 2, dtype=np.int64), np.arange(0, n, 2, dtype=np.int64)


def test_partitioner_objects_are_checked() -> None:
    with pytest.raises(ConfigError, match="made 4 partitions for 3 clients"):
        hospitals(3, partitioner=IidPartitioner(num_partitions=4))
    with pytest.raises(ConfigError, match="every training record exactly once"):
        hospitals(2, partitioner=Overlapping())


def test_hospital_names_are_unique_beyond_the_list() -> None:
    data = hospitals(14, partitioner="iid")
    assert len(set(data.client_names)) == 14
    assert data.client_names[12] == "Aurora General #2"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: hospitals(0), "num_clients must be >= 1"),
        (lambda: hospitals(500, partitioner="iid"), "num_clients must be <= 456"),
        (lambda: hospitals(46), "min_partition_size=10 cannot be met: 46 partitions need at least 460"),
        (lambda: hospitals(20, alpha=0.5), "min_partition_size=10 cannot be met|was not met"),
        (lambda: hospitals(3, alpha=0.0), "alpha must be finite and > 0"),
        (lambda: hospitals(3, partitioner="kmeans"), "unknown partitioner 'kmeans'"),
        (lambda: hospitals(3, partitioner=42), "partitioner must be a name or a Partitioner"),  # type: ignore[arg-type]
        (lambda: hospitals(3, test_size=1.0), "test_size must be strictly between 0 and 1"),
        (lambda: hospitals(3, test_size=0.0), "test_size must be finite and > 0"),
        (lambda: hospitals(3, seed=-1), "seed must be >= 0"),
        (lambda: digits(3, partitioner="shard", seed=1.5), "seed must be an integer"),  # type: ignore[arg-type]
        (lambda: fraud(0), "num_clients must be >= 1"),
        (lambda: fraud(3, transactions_per_bank=100), "transactions_per_bank must be >= 500"),
    ],
)
def test_bad_arguments_raise_config_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        call()
