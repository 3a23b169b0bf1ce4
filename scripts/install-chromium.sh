#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test when it is missing. Needs root and apt-get;
# elsewhere it says how to install it, and the browser test skips itself.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null; then
  echo "Chromium is missing and cannot be installed from here: run 'sudo apt-get install chromium' for the browser test." >&2
  exit 0
fi

echo "Installing Chromium from Debian for the browser test" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium > /dev/null
/usr/bin/chromium --version >&2
