#!/bin/sh
# t_hsflood.sh - a handshake flood from non-members does not keep members
# from syncing.  As root: hosts in network namespaces on one bridge; A
# serves, B is connected to it, eight stranger hosts keep 60 connections
# each open to A that never say a word (each one A closes is opened
# again).  Meanwhile a record added on A reaches B, and C, a member that
# was not connected, syncs with A again and again.  A keeps at most 4
# unauthenticated connections from one address and 16 in all: past
# those, the oldest that has not sent msg1 gives way; it accepts at most
# 16 connections a loop iteration, so the churn does not starve its
# sessions and control socket (doc/protocol.md §23.2).  The strangers'
# tools must still be running when all that is done.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

netns_init dgh
cd "$TMP" || exit 1
LAN_TOOL=${DUGNAD_TOOLS:-$(dirname "$DUGNAD_BIN")/tools}/dg_lan
[ -x "$LAN_TOOL" ] || { fail "$LAN_TOOL is not built"; finish; }

netns_switch && netns_bridge br0 &&
	netns_host a br0 10.75.0.1 && netns_host b br0 10.75.0.2 &&
	netns_host c br0 10.75.0.3 || { fail "setup: hosts"; finish; }
X="1 2 3 4 5 6 7 8"
for i in $X; do
	netns_host "x$i" br0 "10.75.0.1$i" || { fail "setup: stranger $i"; finish; }
done
pass "setup: A, B, C and eight stranger hosts on one bridge"

new_node "$TMP/a" && make_member "$TMP/a" "$TMP/b" Bea &&
	make_member "$TMP/a" "$TMP/c" Cato || { fail "setup: the network"; finish; }
dg --dir "$TMP/b" peer add 10.75.0.1:7373 >/dev/null 2>&1
check_rc 0 "setup: B knows A's address"

in_sync_with_a() {
	dg --dir "$1" --json status 2>/dev/null | grep -q '"address":"10.75.0.1:7373"[^}]*"connected":true,"direction":"out","in_sync":true'
}
has_name() { dg --dir "$1" --json list 2>/dev/null | grep -qF "\"name\":\"$2\""; }

netns_spawn a "$TMP/a" --no-discovery
netns_spawn b "$TMP/b" --no-discovery
check "B is connected to A and in sync" wait_for 20 in_sync_with_a "$TMP/b"

# --- the flood --------------------------------------------------------------------
HOLD_PIDS=""
for i in $X; do
	ip netns exec "$NS_P-x$i" "$LAN_TOOL" hold 10.75.0.1 7373 60 90 \
		>"$TMP/hold$i.out" 2>&1 &
	HOLD_PIDS="$HOLD_PIDS $!"
	NET_PIDS="$NET_PIDS $!" # killed on exit, however the test ends
done
flooded() { [ "$(grep -cE '(refused|closed) 10\.75\.0\.1[0-9]:' "$TMP/a.log")" -ge 100 ]; }
check "flood: A closes strangers' connections (100 logged)" \
	wait_for 15 flooded
run dg --dir "$TMP/a" add contact name="Flooded-$$"
check_rc 0 "flood: add a record on A"
check "flood: the record reaches B over its connection" \
	wait_for 15 has_name "$TMP/b" "Flooded-$$"
ok=0
for n in 1 2 3; do
	t0=$(net_now_ms)
	run ip netns exec "$NS_P-c" "$DUGNAD_BIN" --dir "$TMP/c" sync 10.75.0.1:7373
	echo "note: sync $n took $(($(net_now_ms) - t0)) ms"
	[ "$RC" -eq 0 ] && ok=$((ok + 1))
	[ "$RC" -eq 0 ] || cat "$ERR"
done
check "flood: C (a member, not connected) syncs with A, 3 times of 3" test "$ok" = 3
check "flood: C got the record" has_name "$TMP/c" "Flooded-$$"
still_going() {
	for sg_p in $HOLD_PIDS; do proc_alive "$sg_p" || return 1; done
}
check "flood: still going (the strangers' tools run)" still_going
check "flood: A made room: it closed strangers that had not sent msg1" \
	grep -q "every handshake slot taken: closed 10.75.0.1" "$TMP/a.log"
for p in $HOLD_PIDS; do
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
run dg --dir "$TMP/a" --json status
check_rc 0 "after the flood: A answers status"
for d in a b; do
	stop_daemon "$TMP/$d"
	RC=$SD_RC
	check_rc 0 "$d: SIGTERM: exit 0"
	run dg --dir "$TMP/$d" verify
	check_rc 0 "$d: verify passes"
done
finish
