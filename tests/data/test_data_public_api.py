"""The curated public surface of fedchain.data, and the runnable examples in its docstrings."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import time

import pytest

import fedchain.data
import fedchain.data.datasets
import fedchain.data.partition

PACKAGES = [fedchain.data, fedchain.data.datasets, fedchain.data.partition]
MODULES = [
    "fedchain.data",
    *sorted(m.name for m in pkgutil.walk_packages(fedchain.data.__path__, "fedchain.data.")),
]


def isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions; each alphabetical."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_all_is_sorted_unique_and_importable(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    assert names == sorted(names, key=isort_key)
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(package, name) is not None


def test_top_level_names_are_the_same_objects_as_in_the_subpackages() -> None:
    for name in fedchain.data.__all__:
        value = getattr(fedchain.data, name)
        for sub in (fedchain.data.datasets, fedchain.data.partition):
            if name in sub.__all__:
                assert getattr(sub, name) is value


def test_partitioner_objects_satisfy_the_protocol() -> None:
    from fedchain.data import (
        DirichletPartitioner,
        IidPartitioner,
        NaturalIdPartitioner,
        Partitioner,
        ShardPartitioner,
    )

    objects = [IidPartitioner(2), DirichletPartitioner(2, 0.5), ShardPartitioner(2), NaturalIdPartitioner()]
    assert all(isinstance(p, Partitioner) for p in objects)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run_quickly(module_name: str) -> None:
    module = importlib.import_module(module_name)
    started = time.perf_counter()
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0
    assert time.perf_counter() - started < 1.0
