#!/bin/sh
# check-route.sh [--track-file FILE] PREFIX...
# Succeeds when the kernel has a route installed by BIRD, or the gateway's
# early route (proto 57, a link just come up, before BIRD computed it),
# covering every PREFIX (a Keepalived track script with a negative weight:
# a unit missing routes to the remote sites loses priority). IPv6 when a
# PREFIX contains a ':'. Equivalent to: ip [-6] route show proto bird match
# PREFIX (then proto 57 when empty), for each.
# With --track-file: also succeeds while FILE holds a non-zero number, the
# runtime's faster verdict on the same prefixes, which Keepalived tracks
# with the same weight (the loss counts once).
set -u
track_file=
if [ "${1-}" = --track-file ]; then
  [ $# -ge 2 ] || { echo "usage: $0 [--track-file FILE] PREFIX..." >&2; exit 2; }
  track_file=$2
  shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [--track-file FILE] PREFIX..." >&2; exit 2; }
if [ -n "$track_file" ] && [ -r "$track_file" ]; then
  flagged=$(cat "$track_file" 2>/dev/null) || flagged=0
  case $flagged in
    '' | *[!0-9]* | 0) ;;
    *) exit 0 ;;
  esac
fi
for prefix in "$@"; do
  case $prefix in
    *:*) family=-6 ;;
    *) family=-4 ;;
  esac
  routes=$(ip "$family" route show proto bird match "$prefix") || exit 2
  [ -n "$routes" ] || routes=$(ip "$family" route show proto 57 match "$prefix") || exit 2
  [ -n "$routes" ] || exit 1
done
