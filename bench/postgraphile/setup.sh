#!/usr/bin/env bash
# Installs PostGraphile 5 and its own Node 22 (the `node` npm package, a devDependency) from
# package-lock.json into node_modules/. Only npm is needed on the machine (any Node that runs
# npm); the server itself runs on node_modules/.bin/node. bench/run.py calls this when
# node_modules is missing or older than the lock file; running it again is harmless.
set -euo pipefail
cd "$(dirname "$0")"
if [ -x node_modules/.bin/node ] && [ node_modules/.installed -nt package-lock.json ]; then
  exit 0
fi
# npm warns that PostGraphile wants Node >= 22 while npm itself may run on an older Node: the
# packages are plain JavaScript, and they run on the Node 22 installed here.
npm ci --no-audit --no-fund --loglevel=error
node_modules/.bin/node --version >/dev/null
touch node_modules/.installed
