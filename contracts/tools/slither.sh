#!/usr/bin/env bash
# Runs slither offline on src/: compiles it with forge through tools/solc (the pinned solcjs) into slither's own
# out/cache folders (cache/slither/, so `forge test`'s cache is left alone), then analyses that build info with
# slither.config.json and the triage database slither.db.json. Nothing downloads a compiler (no solc-select).
# Exit status: 0 when every finding is triaged, non-zero on any new one (see docs/static-analysis.md).
# Usage: contracts/tools/slither.sh [slither options, e.g. --triage-mode, --json -, --show-ignored-findings]
# SLITHER overrides the slither executable (default: .venv-slither/bin/slither, installed by `make`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$here"
slither="${SLITHER:-$root/.venv-slither/bin/slither}"

export FOUNDRY_DISABLE_NIGHTLY_WARNING=1
# An absolute remapping for this build: with foundry.toml's relative one, forge names each OpenZeppelin file twice
# in one build (`../node_modules/...` when reached through the remapping, `/abs/node_modules/...` when reached by a
# relative import inside OpenZeppelin), and slither, which keys files by absolute path, then fails to resolve
# the duplicates' references ("Failed to resolved name for reference id ...").
export FOUNDRY_REMAPPINGS="@openzeppelin/=$root/node_modules/@openzeppelin/"
# slither reads the project layout with `forge config --json`, so forge must be on PATH. Only node_modules/.bin is
# added: .venv-slither/bin holds solc-select's `solc` shim, which would try to download a compiler.
export PATH="$root/node_modules/.bin:$PATH"

# --force: slither reads every file in out/build-info; an incremental build would leave stale ones beside the new.
# The out folder must match `foundry_out_directory` in slither.config.json.
forge build --force --build-info --out cache/slither/out --cache-path cache/slither/cache src >/dev/null
exec "$slither" . "$@"
