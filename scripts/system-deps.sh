#!/usr/bin/env bash
# Installs the system packages the test suite drives for real (browsers, spamd, an SMTP sink).
# Idempotent: does nothing when everything is present. Needs root (or sudo) for apt-get.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -n "${HERALD_EXTRA_APT:-}" ] && need+=(${HERALD_EXTRA_APT})
if [ -f scripts/apt-packages.txt ]; then
  while read -r pkg bin; do
    [ -z "$pkg" ] || [[ "$pkg" == \#* ]] && continue
    command -v "${bin:-$pkg}" >/dev/null 2>&1 || need+=("$pkg")
  done < scripts/apt-packages.txt
fi
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
