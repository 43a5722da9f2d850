#!/usr/bin/env bash
# Installs the wg-gateway CLI for the system, as root, from this checkout:
#
#   PREFIX/lib/wg-gateway/node_modules/   the packages, from `npm pack` of each
#   PREFIX/bin/wg-gateway                 the command (runs Node on the CLI)
#   PREFIX/lib/wg-gateway/check-route.sh  the route check that Keepalived's
#                                         track scripts run (the default of
#                                         paths.route-check-script)
#   SYSTEMD_DIR/wg-gateway.service        examples/systemd's unit, ExecStart
#                                         pointing at PREFIX/bin/wg-gateway
#   PREFIX/share/doc/wg-gateway/          cli.md, configuration.md, LICENSE
#
# PREFIX defaults to /usr (so /usr/bin/wg-gateway, as the unit says);
# SYSTEMD_DIR to /etc/systemd/system for PREFIX=/usr, else
# PREFIX/lib/systemd/system. Then: put a config in
# /etc/wg-gateway/config.yaml, `systemctl daemon-reload && systemctl enable
# --now wg-gateway`. Idempotent; npm fetches third-party packages (from its
# cache when it has them).
#
# Usage: sudo scripts/install-system.sh   (after scripts/install.sh or npm run build)
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX="${PREFIX:-/usr}"
if [ "$PREFIX" = /usr ]; then SYSTEMD_DIR="${SYSTEMD_DIR:-/etc/systemd/system}"; else SYSTEMD_DIR="${SYSTEMD_DIR:-$PREFIX/lib/systemd/system}"; fi
LIB="$PREFIX/lib/wg-gateway"
DOC="$PREFIX/share/doc/wg-gateway"

if [ "$(id -u)" -ne 0 ] && [ "${ALLOW_NON_ROOT:-}" != 1 ]; then
  echo "install-system.sh: run as root (it writes $PREFIX/bin, $LIB and $SYSTEMD_DIR)" >&2
  exit 1
fi

. scripts/node24.sh
if [ ! -f packages/cli/dist/bin.js ]; then npm run build; fi

# The packages the command needs, packed as they would be published.
packs="$(mktemp -d)"
trap 'rm -rf "$packs"' EXIT
for p in core backend-wgquick backend-netlink runtime cli; do
  npm pack --silent --pack-destination "$packs" -w "@wg-gateway/$p" >/dev/null
done

mkdir -p "$LIB" "$PREFIX/bin" "$SYSTEMD_DIR" "$DOC"
# Node itself: the system's when it is new enough, else a copy of the one
# scripts/node24.sh found (a checkout's cache must not be a runtime dependency).
node_bin="$(readlink -f "$(command -v node)")"
case "$node_bin" in
  /usr/* | /opt/*) ;;
  *)
    install -m 0755 "$node_bin" "$LIB/node"
    node_bin="$LIB/node"
    ;;
esac
printf '{ "name": "wg-gateway-system", "private": true }\n' > "$LIB/package.json"
(cd "$LIB" && npm install --no-audit --no-fund --prefer-offline --omit=dev --no-package-lock "$packs"/*.tgz >/dev/null)

# 1 MiB V8 semi-spaces (16 by default) keep the unit process ~10 MiB smaller
# at no measurable cost (docs/benchmarks.md, RSS); the CLI's shebang sets the same.
cat > "$PREFIX/bin/wg-gateway.new" <<SH
#!/bin/sh
# Installed by wg-gateway's scripts/install-system.sh.
exec "$node_bin" --max-semi-space-size=1 "$LIB/node_modules/@wg-gateway/cli/dist/bin.js" "\$@"
SH
chmod 0755 "$PREFIX/bin/wg-gateway.new"
mv -f "$PREFIX/bin/wg-gateway.new" "$PREFIX/bin/wg-gateway"

install -m 0755 packages/runtime/scripts/check-route.sh "$LIB/check-route.sh"
sed "s#^ExecStart=/usr/bin/wg-gateway #ExecStart=$PREFIX/bin/wg-gateway #" \
  examples/systemd/wg-gateway.service > "$SYSTEMD_DIR/wg-gateway.service"
chmod 0644 "$SYSTEMD_DIR/wg-gateway.service"
install -m 0644 docs/cli.md docs/configuration.md LICENSE "$DOC/"

echo "installed: $PREFIX/bin/wg-gateway ($("$PREFIX/bin/wg-gateway" version)), $LIB/check-route.sh, $SYSTEMD_DIR/wg-gateway.service" >&2
