#!/usr/bin/env bash
# Writes (or, with --check, verifies) contracts/.gas-snapshot with the same filter as `make test-contracts`:
# the invariant suite and the gas bench are left out (the bench's n = 1,000 case is slow; tools/gas-bench.sh
# reports it).
# --check compares the unit tests' gas exactly and ignores the fuzz tests' mean and median: those depend on the
# inputs forge draws, which change with its fuzz cache (a `forge test` run before changes them), not with the code.
# forge's own `snapshot --check` is not used: forge 1.7.1 exits 0 on a mismatch (a changed `(gas: N)` line passes).
# Usage: contracts/tools/snapshot.sh [--check]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
forge="$here/../node_modules/.bin/forge"
filter=(--no-match-path 'test/{invariant/*,GasBench.t.sol}')
if [[ "${1:-}" != "--check" ]]; then
    exec "$forge" snapshot "${filter[@]}" "$@"
fi
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
"$forge" snapshot "${filter[@]}" --snap "$fresh" >/dev/null
if ! diff <(grep -F '(gas: ' .gas-snapshot) <(grep -F '(gas: ' "$fresh"); then
    echo "contracts/.gas-snapshot is out of date (< committed, > measured): run bash contracts/tools/snapshot.sh" >&2
    exit 1
fi
if [[ "$(grep -c . .gas-snapshot)" != "$(grep -c . "$fresh")" ]]; then
    echo "contracts/.gas-snapshot lists other tests than the suite has: run bash contracts/tools/snapshot.sh" >&2
    exit 1
fi
echo "gas snapshot matches ($(grep -cF '(gas: ' "$fresh") unit tests; fuzz gas not compared)"
