#!/usr/bin/env bash
# The test command: build, lint, API docs (typedoc, warnings are errors) and every test, on Node 24. Tests that need
# root or daemons run (as root) rather than skip. Ends with one plain
# "N passed, N failed, N skipped" line.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/node24.sh
set -e
npm run build
npm run lint
npm run docs
set +e
mkdir -p .cache
report=.cache/test-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
if [ -f "$report" ]; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  ' "$report"
else
  echo "0 passed, 1 failed"
fi
exit "$status"
