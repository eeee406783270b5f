#!/bin/sh
# bench/net_lan.sh - LAN discovery (doc/protocol.md §23.12) between hosts
# in network namespaces joined by a bridge: how long two members that
# start `serve` at a meeting take to find each other and be in sync, what
# a flood of junk datagrams costs the node it hits and whether a record
# still gets through meanwhile, and what discovery costs an idle node.
#
#   sh bench/net_lan.sh build/dugnad        (as root: network namespaces)
#
# Needs root, iproute2 and build/tools/dg_lan (make build/tools/dg_lan).
# Variables: RUNS (3), FLOOD (200000 datagrams), IDLE (20 s).
. "$(dirname "$0")/net_lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1; then
	echo "bench/net_lan.sh: needs root and iproute2 (network namespaces); skipped"
	exit 0
fi
TOOL=$(dirname "$BIN")/tools/dg_lan
[ -x "$TOOL" ] || die "$TOOL is not built (make $(dirname "$BIN")/tools/dg_lan)"
FLOOD=${FLOOD:-200000}
IDLE=${IDLE:-20}
P=dgb$$
NSES=""

lan_cleanup() {
	for p in $(cat "$NT/pids" 2>/dev/null); do
		stop_pid "$p"
	done
	for n in $NSES; do
		ip netns del "$n" 2>/dev/null
	done
	net_cleanup
}
trap lan_cleanup EXIT

# One host: namespace $P-$1 with eth0 = 10.79.0.$2/24 on the bridge.
host() {
	ip netns add "$P-$1" || die "cannot make a network namespace"
	NSES="$NSES $P-$1"
	ip -n "$P-$1" link set lo up
	ip link add "$P-$1" type veth peer name eth0 netns "$P-$1"
	ip link set "$P-$1" netns "$P-sw"
	ip -n "$P-sw" link set "$P-$1" master br0 up
	ip -n "$P-$1" addr add "10.79.0.$2/24" brd + dev eth0
	ip -n "$P-$1" link set eth0 up
}
ip netns add "$P-sw" || die "cannot make a network namespace"
NSES="$P-sw"
ip -n "$P-sw" link add br0 type bridge
ip -n "$P-sw" link set br0 type bridge mcast_snooping 0
ip -n "$P-sw" link set br0 up
host a 1
host b 2
host x 3

A=$NT/A
B=$NT/B
new_coordinator "$A"
add_members "$A" "$B"

# serve NAME DIR: the daemon in host NAME's namespace; sets PID.
serve() {
	: >"$2.log"
	ip netns exec "$P-$1" "$BIN" --dir "$2" serve >/dev/null 2>"$2.log" &
	PID=$!
	echo "$PID" >>"$NT/pids"
}

in_sync() { grep -q " in sync with " "$1.log"; }

# serve_pair: A and B start serve at once; returns when both are in sync
# (discovery only); sets pa and pb.
serve_pair() {
	serve a "$A"
	pa=$PID
	serve b "$B"
	pb=$PID
	sp_n=0
	until in_sync "$A" && in_sync "$B"; do
		sp_n=$((sp_n + 1))
		[ "$sp_n" -gt 3000 ] && die "A and B did not find each other in 30 s"
		sleep 0.01
	done
}

now() { python3 -c 'import time; print("%.6f" % time.monotonic())'; }

# 1. Both start at once: time until each logs "in sync".
found=
i=0
while [ "$i" -lt "$RUNS" ]; do
	t0=$(now)
	serve_pair
	t1=$(now)
	found="$found $(python3 -c "print($t1 - $t0)")"
	stop_daemon "$pa"
	stop_daemon "$pb"
	i=$((i + 1))
done

# 2. A flood of junk datagrams to the group while A and B run: A's CPU
# during the flood, and how long a record added on B takes to reach A.
serve_pair
# reach TAG: adds a record on B, waits until A lists it; prints seconds
reach() {
	r0=$(now)
	dg --dir "$B" add contact name="$1" phone="+47 912 00 100" \
		>/dev/null 2>&1 || die "add on B failed"
	n=0
	until dg --dir "$A" --json list 2>/dev/null | grep -q "\"$1\""; do
		n=$((n + 1))
		[ "$n" -gt 3000 ] && die "the record did not reach A"
		sleep 0.01
	done
	r1=$(now)
	python3 -c "print($r1 - $r0)"
}
calm=
i=0
while [ "$i" -lt "$RUNS" ]; do
	calm="$calm $(reach "Calm $i")"
	i=$((i + 1))
done
cpu_pct=
rate=
late=
i=0
while [ "$i" -lt "$RUNS" ]; do
	c0=$(cpu_ticks "$pa")
	t0=$(now)
	ip netns exec "$P-x" "$TOOL" flood 239.255.73.73 7373 "$FLOOD" 10.79.0.3 \
		>"$NT/flood.out" 2>&1 &
	fp=$!
	sleep 0.2
	late="$late $(reach "Flood $i")"
	wait "$fp"
	t1=$(now)
	c1=$(cpu_ticks "$pa")
	sent=$(sed -n 's/^sent \([0-9]*\) of.*/\1/p' "$NT/flood.out")
	hz=$(getconf CLK_TCK)
	cpu_pct="$cpu_pct $(python3 -c "print(100.0 * ($c1 - $c0) / $hz / ($t1 - $t0))")"
	rate="$rate $(python3 -c "print(${sent:-0} / ($t1 - $t0))")"
	i=$((i + 1))
done
dg --dir "$A" --json status >"$NT/st.json"
dropped=$(json "$NT/st.json" 'd["discovery"]["dropped"]')
ignored=$(json "$NT/st.json" 'd["discovery"]["ignored"]')

# 3. Idle: A and B in sync, nothing to do for IDLE seconds.
s0=$(json "$NT/st.json" 'd["discovery"]["sent"]')
c0=$(cpu_ticks "$pa")
sleep "$IDLE"
c1=$(cpu_ticks "$pa")
dg --dir "$A" --json status >"$NT/st.json"
s1=$(json "$NT/st.json" 'd["discovery"]["sent"]')
hz=$(getconf CLK_TCK)
# CPU time is counted in clock ticks: below one tick, say so
idle_cpu=$(python3 -c "t = $c1 - $c0; q = 1000.0 / $hz / $IDLE * 60
print('%.0f' % (t * q) if t else '< %.0f' % q)")
# a beacon is 104 bytes + 8 (UDP) + 20 (IPv4) or 40 (IPv6): ~140 on the wire
beacons=$(python3 -c "print('%.1f' % (($s1 - $s0) / $IDLE * 60))")
stop_daemon "$pa"
stop_daemon "$pb"

# shellcheck disable=SC2086
echo
echo "LAN discovery: two members in network namespaces ($RUNS runs, median)"
row "" "measured" "target"
# shellcheck disable=SC2086
row "both start serve -> both in sync (s)" "$(median $found | cut -c1-5)" "a few seconds"
# shellcheck disable=SC2086
row "junk flood sent to the group (datagrams/s)" "$(median $rate | cut -d. -f1)" "-"
# shellcheck disable=SC2086
row "A's CPU during the flood (% of one core)" "$(median $cpu_pct | cut -c1-5)" "not stalled"
# shellcheck disable=SC2086
row "a record from B reaches A, no flood (s)" "$(median $calm | cut -c1-5)" "-"
# shellcheck disable=SC2086
row "a record from B reaches A during the flood (s)" "$(median $late | cut -c1-5)" "as without"
row "flood datagrams dropped / ignored by A" "$dropped / $ignored" "-"
row "idle A: CPU per minute (ms)" "$idle_cpu" "-"
row "idle A: beacons sent per minute" "$beacons" "-"
result "LAN: both start serve -> both in sync" "$(median $found | cut -c1-5)" s - -
