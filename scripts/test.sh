#!/usr/bin/env bash
# The test command: every test file under test/, on Node's test runner.
# Pass file paths to run only those: npm test -- test/unit/egn.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-temporal.sh
bash scripts/install-chromium.sh

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
exec node --import tsx --test --test-reporter=spec --test-timeout=600000 "${files[@]}"
