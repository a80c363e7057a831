#!/usr/bin/env bash
# Make sure headless Chromium is available for the browser tests.
# Installs Debian's package when missing and we are root; otherwise says what to do.
set -euo pipefail
if [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium from Debian's packages (about a minute)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "Chromium not found: the browser tests will be skipped." >&2
echo "Install it with: sudo apt-get install chromium   (or set CHROMIUM_PATH)" >&2
