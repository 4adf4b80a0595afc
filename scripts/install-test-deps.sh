#!/usr/bin/env bash
# Installs the Debian packages the tests start on loopback: Redis, PostgreSQL, HAProxy, Chromium,
# xmlsec1 for independent signature checks, the directory servers, the SAML service providers and
# the Duo Auth API clients the Auth API tests drive (python3-duo-client, login-duo, libpam-duo with
# pamtester); libfaketime runs a cluster node with its clock shifted.
set -euo pipefail
packages=(
  redis-server postgresql haproxy libfaketime chromium xmlsec1 openssl
  samba samba-ad-dc samba-ad-provision python3-samba winbind krb5-user ldap-utils slapd
  apache2 libapache2-mod-shib libapache2-mod-auth-mellon python3-pysaml2 python3-onelogin-saml2
  libapache2-mod-auth-openidc python3-duo-client login-duo libpam-duo pamtester
)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them as root:  sudo bash scripts/install-test-deps.sh" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the services it installs; the tests run their own instances (Samba needs port 389).
for svc in redis-server postgresql haproxy slapd samba-ad-dc apache2 shibd; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" 2>/dev/null || true; fi
  service "$svc" stop >/dev/null 2>&1 || true
done
