#!/usr/bin/env bash
# npm run test:unit: the unit tests beside the code (src/**/*.test.ts) only. Installs and starts
# nothing; they need only the openssl and xmlsec1 commands (which npm test installs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
bash scripts/check-tests.sh
exec bash scripts/mocha.sh 'src/**/*.test.ts'
