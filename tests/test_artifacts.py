"""The committed ABI/bytecode and the generated bindings are exactly what the sources produce."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORGE = ROOT / "node_modules" / ".bin" / "forge"
COMMITTED = ROOT / "src" / "fedchain" / "contracts"


def test_committed_artifacts_match_the_solidity_sources(tmp_path: Path) -> None:
    if not FORGE.exists():
        if os.environ.get("CI"):
            pytest.fail("forge missing under CI: run `npm ci`")
        pytest.skip("forge not installed (npm ci)")
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_artifacts.py"), "--out-dir", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    fresh = sorted(p.name for p in tmp_path.glob("*.json"))
    assert fresh == sorted(p.name for p in COMMITTED.glob("*.json")), "contract set changed: make artifacts"
    for name in fresh:
        assert json.loads((tmp_path / name).read_text()) == json.loads((COMMITTED / name).read_text()), (
            f"{name} is stale: run `make artifacts` and commit the result"
        )


def test_generated_bindings_match_the_committed_abis() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_bindings.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"stale bindings: run `make artifacts`\n{proc.stderr}"
