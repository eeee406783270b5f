#!/bin/sh
# t_hub50.sh - one node serving 50 peers at once.
# A hub and 50 members on 127.0.0.1, each member with only the hub in its
# address book.  All 50 connect and reach sync; a record added on the hub
# reaches all 50, and one added on a member reaches all the others
# through the hub; the hub's memory stays bounded: its resident size,
# sampled at every poll while the peers connect and the records spread,
# must stay under HUB_RSS_MAX_KIB (32 MiB by default).  (Its VmHWM is
# reported too: it counts the passphrase's Argon2id at start, 64 MiB.)
. "$(dirname "$0")/lib.sh"

net_trap
cd "$TMP" || exit 1
N=${HUB_PEERS:-50}
RSS_MAX=${HUB_RSS_MAX_KIB:-32768}
PEAK=0

new_node "$TMP/hub" || { fail "setup: the hub"; finish; }
code=$(dg --dir "$TMP/hub" --json invite --approved --uses "$N" 2>/dev/null |
	sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
[ -n "$code" ] || { fail "setup: an invite for $N"; finish; }
ok=1
i=1
while [ "$i" -le "$N" ]; do
	m=$TMP/m$i
	dg --dir "$m" init >/dev/null 2>&1 &&
		dg --dir "$m" join "$code" --name "Member $i" >/dev/null 2>&1 &&
		dg --dir "$m" bundle export "$m.req" >/dev/null 2>&1 &&
		dg --dir "$TMP/hub" bundle import "$m.req" >/dev/null 2>&1 || ok=0
	i=$((i + 1))
done
dg --dir "$TMP/hub" bundle export "$TMP/all.bundle" >/dev/null 2>&1 || ok=0
check "setup: $N members asked to join with one invite" test "$ok" = 1

start_daemon "$TMP/hub" || { fail "setup: the hub's daemon"; finish; }
HUB=$DADDR
HUB_PID=$DPID
ok=1
i=1
while [ "$i" -le "$N" ]; do
	m=$TMP/m$i
	# the welcome: everything the hub holds, every admission in it
	dg --dir "$m" bundle import "$TMP/all.bundle" >/dev/null 2>&1 &&
		dg --dir "$m" peer add "$HUB" >/dev/null 2>&1 || ok=0
	i=$((i + 1))
done
check "setup: every member welcomed, the hub in its address book" test "$ok" = 1
i=1
while [ "$i" -le "$N" ]; do
	spawn_daemon "$TMP/m$i"
	i=$((i + 1))
done

# the hub's VmRSS now, kept in PEAK if larger
sample() {
	sa_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$HUB_PID/status" 2>/dev/null)
	[ -n "$sa_kib" ] && [ "$sa_kib" -gt "$PEAK" ] && PEAK=$sa_kib
	:
}
hub_peers_in_sync() {
	sample
	[ "$(dg --dir "$TMP/hub" --json status 2>/dev/null |
		grep -o '"connected":true,"direction":"in","in_sync":true' |
		wc -l)" -ge "$N" ]
}
check "the hub has $N connections in sync" wait_for 60 hub_peers_in_sync

has_name() { dg --dir "$1" --json list 2>/dev/null | grep -qF "\"name\":\"$2\""; }
all_have() {
	sample
	ah_i=1
	while [ "$ah_i" -le "$N" ]; do
		[ "$ah_i" = "${2:-0}" ] || has_name "$TMP/m$ah_i" "$1" || return 1
		ah_i=$((ah_i + 1))
	done
	has_name "$TMP/hub" "$1"
}
run dg --dir "$TMP/hub" add contact name="From The Hub-$$"
check_rc 0 "add a record on the hub"
check "it reaches all $N members" wait_for 30 all_have "From The Hub-$$"
run dg --dir "$TMP/m7" add contact name="From Member Seven-$$"
check_rc 0 "add a record on member 7"
check "it reaches the hub and the other $((N - 1)) members" \
	wait_for 30 all_have "From Member Seven-$$" 7

hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$HUB_PID/status")
echo "note: the hub with $N peers: largest resident size seen $PEAK KiB; VmHWM $hwm KiB (with Argon2id at start)"
case "${BUILD:-build}" in
*san*) # AddressSanitizer's shadow memory and quarantine are not the node's
	echo "skip: memory bound under sanitizers (measured in the plain build)" ;;
*)
	check "the hub's resident size stays under $RSS_MAX KiB ($PEAK KiB)" \
		test "$PEAK" -gt 0 -a "$PEAK" -lt "$RSS_MAX" ;;
esac

bad=0
for d in "$TMP/hub" "$TMP"/m*; do
	[ -d "$d" ] || continue
	stop_daemon "$d" || bad=$((bad + 1))
done
check "every daemon stops on SIGTERM with exit 0" test "$bad" = 0
bad=0
for d in "$TMP/hub" "$TMP"/m*; do
	[ -d "$d" ] || continue
	dg --dir "$d" verify >/dev/null 2>&1 || bad=$((bad + 1))
done
check "every store verifies" test "$bad" = 0
finish
