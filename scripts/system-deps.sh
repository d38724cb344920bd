#!/usr/bin/env bash
# The Debian packages the build links (GRDB: SQLite; zlib for ZIP inflate), and with --tests
# what the tests run (a PostgreSQL server, openssl for its test certificates). Installs the missing ones when run as root (CI,
# fresh machines); otherwise says what is missing.
set -euo pipefail
packages=(libsqlite3-dev zlib1g-dev pkg-config)
[ "${1:-}" = --tests ] && packages+=(postgresql openssl)
need=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
else
  echo "missing system packages: ${need[*]} (apt-get install them, then rerun)" >&2
  exit 1
fi
