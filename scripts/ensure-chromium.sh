#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium for the browser tests, installing Debian's
# package once when none is found (Playwright's own browser download does not reach this network).
# Order: $CHROMIUM_PATH, then chromium / chromium-browser on PATH or in Debian's places, then
# `apt-get install chromium` when this runs as root with apt-get. Otherwise it says what to install
# and exits 1: the browser tests then fail with the same message (they are never skipped).
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] || { echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2; exit 1; }
  echo "$CHROMIUM_PATH"; exit 0
fi
find_chromium() {
  for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
  done
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser /usr/lib/chromium/chromium; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
if find_chromium; then exit 0; fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium package for the browser tests (first time only; about a minute)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends chromium >&2 || true
  if find_chromium; then exit 0; fi
  echo "apt-get could not install chromium." >&2
fi
cat >&2 <<MSG
Chromium is needed by the browser tests (the Temporal UI test) and was not found.
Install it, then run the tests again:
  - Debian/Ubuntu: sudo apt-get install -y chromium   (or chromium-browser)
  - or set CHROMIUM_PATH to any Chromium or Chrome binary.
MSG
exit 1
