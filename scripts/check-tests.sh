#!/usr/bin/env bash
# Fails when a test is skipped or focused in the source (.skip, .only, xit, this.skip()): mocha's
# --forbid-only and --forbid-pending (.mocharc.yaml) catch those that run; this catches them all
# before anything runs.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(it|describe|context|specify|suite|test)\.(skip|only)\b|\bx(it|describe|context|specify)\b *\(|\bthis\.skip\('
if grep -rnE "$pattern" --include='*.ts' src test | grep -E '\.test\.ts:|^test/'; then
  echo 'Skipped or focused tests (above): every test runs, so remove .skip, .only, xit or this.skip().' >&2
  exit 1
fi
