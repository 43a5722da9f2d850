#!/usr/bin/env bash
# First command of the quick start, as root on Debian/Ubuntu: installs what is
# needed (Debian packages, Node 24 if the system's is older, npm deps), builds,
# then brings up a lab of 3 sites × 2 units with real WireGuard (wireguard-go),
# BIRD and Keepalived in network namespaces, and pings between the sites.
# Extra arguments go to `wg-gateway lab up` (e.g. --backend netlink).
# Take it down with: node packages/cli/dist/bin.js lab down
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
. scripts/node24.sh
exec node packages/cli/dist/bin.js lab up "$@"
