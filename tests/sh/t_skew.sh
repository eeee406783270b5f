#!/bin/sh
# t_skew.sh - clocks hours apart leave the merge deterministic.  Two
# members edit the same record while one laptop's clock is 3 hours ahead
# (or behind: libfaketime), and exchange bundles; every node, whatever
# order it imports in, shows the same winner, and the hybrid logical
# clock carries the late one forward: after seeing the fast clock's
# edit, the slow node's next edit wins.  Over the network, a clock more
# than 10 minutes off is refused by the handshake (doc/protocol.md
# §23.2); bundles are how such laptops still sync.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
need_faketime "to run a node on another clock"
# run_at OFFSET command...: the command with the clock moved by OFFSET
# ("+3h", "-3h"; -f: the clock keeps running)
run_at() {
	ra_off=$1
	shift
	run "$FT" -f "$ra_off" "$@"
}
dg_at() { ra_off=$1; shift; "$FT" -f "$ra_off" "$DUGNAD_BIN" "$@"; }

phone_of() { # dir, record id: the phone the node shows
	dg --dir "$1" --json show "$2" 2>/dev/null |
		sed -n 's/.*"phone":"\([^"]*\)".*/\1/p'
}

# scenario OFFSET WINNER: A edits at the true time, B at OFFSET, then
# both exchange bundles; C takes them in the other order.
scenario() {
	sc=$TMP/$1
	mkdir -p "$sc"
	new_node "$sc/a" && make_member "$sc/a" "$sc/b" Bea &&
		make_member "$sc/a" "$sc/c" Cato || { fail "$1: setup"; return; }
	id=$(dg --dir "$sc/a" --json add contact name="Skew Test" phone="+47 900 00 000" |
		sed -n 's/.*"id":"\([a-z0-9]*\)".*/\1/p')
	[ -n "$id" ] || { fail "$1: add the record on A"; return; }
	dg --dir "$sc/a" bundle export "$sc/base" >/dev/null 2>&1 &&
		dg --dir "$sc/b" bundle import "$sc/base" >/dev/null 2>&1 &&
		dg --dir "$sc/c" bundle import "$sc/base" >/dev/null 2>&1 ||
		{ fail "$1: the record to B and C"; return; }
	run dg --dir "$sc/a" edit "$id" phone="+47 911 11 111"
	check_rc 0 "$1: A edits the phone (true clock)"
	run_at "$1" "$DUGNAD_BIN" --dir "$sc/b" edit "$id" phone="+47 922 22 222"
	check_rc 0 "$1: B edits it with its clock $1"
	run dg --dir "$sc/a" bundle export "$sc/fromA"
	[ "$RC" -eq 0 ] || { fail "$1: export (A)"; return; }
	run_at "$1" "$DUGNAD_BIN" --dir "$sc/b" bundle export "$sc/fromB"
	[ "$RC" -eq 0 ] || { fail "$1: export (B, clock $1)"; return; }
	run dg --dir "$sc/a" bundle import "$sc/fromB"
	check_rc 0 "$1: A imports B's bundle"
	run_at "$1" "$DUGNAD_BIN" --dir "$sc/b" bundle import "$sc/fromA"
	check_rc 0 "$1: B imports A's bundle"
	# C in the other order: B's first, then A's
	dg --dir "$sc/c" bundle import "$sc/fromB" >/dev/null 2>&1 &&
		dg --dir "$sc/c" bundle import "$sc/fromA" >/dev/null 2>&1
	check_rc 0 "$1: C imports B's bundle, then A's"
	pa=$(phone_of "$sc/a" "$id")
	pb=$(phone_of "$sc/b" "$id")
	pc=$(phone_of "$sc/c" "$id")
	check "$1: A, B and C show the same phone ($pa / $pb / $pc)" \
		test -n "$pa" -a "$pa" = "$pb" -a "$pa" = "$pc"
	check "$1: the winner is the later clock's ($2)" test "$pa" = "$2"
	# the slow side's next edit, after it saw the other, wins
	if [ "$1" = "+3h" ]; then slow=a; slow_at=+0; else slow=b; slow_at=$1; fi
	run_at "$slow_at" "$DUGNAD_BIN" --dir "$sc/$slow" edit "$id" phone="+47 933 33 333"
	check_rc 0 "$1: the node on the slower clock edits again"
	check "$1: its new edit shows at once (the clock was carried forward)" \
		test "$(phone_of "$sc/$slow" "$id")" = "+47 933 33 333"
	dg_at "$slow_at" --dir "$sc/$slow" bundle export "$sc/again" >/dev/null 2>&1 &&
		dg --dir "$sc/c" bundle import "$sc/again" >/dev/null 2>&1
	check "$1: and wins on C too" test "$(phone_of "$sc/c" "$id")" = "+47 933 33 333"
	for n in a b c; do
		run dg --dir "$sc/$n" verify
		check_rc 0 "$1: $n verifies"
	done
}

scenario "+3h" "+47 922 22 222"
scenario "-3h" "+47 911 11 111"

# over the network, 3 hours apart: refused at the handshake, nothing taken
net_trap
sk=$TMP/net
mkdir -p "$sk"
new_node "$sk/a" && make_member "$sk/a" "$sk/b" Bea || fail "network: setup"
if start_daemon "$sk/a"; then
	before=$(store_sum "$sk/b")
	run_at "+3h" "$DUGNAD_BIN" --dir "$sk/b" sync "$DADDR"
	check "network: a sync 3 hours ahead is refused (exit $RC)" test "$RC" -ne 0
	check_err "clock is right (within 10 minutes)" \
		"network: the error says to check the clock"
	check "network: B's store unchanged" test "$(store_sum "$sk/b")" = "$before"
	stop_daemon "$sk/a"
fi
finish
