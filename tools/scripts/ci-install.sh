#!/usr/bin/env bash
# Installs the locked dependencies for a CI job: `npm ci` from the npm cache when it can, the registry otherwise.
# A shell runner that keeps an installed tree of the same lockfile can name it in ENVOYS_CI_NODE_MODULES; it
# is used when it holds exactly the locked packages, which saves the install (half a minute or more).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -n "${ENVOYS_CI_NODE_MODULES:-}" ] && [ -d "$ENVOYS_CI_NODE_MODULES" ] && [ ! -e node_modules ]; then
  ln -s "$ENVOYS_CI_NODE_MODULES" node_modules
  if node tools/scripts/ci-node-modules-match.cjs; then
    echo "ci-install: dependencies from $ENVOYS_CI_NODE_MODULES (the packages package-lock.json locks)"
    exit 0
  fi
  echo "ci-install: $ENVOYS_CI_NODE_MODULES does not match package-lock.json; installing"
  rm node_modules
fi
npm ci --prefer-offline --no-audit --no-fund --loglevel=error
