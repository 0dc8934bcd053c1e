"""Fixtures of the node tests (the federation itself is built in ``node_federation``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from node_federation import Federation, build_federation

from fedchain.chain import ChainBackend, connect


@pytest.fixture(scope="module")
def backend() -> Iterator[ChainBackend]:
    with connect("embedded") as chain:
        yield chain


@pytest.fixture
def federation(backend: ChainBackend, tmp_path: Path) -> Federation:
    return build_federation(backend, tmp_path)
