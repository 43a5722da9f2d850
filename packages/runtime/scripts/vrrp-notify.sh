#!/bin/sh
# vrrp-notify.sh STATE_DIR FIFO
# Keepalived runs this as vrrp_notify_fifo_script (the FIFO is passed last).
# Every line it reads, e.g. `INSTANCE "VI_1" MASTER 100`, becomes the file
# STATE_DIR/INSTANCE-VI_1.state holding `MASTER 100`, written atomically, so
# the runtime can report VRRP states without a process of its own.
set -u
dir=$1
eval "fifo=\${$#}"
while [ -p "$fifo" ]; do
  # Opening a FIFO for reading blocks until keepalived opens it for writing.
  while read -r kind name state prio rest; do
    name=${name#\"}
    name=${name%\"}
    case $kind in INSTANCE | GROUP) ;; *) continue ;; esac
    case $name in '' | */* | .*) continue ;; esac
    tmp="$dir/.$kind-$name.tmp"
    printf '%s %s\n' "$state" "${prio:-}" >"$tmp" && mv -f "$tmp" "$dir/$kind-$name.state"
  done <"$fifo"
done
