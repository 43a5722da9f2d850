/**
 * The commented sample config that `wg-gateway init` writes.
 * @module
 */

/** A valid config for one unit, every option explained. */
export const SAMPLE_CONFIG = `# wg-gateway config for one gateway unit (YAML; JSON works too).
# Check it with: wg-gateway plan --backend dry-run

# This unit's id, unique within its group, and its group (one group per site).
unit: gw-a1
group: site-a

# The address remote units reach this unit at (their tunnels' endpoint). A DNS
# name (gw-a1.example.net) works when every remote unit runs wg-gateway; the
# reference charm reads IPs only (docs/configuration.md, "Ingress by name").
ingress-address: 192.0.2.1

# The prefixes this site routes to (IPv4 and/or IPv6; non-overlapping).
advertise-prefixes:
  - 198.51.100.0/24
  - 2001:db8:a::/48

# Tunnels (WireGuard keys) per remote unit; at least 2 (default 2).
tunnels: 2

# VRRP virtual addresses in CIDR form, shared by the units of this group.
# Empty (the default) means no Keepalived.
vips: []
#  - 192.0.2.254/24

# The peerings this group takes part in. Both sides use the same id; one is
# the initiator, the other the acceptor.
peerings:
  - id: a-b
    role: initiator

# UDP ports for the tunnels (default 50000-52000).
# port-range: 50000-52000

# OSPF router id (IPv4); default: detected from the host.
# router-id: 192.0.2.1

# OSPF timers in seconds (what this unit asks for: each link runs the slower
# of its two ends' asks; 5 / 30 with a reference unit), and BFD for
# sub-second failover.
# ospf:
#   hello: 1
#   dead: 4
#   bfd:
#     interval-ms: 100
#     multiplier: 4

# Where files live (defaults shown).
# paths:
#   state: /var/lib/wg-gateway/state.json
#   wireguard-dir: /etc/wireguard
#   bird-config: /etc/bird/bird.conf
#   keepalived-config: /etc/keepalived/keepalived.conf
#   route-check-script: /usr/lib/wg-gateway/check-route.sh

# How this unit runs (all optional; defaults shown). Command-line options
# (--backend, --exchange, --state) override these.
runtime:
  # WireGuard backend: wgquick (wg-quick, wg, ip) or netlink (direct netlink).
  backend: wgquick
  # Userspace WireGuard program (e.g. wireguard-go), or none for the kernel module.
  userspace: none
  # Where units publish and read peer data: dir:PATH (a local or shared
  # directory) or etcd:URL[,URL...].
  exchange: dir:/var/lib/wg-gateway/exchange
  # etcd options (with an etcd: exchange).
  # etcd:
  #   prefix: /wg-gateway/
  #   lease-ttl: 30
  #   ca: /etc/wg-gateway/etcd-ca.pem
  #   cert: /etc/wg-gateway/etcd-client.pem
  #   key: /etc/wg-gateway/etcd-client-key.pem
  #   username: wg-gateway
  #   password-file: /etc/wg-gateway/etcd-password
  # Prometheus metrics endpoint (/metrics, /healthz), or off.
  metrics: 127.0.0.1:9586
  # BIRD: systemd (the host's bird unit) or process (wg-gateway starts it).
  bird:
    mode: systemd
    socket: /run/bird/bird.ctl
    # pid-file: /run/wg-gateway/bird.pid   (process mode)
  # Keepalived: systemd or process; run-dir holds pid and VRRP state files.
  keepalived:
    mode: systemd
    run-dir: /run/wg-gateway/keepalived
  # wg-gateway run: reconcile every interval-seconds, and debounce-ms after
  # a peer-data change.
  interval-seconds: 60
  debounce-ms: 100
`;
