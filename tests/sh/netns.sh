# tests/sh/netns.sh - sourced (after lib.sh) by the tests that build
# hosts in network namespaces joined by bridges (as root only).
#
#   netns_init PREFIX      skips the test (a "skip:" line, 0 passed) unless
#                          root, iproute2 and network namespaces are there;
#                          sets the EXIT trap that kills the daemons and
#                          deletes every namespace made; removes what a
#                          run killed with -9 left (names PREFIX<pid>-*)
#   netns_switch           the switch namespace $NS_P-sw ($NS_SW)
#   netns_bridge BR        a bridge in the switch (no multicast snooping)
#   netns_host NAME BR IP  namespace $NS_P-NAME, eth0 = IP/24, its other
#                          end NAME-port a port of bridge BR
#   netns_plug NAME BR [IP] the same for a namespace already made
#   netns_move NAME BR     moves host NAME's port to bridge BR (a cable
#                          plugged into another switch: a partition)
#   netns_spawn NAME DIR [serve options]
#                          `dugnad serve` in host NAME; logs to DIR.log,
#                          pid in DIR.pid and NET_PIDS; sets DPID
NS_LIST=""
NS_P=""
NS_SW=""

netns_skip() {
	echo "skip: $1"
	echo "0 passed, 0 failed"
	exit 0
}

netns_cleanup() {
	kill_daemons
	for nc_ns in $NS_LIST; do
		ip netns del "$nc_ns" 2>/dev/null
	done
	rm -rf "$TMP"
}

netns_init() {
	NS_P=$1$$
	NS_SW=$NS_P-sw
	# NETNS_TEST_UID=1000 tries the skip path as root
	[ "${NETNS_TEST_UID:-$(id -u)}" -eq 0 ] ||
		netns_skip "needs root and network namespaces (ip netns); run as root to test it (CI does)"
	command -v ip >/dev/null 2>&1 ||
		netns_skip "needs network namespaces: 'ip' (iproute2) is not installed"
	net_trap
	trap netns_cleanup EXIT
	if ! ip netns add "$NS_P-probe" >/dev/null 2>&1; then
		netns_skip "needs network namespaces: 'ip netns add' is not permitted here"
	fi
	if ! ip netns exec "$NS_P-probe" true >/dev/null 2>&1; then
		ip netns del "$NS_P-probe" 2>/dev/null
		netns_skip "needs network namespaces: 'ip netns exec' is not permitted here"
	fi
	ip netns del "$NS_P-probe"
	# left by a run killed with -9: its process is gone
	for ni_ns in $(ip netns list 2>/dev/null |
		sed -n "s/^\($1[0-9][0-9]*-[a-z0-9]*\).*\$/\1/p"); do
		ni_pid=${ni_ns#"$1"}
		ni_pid=${ni_pid%%-*}
		proc_alive "$ni_pid" && continue
		for ni_p in $(ip netns pids "$ni_ns" 2>/dev/null); do
			kill -9 "$ni_p" 2>/dev/null
		done
		ip netns del "$ni_ns" 2>/dev/null
	done
}

netns_add() {
	ip netns add "$1" || return 1
	NS_LIST="$NS_LIST $1"
	ip -n "$1" link set lo up
}

netns_switch() { netns_add "$NS_SW"; }

netns_bridge() {
	ip -n "$NS_SW" link add "$1" type bridge &&
		ip -n "$NS_SW" link set "$1" type bridge mcast_snooping 0 &&
		ip -n "$NS_SW" link set "$1" up
}

netns_host() { netns_add "$NS_P-$1" && netns_plug "$@"; }

# netns_plug NAME BR [IP]: the cable of the existing host NAME: eth0 (with
# IP/24 if given), its other end NAME-port a port of bridge BR.
netns_plug() {
	ip -n "$NS_SW" link add "$1-port" type veth peer name eth0 \
		netns "$NS_P-$1" &&
		ip -n "$NS_SW" link set "$1-port" master "$2" &&
		ip -n "$NS_SW" link set "$1-port" up || return 1
	if [ -n "${3:-}" ]; then
		ip -n "$NS_P-$1" addr add "$3/24" brd + dev eth0 || return 1
	fi
	ip -n "$NS_P-$1" link set eth0 up
}

netns_move() { ip -n "$NS_SW" link set "$1-port" master "$2"; }

netns_spawn() {
	ns_host=$NS_P-$1
	ns_dir=$2
	shift 2
	ip netns exec "$ns_host" "$DUGNAD_BIN" --dir "$ns_dir" serve "$@" \
		</dev/null >>"$ns_dir.out" 2>>"$ns_dir.log" &
	DPID=$!
	NET_PIDS="$NET_PIDS $DPID"
	echo "$DPID" >"$ns_dir.pid"
}
