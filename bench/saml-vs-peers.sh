#!/usr/bin/env bash
# Latch against SimpleSAMLphp (Debian's simplesamlphp 1.19, Apache prefork + mod_php, opcache on)
# on the same slapd with 1,000 users, in one run: SSO with a session and full sign-in, per IdP
# CPU-second and per second, p50/p99, and `openssl speed rsa2048` as the ceiling.
#
#   bash bench/saml-vs-peers.sh [seconds per scenario, default 10] [concurrency, default 4]
#
# Needs root (Apache's children drop to www-data) and these Debian packages, which only this
# benchmark uses (they are not test dependencies; see bench/README.md):
set -euo pipefail
BENCH_PACKAGES=(simplesamlphp libapache2-mod-php php-ldap php-xml php-mbstring slapd ldap-utils openssl)

missing=()
for p in "${BENCH_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi

cd "$(dirname "$0")/.."
source scripts/node-env.sh
[ -f dist/cli/main.js ] || npm run build >&2
exec node --import tsx bench/saml-vs-peers.ts "$@"
