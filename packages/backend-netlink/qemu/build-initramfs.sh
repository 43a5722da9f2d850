#!/bin/sh
# Build an initramfs that boots a Debian kernel with wireguard.ko under QEMU
# and runs vitest on qemu/kernel.test.mjs there: the shared backend system
# suite (testkit) with the netlink backend in kernel mode, and the kernel-only
# cases.
#
#   build-initramfs.sh OUTDIR      -> OUTDIR/initramfs.img, OUTDIR/kernel
#
# Needs: a kernel in /boot whose /lib/modules has wireguard.ko (Debian
# linux-image-cloud-amd64), busybox-static, iproute2, wireguard-tools, kmod
# (modprobe), cpio, zstd or gzip, wireguard-go, util-linux (unshare, nsenter),
# iputils-ping, node (NODE_BIN, default: the node on PATH), vitest installed,
# and the packages built (npx tsc -b packages/backend-netlink packages/testkit).
set -eu

OUT=${1:?usage: build-initramfs.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PKG=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$PKG/../.." && pwd)
NODE_BIN=$(readlink -f "${NODE_BIN:-$(command -v node)}")

# A kernel that has both a vmlinuz and a wireguard module; the lean cloud
# flavour first (fewer drivers to probe under TCG), newest first.
if [ -z "${KVER:-}" ]; then
  for dir in $(ls -d /lib/modules/*cloud* 2>/dev/null | sort -rV) $(ls -d /lib/modules/* | sort -rV); do
    k=$(basename "$dir")
    if [ -e "/boot/vmlinuz-$k" ] && find "$dir" -name 'wireguard.ko*' | grep -q .; then KVER=$k; break; fi
  done
fi
[ -n "${KVER:-}" ] || { echo "no kernel with wireguard.ko in /boot + /lib/modules (apt-get install linux-image-cloud-amd64)" >&2; exit 2; }
[ -f "$PKG/dist/index.js" ] || { echo "packages/backend-netlink/dist missing: run npx tsc -b packages/backend-netlink" >&2; exit 2; }
[ -f "$ROOT/packages/testkit/dist/index.js" ] || { echo "packages/testkit/dist missing: run npx tsc -b packages/testkit" >&2; exit 2; }
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || { echo "busybox missing (apt-get install busybox-static)" >&2; exit 2; }

STAGE="$OUT/root"
rm -rf "$STAGE"
mkdir -p "$STAGE/bin" "$STAGE/usr/bin" "$STAGE/modules" "$STAGE/app/node_modules/@wg-gateway" \
  "$STAGE/proc" "$STAGE/sys" "$STAGE/dev" "$STAGE/run" "$STAGE/tmp" "$STAGE/etc"

# Kernel modules (wireguard; veth for the two-namespace handshake; tun for the
# suite's wireguard-go interface that stands for a user's own), in the order
# modprobe would load them.
: > "$STAGE/modules/order"
modprobe -S "$KVER" --show-depends -a wireguard veth tun | awk '$1 == "insmod" { print $2 }' | while read -r ko; do
  # busybox insmod takes plain .ko files: unpack compressed modules.
  name=$(basename "$ko")
  case "$name" in
    *.ko.xz) name=${name%.xz}; xz -dc "$ko" > "$STAGE/modules/$name" ;;
    *.ko.zst) name=${name%.zst}; zstd -qdc "$ko" > "$STAGE/modules/$name" ;;
    *.ko.gz) name=${name%.gz}; gzip -dc "$ko" > "$STAGE/modules/$name" ;;
    *) cp "$ko" "$STAGE/modules/$name" ;;
  esac
  echo "$name" >> "$STAGE/modules/order"
done

# Binaries with every library ldd lists (and the loader); none for a static one.
copy_libs() {
  { ldd "$1" 2>/dev/null || true; } | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | while read -r lib; do
    mkdir -p "$STAGE$(dirname "$lib")"
    cp -L "$lib" "$STAGE$lib"
  done
}
copy_bin() {
  cp -L "$1" "$STAGE/$2/$(basename "$1")"
  copy_libs "$1"
}
copy_bin "$BUSYBOX" bin
copy_bin "$NODE_BIN" usr/bin
copy_bin "$(command -v ip)" usr/bin
copy_bin "$(command -v wg)" usr/bin
# What the system suite runs besides node: its prerequisites (testkit's
# SYSTEM_SUITE_PROGRAMS); util-linux and iputils rather than busybox applets.
for p in wireguard-go unshare nsenter ping; do
  bin=$(command -v "$p") || { echo "$p missing" >&2; exit 2; }
  copy_bin "$bin" usr/bin
done

# The package, the testkit, vitest, and their runtime dependencies.
"$NODE_BIN" "$HERE/copy-runtime-deps.mjs" "$ROOT" "$STAGE/app/node_modules" \
  @wg-gateway/backend-netlink @wg-gateway/testkit vitest
# Native addons (netlink, vitest's bundler) need their libraries too.
find "$STAGE/app/node_modules" -name '*.node' | while read -r addon; do copy_libs "$addon"; done
cp "$HERE/kernel.test.mjs" "$HERE/vitest.config.mjs" "$STAGE/app/"
cp "$HERE/init" "$STAGE/init"
chmod 0755 "$STAGE/init"

# zstd unpacks far faster than gzip under TCG; both are built into Debian kernels.
if command -v zstd >/dev/null; then PACK="zstd -q -3 -T0"; else PACK="gzip -1"; fi
(cd "$STAGE" && find . | cpio -o -H newc --quiet | $PACK) > "$OUT/initramfs.img"
cp "/boot/vmlinuz-$KVER" "$OUT/kernel"
echo "$KVER" > "$OUT/kver"
echo "initramfs for $KVER: $(du -h "$OUT/initramfs.img" | cut -f1)"
