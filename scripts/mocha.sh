#!/usr/bin/env bash
# Runs mocha (.mocharc.yaml) on the given files, then prints "N passed, N failed" on a line of its
# own, the summary that CI reads; exits with mocha's status.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
npx mocha --jobs "${LATCH_TEST_JOBS:-2}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
count() { grep -oE "^ +[0-9]+ $1" "$log" | grep -oE '[0-9]+' | tail -1 || true; }
passed=$(count passing)
failed=$(count failing)
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
