#!/usr/bin/env bash
# Builds the operator console (frontend/) into src/herald/web/console_dist, which Herald serves
# at /console. Installs the npm dependencies (npm ci, from package-lock.json) only when
# node_modules is missing or the lock file changed since the last install; checks that the
# committed TypeScript API types (src/api/schema.d.ts) match Herald's OpenAPI document (needs
# Herald importable: the .venv; after an API change run `npm run gen:api` and commit); type
# checks and builds.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
if ! command -v npm >/dev/null 2>&1; then
  echo "build-console: npm is not installed (Node.js 20+ is needed to build the console)" >&2
  exit 1
fi
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat .lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > .lock-hash
fi
npm run --silent gen:api:check
npm run --silent build
