"""Shared fixtures: the compiled Fixture contract and one backend per test module.

The ``backend`` fixture runs every test that uses it against the embedded chain and against a
devnet (anvil). Devnet tests skip when anvil cannot be found, except when ``CI`` is set: then
they fail, so CI never passes by silently skipping them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web3.contract import Contract

from fedchain.chain import ChainBackend, Signer, Transactor, anvil_available, connect

FIXTURES = Path(__file__).parent / "fixtures"


def require_anvil() -> None:
    """Skip (or, under CI, fail) the calling test when anvil is not available."""
    if anvil_available():
        return
    reason = "anvil not found: set FEDCHAIN_ANVIL, put anvil on PATH, or run `npm ci`"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: devnet tests must run, not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def needs_anvil() -> None:
    """Skip (or, under CI, fail) tests that need anvil when it cannot be found."""
    require_anvil()


@pytest.fixture(scope="session")
def fixture_artifact() -> dict[str, Any]:
    """ABI and bytecode of tests/chain/fixtures/Fixture.sol (committed Fixture.json)."""
    data: dict[str, Any] = json.loads((FIXTURES / "Fixture.json").read_text())
    return data


@pytest.fixture(
    scope="module",
    params=["embedded", pytest.param("devnet", marks=pytest.mark.devnet)],
)
def backend(request: pytest.FixtureRequest) -> Iterator[ChainBackend]:
    """One chain per test module and backend kind (a single anvil serves a whole module)."""
    kind = request.param
    if kind == "devnet":
        require_anvil()
    with connect(kind) as chain:
        yield chain


@pytest.fixture
def signer(backend: ChainBackend) -> Signer:
    """A fresh random account holding 100 ETH."""
    return backend.funded_signer()


@pytest.fixture
def transactor(backend: ChainBackend, signer: Signer) -> Transactor:
    """A transactor signing with ``signer``, labelled role ``tester``."""
    return Transactor(backend.w3, signer, role="tester")


@pytest.fixture
def fixture_contract(transactor: Transactor, fixture_artifact: dict[str, Any]) -> Contract:
    """A fresh Fixture deployed with ``count = 5``."""
    contract, _ = transactor.deploy(fixture_artifact["abi"], fixture_artifact["bytecode"], 5, phase="setup")
    return contract
