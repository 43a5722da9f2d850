#!/bin/sh
# check-route.sh PREFIX...
# Succeeds when the kernel has a route installed by BIRD covering every
# PREFIX (a Keepalived track script with a negative weight: a unit missing
# routes to the remote sites loses priority). IPv6 when a PREFIX contains a
# ':'. Equivalent to: ip [-6] route show proto bird match PREFIX, for each.
set -u
[ $# -ge 1 ] || { echo "usage: $0 PREFIX..." >&2; exit 2; }
for prefix in "$@"; do
  case $prefix in
    *:*) family=-6 ;;
    *) family=-4 ;;
  esac
  routes=$(ip "$family" route show proto bird match "$prefix") || exit 2
  [ -n "$routes" ] || exit 1
done
