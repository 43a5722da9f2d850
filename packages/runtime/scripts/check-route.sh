#!/bin/sh
# check-route.sh PREFIX
# Succeeds when the kernel has a route installed by BIRD that covers PREFIX
# (Keepalived track script: a unit without routes to the remote sites gives
# up the VIP). IPv6 when PREFIX contains a ':'.
# Equivalent to: ip [-6] route show proto bird match PREFIX
set -u
[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
case $1 in
  *:*) family=-6 ;;
  *) family=-4 ;;
esac
routes=$(ip "$family" route show proto bird match "$1") || exit 2
[ -n "$routes" ]
