#!/usr/bin/env bash
# Runs the XCTest suite (arguments are passed to `swift test`) and ends with one plain
# line, "tests: N passed, N failed, N skipped", read from XCTest's own totals.
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${SWIFT:-swift}" test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
totals=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with" "$log" | tail -n 1)
executed=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$totals")
skipped=$(grep -oE "[0-9]+ tests? skipped" <<<"$totals" | grep -oE "^[0-9]+" || echo 0)
failed=$(sed -E 's/.* ([0-9]+) failures?.*/\1/' <<<"$totals")
if [ -n "$totals" ]; then
  echo "tests: $((executed - skipped - failed)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
