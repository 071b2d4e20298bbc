#!/bin/sh
# Installs the Debian packages of the system tools that are missing (extractor/tools.py says which:
# LibreOffice, Chromium, CJK fonts), when it can: apt-get is there and this runs as root or with
# password-less sudo. Otherwise it says so; the tests and eval sets that need a missing tool are then
# skipped, each with one loud line. It never fails the build: a machine without the tools still tests
# everything else.  SYSTEM_PACKAGES=no skips the attempt.
set -u
PY=${PY:-python3}
missing=$("$PY" -m extractor.tools) || exit 0
[ -n "$missing" ] || exit 0
missing=$(echo $missing)  # one line
if [ "${SYSTEM_PACKAGES:-auto}" = no ]; then
  echo "system packages: not installing $missing (SYSTEM_PACKAGES=no); what needs them is skipped"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system packages: no apt-get here; install $missing yourself, or what needs them is skipped"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "system packages: not root and no password-less sudo; run: sudo apt-get install $missing" \
       "(until then what needs them is skipped)"
  exit 0
fi
echo "system packages: installing $missing (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null; }; then
  echo "system packages: apt-get could not install $missing; what needs them is skipped"
fi
still=$(echo $("$PY" -m extractor.tools))
if [ -n "$still" ]; then
  echo "system packages: still missing after apt-get (installed but not on PATH?): $still"
fi
exit 0
