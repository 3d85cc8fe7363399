#!/bin/sh
# What the ejabberd tests need beyond the build: Debian's ejabberd and python3-slixmpp.
# Installed with apt-get when missing and running as root; otherwise the exact command.
set -eu
missing=
for pkg in ejabberd python3-slixmpp; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing:$missing -- run: sudo apt-get install -y$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
# The package starts a system ejabberd on the standard ports; the tests run their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q ejabberd 2>/dev/null; then
  systemctl stop ejabberd || true
fi
