#!/usr/bin/env bash
# The test command: build, lint and every test, on Node 24. Tests that need
# root or daemons run (as root) rather than skip.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node24.sh
npm test
