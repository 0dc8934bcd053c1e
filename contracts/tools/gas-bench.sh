#!/usr/bin/env bash
# Gas per protocol call at n = 10 and n = 1,000 members, as a markdown table.
# Runs test/GasBench.t.sol with --isolate: every top-level call is its own transaction, so each figure is the
# receipt's gasUsed (21,000 base + calldata + execution - refund), read with vm.lastCallGas().
# Usage: contracts/tools/gas-bench.sh  (from anywhere; needs the repo's node_modules/.bin/forge)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
forge="$here/../node_modules/.bin/forge"
cd "$here"
out="$("$forge" test --match-contract GasBench --isolate -vv 2>&1)" || { echo "$out" >&2; exit 1; }
echo "$out" | awk '
  /\[PASS\] test_gasBench_n10\(\)/   { col = 1; next }
  /\[PASS\] test_gasBench_n1000\(\)/ { col = 2; next }
  /\[FAIL/                          { print "gas bench failed: " $0 > "/dev/stderr"; exit 1 }
  col && /^  [^ ].*: [0-9]+$/ {
    line = substr($0, 3); i = match(line, /: [0-9]+$/)
    key = substr(line, 1, i - 1); val = substr(line, i + 2)
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    gas[key, col] = val
  }
  /^$/ { col = 0 }
  function fmt(v,   s) { if (v == "") return "-"; s = ""; while (length(v) > 3) { s = "," substr(v, length(v) - 2) s; v = substr(v, 1, length(v) - 3) } return v s }
  END {
    print "| call | n = 10 | n = 1,000 |"
    print "|---|---:|---:|"
    for (k = 1; k <= n; k++) printf "| `%s` | %s | %s |\n", order[k], fmt(gas[order[k], 1]), fmt(gas[order[k], 2])
  }'
