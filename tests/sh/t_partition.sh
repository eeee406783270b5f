#!/bin/sh
# t_partition.sh - a network partition of a five-node mesh, healing into
# convergence.  As root: five hosts in network namespaces on one bridge,
# each `dugnad serve --no-discovery` with the four others in its address
# book.  Hosts 3, 4 and 5 are then moved to a second bridge (the cable
# pulled between two switches); records are added on both sides, reach
# their own side only; the cable is put back and every node ends with
# every record, the same entries, and a store that verifies.
# soak: SOAK=1 (make soak) then cuts the cable again for longer than the
# 90 s idle timeout: every connection across is closed ("the peer went
# silent"), records written on both sides meanwhile stay on their side,
# and once the cable is back the nodes dial each other again (after
# their backoff) and converge.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

netns_init dgp
cd "$TMP" || exit 1

H="1 2 3 4 5"
netns_switch && netns_bridge br0 && netns_bridge br1 || {
	fail "setup: the switch and its bridges"
	finish
}
for i in $H; do
	netns_host "h$i" br0 "10.76.0.$i" || {
		fail "setup: host $i"
		finish
	}
done
pass "setup: five hosts on one bridge"

# --- the network, offline -------------------------------------------------------
new_node "$TMP/h1" || { fail "setup: the coordinator"; finish; }
for i in 2 3 4 5; do
	make_member "$TMP/h1" "$TMP/h$i" "Node $i" || { fail "setup: member $i"; finish; }
done
# the full welcome: everyone knows everyone's admission
dg --dir "$TMP/h1" bundle export "$TMP/all.bundle" >/dev/null 2>&1 &&
	for i in 2 3 4 5; do
		dg --dir "$TMP/h$i" bundle import "$TMP/all.bundle" >/dev/null 2>&1 || exit 1
	done
check_rc 0 "setup: every member holds every admission"
ok=1
for i in $H; do
	for j in $H; do
		[ "$i" = "$j" ] && continue
		dg --dir "$TMP/h$i" peer add "10.76.0.$j:7373" >/dev/null 2>&1 || ok=0
	done
done
check "setup: each node has the four others in its address book" test "$ok" = 1

# --- helpers ------------------------------------------------------------------
# connected DIR N: the daemon of DIR has N connections in sync
connected() {
	dg --dir "$1" --json status 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if sum(1 for p in d["peers"] if p["connected"] and p["in_sync"]) >= int(sys.argv[1]) else 1)' "$2"
}
has_name() { dg --dir "$1" --json list 2>/dev/null | grep -qF "\"name\":\"$2\""; }
all_have() { # name, host numbers...
	ah_name=$1
	shift
	for ah_i in "$@"; do has_name "$TMP/h$ah_i" "$ah_name" || return 1; done
}
none_has() { # name, host numbers...
	nh_name=$1
	shift
	for nh_i in "$@"; do ! has_name "$TMP/h$nh_i" "$nh_name" || return 1; done
}
entries() { dg --dir "$1" --json status 2>/dev/null | sed -n 's/.*"entries":\([0-9]*\).*/\1/p'; }
same_entries() {
	se_first=$(entries "$TMP/h1")
	[ -n "$se_first" ] || return 1
	for se_i in 2 3 4 5; do
		[ "$(entries "$TMP/h$se_i")" = "$se_first" ] || return 1
	done
}

# --- the mesh -------------------------------------------------------------------
for i in $H; do
	netns_spawn "h$i" "$TMP/h$i" --no-discovery
done
for i in $H; do
	check "mesh: node $i is connected and in sync with the 4 others" \
		wait_for 30 connected "$TMP/h$i" 4
done
run dg --dir "$TMP/h1" add contact name="Before Partition-$$"
check_rc 0 "mesh: add a record on node 1"
check "mesh: it reaches all five" wait_for 15 all_have "Before Partition-$$" $H

# --- the partition --------------------------------------------------------------
for i in 3 4 5; do netns_move "h$i" br1; done
run dg --dir "$TMP/h1" add contact name="West Side-$$"
check_rc 0 "partition: add a record on node 1"
run dg --dir "$TMP/h4" add contact name="East Side-$$"
check_rc 0 "partition: add a record on node 4"
run dg --dir "$TMP/h4" add referral name="East Help-$$" category=health \
	phone=116117
check_rc 0 "partition: add a referral on node 4"
check "partition: node 1's record reaches node 2" \
	wait_for 15 all_have "West Side-$$" 2
check "partition: node 4's record reaches nodes 3 and 5" \
	wait_for 15 all_have "East Side-$$" 3 5
check "partition: node 1's record is not on the other side" \
	none_has "West Side-$$" 3 4 5
check "partition: node 4's record is not on the other side" \
	none_has "East Side-$$" 1 2

# --- healing --------------------------------------------------------------------
for i in 3 4 5; do netns_move "h$i" br0; done
check "healed: every node has node 1's record" \
	wait_for 60 all_have "West Side-$$" $H
check "healed: every node has node 4's records" \
	wait_for 60 all_have "East Side-$$" $H &&
	all_have "East Help-$$" $H
check "healed: every node holds the same number of entries" \
	wait_for 30 same_entries
for i in $H; do
	check "healed: node $i is connected and in sync with the 4 others" \
		wait_for 60 connected "$TMP/h$i" 4
done
# --- soak: a partition longer than the idle timeout -------------------------
# up DIR: the number of connected peers of DIR's daemon
up() {
	dg --dir "$1" --json status 2>/dev/null | python3 -c 'import json, sys
print(sum(1 for p in json.load(sys.stdin)["peers"] if p["connected"]))' 2>/dev/null
}
# only each side's own connections are left
cut_off() {
	for co_i in 1 2; do [ "$(up "$TMP/h$co_i")" = 1 ] || return 1; done
	for co_i in 3 4 5; do [ "$(up "$TMP/h$co_i")" = 2 ] || return 1; done
}
silent() { grep -c 'the peer went silent' "$TMP/h$1.log" || :; }
if [ "${SOAK:-0}" = 1 ]; then
	for i in $H; do eval "SILENT_$i=\$(silent $i)"; done
	for i in 3 4 5; do netns_move "h$i" br1; done
	t0=$(net_now_ms)
	run dg --dir "$TMP/h2" add contact name="Long West-$$"
	check_rc 0 "long partition: add a record on node 2"
	run dg --dir "$TMP/h5" add contact name="Long East-$$"
	check_rc 0 "long partition: add a record on node 5"
	check "long partition: every connection across is closed (idle timeout, 90 s)" \
		wait_for 150 cut_off
	t1=$(net_now_ms)
	echo "note: the connections across closed $(((t1 - t0) / 1000)) s after the cut"
	# a session hears a PING at least every 30 s: silent for 90 s, it
	# closes 60 to 90 s after the cut
	check "long partition: not before the idle timeout (at least 55 s)" \
		test $((t1 - t0)) -ge 55000
	ok=1
	for i in $H; do
		eval "s0=\$SILENT_$i"
		[ "$(silent "$i")" -gt "$s0" ] || ok=0
	done
	check "long partition: each node logged 'the peer went silent'" test "$ok" = 1
	check "long partition: node 2's record reached node 1 only" \
		eval 'all_have "Long West-$$" 1 && none_has "Long West-$$" 3 4 5'
	check "long partition: node 5's record reached nodes 3 and 4 only" \
		eval 'all_have "Long East-$$" 3 4 && none_has "Long East-$$" 1 2'
	# the cable stays out 100 s or more (a few redials fail meanwhile:
	# the backoff grows)
	sleep $((10 + (t0 + 100000 - t1 > 0 ? (t0 + 100000 - t1) / 1000 : 0)))
	for i in 3 4 5; do netns_move "h$i" br0; done
	t0=$(net_now_ms)
	for i in $H; do
		check "long partition healed: node $i redialled, connected and in sync with the 4 others" \
			wait_for 400 connected "$TMP/h$i" 4
	done
	t1=$(net_now_ms)
	echo "note: all connected again $(((t1 - t0) / 1000)) s after the cable was back"
	check "long partition healed: every node has both records" \
		wait_for 60 eval 'all_have "Long West-$$" $H && all_have "Long East-$$" $H'
	check "long partition healed: every node holds the same number of entries" \
		wait_for 30 same_entries
fi
for i in $H; do
	stop_daemon "$TMP/h$i"
	RC=$SD_RC
	check_rc 0 "node $i: SIGTERM: exit 0"
	run dg --dir "$TMP/h$i" verify
	check_rc 0 "node $i: verify passes"
done
finish
