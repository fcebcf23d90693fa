#!/usr/bin/env bash
# The real servers the integration and browser tests start: Dovecot (IMAP),
# Kannel (SMS gateway) and Chromium. Installed from Debian's packages when missing
# and when we may (root); otherwise we say what is missing and the tests that need
# it skip outside CI (under CI=true they fail, so a gap is never silent).
set -euo pipefail

packages=(dovecot-imapd dovecot-lmtpd kannel kannel-extras chromium chromium-driver)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: missing Debian packages: ${missing[*]} (not root or no apt-get; skipping)" >&2
  exit 0
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/teranga-apt.log 2>&1; then
  apt-get update >>/tmp/teranga-apt.log 2>&1
  apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/teranga-apt.log 2>&1 || {
    tail -20 /tmp/teranga-apt.log >&2
    exit 1
  }
fi
# Installing the packages must not leave daemons holding the ports the tests pick.
for svc in dovecot kannel; do
  command -v service >/dev/null 2>&1 && service "$svc" stop >/dev/null 2>&1 || true
done
