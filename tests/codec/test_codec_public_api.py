"""The curated public surface of fedchain.codec, and the runnable examples in its docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

import fedchain.codec

MODULES = [
    "fedchain.codec",
    "fedchain.codec._checks",
    "fedchain.codec._spec",
    "fedchain.codec.safetensors_codec",
]


def isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions; each alphabetical."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_unique_and_importable() -> None:
    names = fedchain.codec.__all__
    assert names == sorted(names, key=isort_key)
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(fedchain.codec, name) is not None


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name: str) -> None:
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, verbose=False)
    assert result.failed == 0
