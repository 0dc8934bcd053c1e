"""Compile contracts/ with forge and write the deployable artifacts the runtime uses.

Writes ``src/fedchain/contracts/<Name>.json`` (``contractName``, ``abi``, ``bytecode``,
``deployedBytecode``, ``linkReferences``, ``deployedLinkReferences``) for every concrete contract in
``contracts/src/*.sol`` and every library it links to (the coordinator's logic libraries), and a
``manifest.json`` with the compiler settings and the sha256 of every source file. The runtime never needs a
compiler; ``tests/test_artifacts.py`` recompiles and fails when the committed artifacts differ from the
sources.

Usage: ``python scripts/build_artifacts.py [--out-dir DIR]`` (``--out-dir`` writes elsewhere, for the test).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "contracts"
FORGE = ROOT / "node_modules" / ".bin" / "forge"
DEST = ROOT / "src" / "fedchain" / "contracts"


def compile_contracts(forge_out: Path) -> None:
    env = dict(os.environ, FOUNDRY_DISABLE_NIGHTLY_WARNING="1")
    cmd = [
        str(FORGE),
        "build",
        "--skip",
        "test",
        "--skip",
        "script",
        "--out",
        str(forge_out),
        "--cache-path",
        str(forge_out / ".cache"),
    ]
    proc = subprocess.run(cmd, cwd=CONTRACTS, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"forge build failed ({proc.returncode})")


def concrete_sources() -> list[Path]:
    return sorted(p for p in (CONTRACTS / "src").glob("*.sol"))


ENUM = re.compile(r"\benum\s+(\w+)\s*\{([^}]*)\}")


def enum_definitions() -> dict[str, list[str]]:
    """Enum members by enum name, read from the sources (the ABI names an enum's type but not its members)."""
    enums: dict[str, list[str]] = {}
    for path in sorted((CONTRACTS / "src").rglob("*.sol")):
        text = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(), flags=re.S)
        for name, body in ENUM.findall(text):
            members = [m.strip() for m in body.split(",") if m.strip()]
            if enums.setdefault(name, members) != members:
                raise SystemExit(f"two different enums named {name}")
    return enums


def referenced_enums(abi: list[dict[str, Any]], enums: dict[str, list[str]]) -> dict[str, list[str]]:
    found = set(re.findall(r'"internalType": "enum (?:\w+\.)?(\w+)', json.dumps(abi)))
    return {name: enums[name] for name in sorted(found)}


def _artifact(forge_out: Path, source: Path, name: str, enums: dict[str, list[str]]) -> dict[str, Any]:
    data = json.loads((forge_out / source.name / f"{name}.json").read_text())
    return {
        "contractName": name,
        "sourceName": str(source.relative_to(ROOT)),
        "abi": data["abi"],
        "bytecode": data["bytecode"]["object"],
        "deployedBytecode": data["deployedBytecode"]["object"],
        "linkReferences": data["bytecode"].get("linkReferences", {}),
        "deployedLinkReferences": data["deployedBytecode"].get("linkReferences", {}),
        "enums": referenced_enums(data["abi"], enums),
    }


def collect(forge_out: Path) -> dict[str, dict[str, Any]]:
    """The concrete contracts of ``contracts/src/*.sol`` and every library their bytecode links to.

    A linked library (external functions, deployed once) appears in its user's ``linkReferences`` as
    ``{source: {name: [{start, length}]}}``: byte offsets in the creation bytecode where its address goes.
    """
    artifacts: dict[str, dict[str, Any]] = {}
    enums = enum_definitions()
    pending: list[tuple[Path, str, str]] = [(src, src.stem, "contract") for src in concrete_sources()]
    while pending:
        source, name, kind = pending.pop()
        if name in artifacts:
            continue
        art = {**_artifact(forge_out, source, name, enums), "kind": kind}
        if art["bytecode"] in ("", "0x"):
            continue  # abstract contract or interface
        artifacts[name] = art
        for linked_source, libraries in art["linkReferences"].items():
            pending += [(CONTRACTS / linked_source, library, "library") for library in libraries]
    return artifacts


def manifest() -> dict[str, Any]:
    toml = (CONTRACTS / "foundry.toml").read_text()
    sources = sorted((CONTRACTS / "src").rglob("*.sol"))
    return {
        "compiler": "solc 0.8.24 (npm solc, solcjs)",
        "foundryToml": hashlib.sha256(toml.encode()).hexdigest(),
        "sources": {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sources},
    }


def write(dest: Path, artifacts: dict[str, dict[str, Any]]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.json"):
        old.unlink()
    for name, art in artifacts.items():
        (dest / f"{name}.json").write_text(json.dumps(art, indent=1, sort_keys=True) + "\n")
    (dest / "manifest.json").write_text(json.dumps(manifest(), indent=1, sort_keys=True) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=DEST)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        forge_out = Path(tmp) / "out"
        compile_contracts(forge_out)
        artifacts = collect(forge_out)
    write(args.out_dir, artifacts)
    print(f"wrote {len(artifacts)} artifacts to {args.out_dir}: {', '.join(sorted(artifacts))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
