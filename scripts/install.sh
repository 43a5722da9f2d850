#!/usr/bin/env bash
# Installs everything wg-gateway needs on Debian/Ubuntu, as root: the Debian
# packages, Node.js 24 (from the npm registry when the system node is older),
# the npm dependencies, and builds the packages. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  bird2 keepalived wireguard-tools wireguard-go iproute2 iputils-ping util-linux procps nftables iperf3
  etcd-server etcd-client openssl ca-certificates prometheus
  qemu-system-x86 busybox-static linux-image-cloud-amd64 cpio kmod zstd
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (it installs Debian packages: ${PACKAGES[*]})" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  # Packages must not start their own daemons (no systemd here; a stray
  # keepalived or etcd in the root namespace would interfere).
  had_policy=0
  [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  [ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$had_policy" = 1 ] || rm -f /usr/sbin/policy-rc.d
fi

. scripts/node24.sh
npm ci --no-audit --no-fund
npm run build
