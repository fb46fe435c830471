#!/usr/bin/env bash
# GraphQL over HTTP conformance: the graphql-http audit (npm) against a gateway started here
# with an embedded PostgreSQL. Needs node and npm. Usage: bench/http_audit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=.data/tools/graphql-http
if [ ! -d "$TOOLS/node_modules/graphql-http" ]; then
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --silent --no-audit --no-fund graphql-http@1.23 graphql@16 >/dev/null
fi
PORT=${PORT:-8765}
DATA=$(mktemp -d)
DATA_DIR=$DATA ./dev serve --port "$PORT" --no-demo >"$DATA/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 180); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { cat "$DATA/serve.log"; exit 1; }
  sleep 1
done
cp bench/http_audit.mjs "$TOOLS/audit.mjs"
node "$TOOLS/audit.mjs" "http://127.0.0.1:$PORT/graphql"
