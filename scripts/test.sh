#!/usr/bin/env bash
# The test command (npm test): install the Debian packages the tests start (when missing),
# type-check, check the format, build dist/ (the end-to-end tests run `latch` as operators do, from the build), then
# run every unit test (src/**/*.test.ts) and every end-to-end test against real peers
# (test/**/*.test.ts) with mocha (.mocharc.yaml). The peers are started by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
bash scripts/install-test-deps.sh
npx tsc --noEmit -p tsconfig.json
# One format (Prettier, .prettierrc.json) for every TypeScript file: `npm run format` applies it.
npm run --silent format:check || { echo 'Files above are not formatted: run `npm run format`.' >&2; exit 1; }
npm run --silent build
bash scripts/check-tests.sh
exec bash scripts/mocha.sh 'src/**/*.test.ts' 'test/**/*.test.ts'
