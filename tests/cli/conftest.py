"""Fixtures of the command-line tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fedchain.chain import DevnetBackend, anvil_available


@pytest.fixture(scope="module")
def devnet() -> Iterator[DevnetBackend]:
    """One anvil per test module; skipped without anvil locally, a failure under CI."""
    if not anvil_available():
        if os.environ.get("CI"):
            pytest.fail("anvil missing under CI: run `npm ci`")
        pytest.skip("anvil not installed (npm ci)")
    with DevnetBackend() as chain:
        yield chain
