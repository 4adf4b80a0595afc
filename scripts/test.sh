#!/usr/bin/env bash
# The test command (npm test): install the Debian packages the tests start (when missing),
# type-check, build dist/ (the end-to-end tests run `latch` as operators do, from the build), then
# run every unit test (src/**/*.test.ts) and every end-to-end test against real peers
# (test/**/*.test.ts). The peers are started by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
bash scripts/install-test-deps.sh
npx tsc --noEmit -p tsconfig.json
npm run --silent build
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --import ./test/support/exit-without-teardown.ts --test --test-concurrency="${LATCH_TEST_CONCURRENCY:-2}" --test-timeout=600000 "${files[@]}"
