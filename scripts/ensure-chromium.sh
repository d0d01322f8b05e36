#!/usr/bin/env bash
# Makes sure a headless Chromium is available for the browser test of
# report.html (tests/it/report_browser.rs) and prints its path.
#
# Looks for $CHROMIUM, then chromium, chromium-browser, google-chrome-stable
# and google-chrome on PATH; when none is found on a Debian or Ubuntu machine
# it installs Debian's `chromium` package with apt-get (as root, or through
# sudo without a password prompt). Exits non-zero, saying what to do, when it
# cannot.
set -euo pipefail

find_browser() {
  local name
  for name in "${CHROMIUM:-}" chromium chromium-browser google-chrome-stable google-chrome; do
    if [ -n "$name" ] && command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

if find_browser; then
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "ensure-chromium: Chromium is not installed and this user cannot run apt-get;" \
      "run 'sudo apt-get install chromium' (or set CHROMIUM=/path/to/chrome)" >&2
    exit 1
  fi
  echo "ensure-chromium: installing Debian's chromium package (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! "${as_root[@]}" apt-get install -y -q chromium >&2; then
    # A fresh machine may have no package lists yet.
    "${as_root[@]}" apt-get update -q >&2
    "${as_root[@]}" apt-get install -y -q chromium >&2
  fi
  if find_browser; then
    exit 0
  fi
fi

echo "ensure-chromium: no Chromium found and none could be installed;" \
  "install Chromium or Chrome, or set CHROMIUM=/path/to/chrome" >&2
exit 1
