"""Every docstring example in the package runs and stays true (modules are discovered, not listed)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import fedchain

MODULES = sorted(m.name for m in pkgutil.walk_packages(fedchain.__path__, prefix="fedchain."))


def test_modules_were_discovered() -> None:
    assert {"fedchain.chain.client", "fedchain.codec", "fedchain.storage.local"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) failed in {name}"
