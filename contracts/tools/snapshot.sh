#!/usr/bin/env bash
# Writes (or, with --check, verifies) contracts/.gas-snapshot with the same filter as `make test-contracts`:
# the invariant suite and the gas bench are left out (the bench's n = 1,000 case is slow; tools/gas-bench.sh
# reports it). With this filter the fuzz tests' gas (fixed seed) is reproducible; run together with the invariant
# suite it is not (forge's parallel scheduling changes the fuzz dictionary).
# Usage: contracts/tools/snapshot.sh [--check]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
exec "$here/../node_modules/.bin/forge" snapshot --no-match-path 'test/{invariant/*,GasBench.t.sol}' "$@"
