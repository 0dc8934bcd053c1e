"""The examples in the docstrings of fedchain.chain run and stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "fedchain.chain",
    "fedchain.chain.accounts",
    "fedchain.chain.backends",
    "fedchain.chain.backends.base",
    "fedchain.chain.backends.devnet",
    "fedchain.chain.backends.embedded",
    "fedchain.chain.backends.rpc",
    "fedchain.chain.errors",
    "fedchain.chain.events",
    "fedchain.chain.gas",
    "fedchain.chain.keystore",
    "fedchain.chain.nonces",
    "fedchain.chain.revert_data",
    "fedchain.chain.tx",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) failed in {name}"
