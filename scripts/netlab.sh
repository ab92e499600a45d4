# Shaped links for the network tests and benches/network.sh: shell functions, sourced inside
# `unshare -rnm --propagation private` (a private user, network and mount namespace; nothing on
# the machine's own network changes). Recipes and measured figures: ../shared/net/README.md.
#
#   lab_lo RATE_MBIT [QUEUE_MS]   lo shaped by tbf (MTU 1500 first: tbf drops larger packets)
#   lab_routed RATE_MBIT QUEUE_MS CC
#                                 client namespace c (10.1.0.2) - router r - server namespace s
#                                 (10.2.0.2), each direction shaped by tbf on the router's way out
#                                 with a QUEUE_MS deep queue, TCP congestion control CC at both
#                                 ends (bbr or reno: an unprivileged namespace may choose only
#                                 what net.ipv4.tcp_allowed_congestion_control lists)
#   lab_loss PCT                  nftables random drop of PCT % of the packets arriving (on lo a
#                                 packet arrives once per direction: round trip 1-(1-p)^2)
#   lab_delay QUEUE DELAY_MS JITTER_MS
#                                 every packet leaving lo held DELAY +- JITTER ms (uniform, in
#                                 order) by the NFQUEUE delayer "$DELAYER" (the test binary's
#                                 nfqdelay_helper); a round trip on lo pays it twice
#
# After lab_lo: ON_C and ON_S are empty and SERVER_IP=127.0.0.1. After lab_routed: ON_C="ip netns
# exec c", ON_S="ip netns exec s", SERVER_IP=10.2.0.2. LAB_PIDS collects background processes;
# `lab_cleanup` (set as the EXIT trap) stops them.

LAB_PIDS=""
ON_C=""
ON_S=""
SERVER_IP=127.0.0.1

lab_cleanup() {
  # shellcheck disable=SC2086
  kill $LAB_PIDS 2>/dev/null || true
}

lab_lo() {
  ip link set lo up
  ip link set lo mtu 1500
  tc qdisc add dev lo root tbf rate "$1mbit" burst 32kbit latency "${2:-400}ms"
}

lab_routed() {
  local rate=$1 queue=$2 cc=$3 n
  mount -t tmpfs none /run
  mkdir -p /run/netns
  ip link set lo up
  for n in c r s; do ip netns add $n; ip -n $n link set lo up; done
  ip link add vc type veth peer name vrc
  ip link add vs type veth peer name vrs
  ip link set vc netns c
  ip link set vrc netns r
  ip link set vrs netns r
  ip link set vs netns s
  ip -n c addr add 10.1.0.2/24 dev vc
  ip -n r addr add 10.1.0.1/24 dev vrc
  ip -n r addr add 10.2.0.1/24 dev vrs
  ip -n s addr add 10.2.0.2/24 dev vs
  for n in "c vc" "r vrc" "r vrs" "s vs"; do
    # shellcheck disable=SC2086
    set -- $n
    ip -n "$1" link set "$2" up
  done
  ip -n c route add default via 10.1.0.1
  ip -n s route add default via 10.2.0.1
  ip netns exec r sysctl -qw net.ipv4.ip_forward=1
  for n in c s; do
    ip netns exec $n sysctl -qw net.ipv4.tcp_congestion_control="$cc"
    # Unprivileged ICMP sockets for the (only) mapped group, as desktop systems allow.
    ip netns exec $n sh -c 'echo "0 0" >/proc/sys/net/ipv4/ping_group_range'
  done
  # Both ways: toward the server (upload) and toward the client (download).
  ip netns exec r tc qdisc add dev vrs root tbf rate "${rate}mbit" burst 32kbit latency "${queue}ms"
  ip netns exec r tc qdisc add dev vrc root tbf rate "${rate}mbit" burst 32kbit latency "${queue}ms"
  ON_C="ip netns exec c"
  ON_S="ip netns exec s"
  SERVER_IP=10.2.0.2
}

lab_loss() {
  nft add table inet lab
  nft add chain inet lab in '{ type filter hook input priority 0; }'
  nft add rule inet lab in numgen random mod 100 '<' "$1" drop
}

lab_delay() {
  EXAMREADY_NFQDELAY="$1 $2 $3" "$DELAYER" --ignored --exact network_kernel::nfqdelay_helper \
    --nocapture >"${DIR:-/tmp}/delay.out" 2>&1 &
  LAB_PIDS="$LAB_PIDS $!"
  sleep 0.5
  iptables -A OUTPUT -o lo -j NFQUEUE --queue-num "$1" --queue-bypass
}
