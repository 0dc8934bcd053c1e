"""The public surface of fedchain.chain is curated and sorted."""

from __future__ import annotations

import importlib

import pytest

import fedchain.chain

MODULES = [
    "fedchain.chain",
    "fedchain.chain.accounts",
    "fedchain.chain.backends",
    "fedchain.chain.errors",
    "fedchain.chain.events",
    "fedchain.chain.gas",
    "fedchain.chain.keystore",
    "fedchain.chain.nonces",
    "fedchain.chain.revert_data",
    "fedchain.chain.tx",
]


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_isort_key)
    assert len(set(exported)) == len(exported)
    for symbol in exported:
        assert hasattr(module, symbol), f"{name}.{symbol}"


def test_package_reexports_the_main_entry_points() -> None:
    for symbol in (
        "connect",
        "ChainBackend",
        "EmbeddedBackend",
        "DevnetBackend",
        "RpcBackend",
        "Signer",
        "KeyStoreDir",
        "Transactor",
        "ErrorDecoder",
        "error_class",
        "register_error_class",
        "GasLedger",
        "EventCursor",
        "EventReader",
    ):
        assert symbol in fedchain.chain.__all__


def test_no_private_names_exported() -> None:
    for name in MODULES:
        module = importlib.import_module(name)
        assert not [s for s in module.__all__ if s.startswith("_")]


def test_fixture_artifact_is_built_from_the_current_source() -> None:
    """Fixture.json must be rebuilt (tests/chain/fixtures/build.py) after editing Fixture.sol."""
    import hashlib
    import json
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures"
    artifact = json.loads((fixtures / "Fixture.json").read_text())
    digest = hashlib.sha256((fixtures / "Fixture.sol").read_bytes()).hexdigest()
    assert artifact["sourceSha256"] == digest, "run: python tests/chain/fixtures/build.py"
    assert artifact["evmVersion"] == "cancun" and artifact["bytecode"].startswith("0x")
