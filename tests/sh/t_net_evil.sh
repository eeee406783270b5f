#!/bin/sh
# t_net_evil.sh - a member that turns malicious after an honest handshake
# (tests/tools/dg_evil): an oversize frame, a frame that does not
# authenticate, a plaintext that is no message, a batch with a forged
# signature, a batch whose hash chain breaks.  Each time the daemon
# closes the connection, says so in its log, keeps nothing it should not
# and goes on serving; the same entries sent honestly are then stored.
. "$(dirname "$0")/lib.sh"

net_trap
cd "$TMP" || exit 1

EVIL=${DUGNAD_TOOLS:-$(dirname "$DUGNAD_BIN")/tools}/dg_evil
if [ ! -x "$EVIL" ]; then
	fail "dg_evil is built ($EVIL; run make $(basename "$(dirname "$EVIL")")/dg_evil)"
	finish
fi

json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
stat_of() {
	dg --dir "$1" --json status 2>/dev/null |
		sed -n "s/^.*\"$2\":\\([0-9]*\\)[,}].*\$/\\1/p"
}
entries_of() { stat_of "$1" entries; }
entries_are() { [ "$(entries_of "$1")" = "$2" ]; }
has_name() { dg --dir "$1" --json list 2>/dev/null | grep -qF "\"name\":\"$2\""; }
lacks_name() { ! has_name "$@"; }
log_has() { grep -qF -- "$2" "$1.log"; }
same_list() { # dir, file: the node's --json list is the one saved
	dg --dir "$1" --json list >"$TMP/list-now.json" 2>/dev/null &&
		cmp -s "$2" "$TMP/list-now.json"
}
serving() { # the daemon runs and answers through its control socket
	proc_alive "$PID_A" &&
		dg --dir "$A" --json status >"$TMP/serving.json" 2>/dev/null &&
		json_ok "$TMP/serving.json" \
			"d['running'] is True and d['listen'] == '$ADDR_A'"
}
stdout_is() { [ "$(cat "$OUT")" = "$1" ]; }

# --- setup: A serves; B, a member, holds 3 records A has never seen ----------
A=$TMP/A
B=$TMP/B
new_node "$A" "Nabohjelpa" || { echo "FAIL cannot make a node"; exit 1; }
dg --dir "$A" add contact name="Amina Warsame" >/dev/null 2>&1
check "setup: B joins A's network by bundles" make_member "$A" "$B" "Bente"
for n in one two three; do
	dg --dir "$B" add contact name="From B $n" >/dev/null 2>&1
done
run dg --dir "$B" --json list
check "setup: B holds its 3 records" \
	json_ok "$OUT" "sum(r['name'].startswith('From B ') for r in d) == 3"
check "A: serve starts" start_daemon "$A"
ADDR_A=$DADDR
PID_A=$DPID
check "setup: A lacks B's records" lacks_name "$A" "From B one"
ENTRIES_A=$(entries_of "$A")
check "setup: A's entries counted ($ENTRIES_A)" test -n "$ENTRIES_A"
dg --dir "$A" --json list >"$TMP/a-before.json" 2>/dev/null

# Runs dg_evil in mode $1; LADDR is its local address, as A's log
# names the connection.
evil() {
	run "$EVIL" --dir "$B" "$ADDR_A" "$1"
	LADDR=$(sed -n 's/^dg_evil: local address //p' "$ERR")
}

# What every bad mode must leave: A closed the connection, logged it,
# stored nothing, and still serves.
refused_whole() { # mode
	check_rc 0 "$1: dg_evil ran the scenario (exit 0)"
	check "$1: A closed the connection (dg_evil prints 'closed')" \
		stdout_is closed
	check "$1: dg_evil knows its local address" test -n "$LADDR"
	check "$1: A's log says it disconnected $LADDR" \
		wait_for 5 log_has "$A" "disconnected from $LADDR "
	check "$1: A's entries unchanged ($ENTRIES_A)" \
		entries_are "$A" "$ENTRIES_A"
	check "$1: A's --json list unchanged" same_list "$A" "$TMP/a-before.json"
	for n in one two three; do
		check "$1: A lacks 'From B $n'" lacks_name "$A" "From B $n"
	done
	check "$1: A still serves" serving
}

# === a frame longer than the limit ===========================================
evil oversize
refused_whole oversize
check "oversize: A's log names the length" \
	log_has "$A" "($LADDR) sent a frame of $((1048576 + 16 + 1)) bytes; disconnected"

# === a frame that does not authenticate ======================================
evil badcipher
refused_whole badcipher

# === heads out of author order (would make the insertions quadratic) ========
evil heads
refused_whole heads
check "heads: A's log says why" log_has "$A" "heads out of order"

# === a join request inside a member's session ================================
evil request
refused_whole request
check "request: A's log says why" log_has "$A" "unexpected join request"

# === an authentic frame that is no message ===================================
evil garbage
refused_whole garbage
check "garbage: A's log says malformed message" \
	log_has "$A" "($LADDR) sent a malformed message"
check_err "the server sent ERROR 1" "garbage: A answered ERROR (protocol)"

# === a batch whose last signature is forged ==================================
evil forged
check_err "sending entries 1..3" "forged: dg_evil sent B's entries 1..3"
refused_whole forged
check_err "the server sent ERROR 4" "forged: A answered ERROR (bad entries)"
check "forged: A's log has the alert" log_has "$A" \
	"($LADDR) sent forged or broken entries and was disconnected: entries with a bad signature"
run dg --dir "$A" --json status
check "forged: A's status lists the alert" json_ok "$OUT" \
	"any('forged or broken entries' in a for a in d['alerts'])"

# === a batch whose hash chain breaks in the middle ===========================
# doc/protocol.md 17.2: entries are taken up to the first one that does
# not follow the chain, authenticated by the signature of the last one
# taken.  B's entry 1 is intact and signed, so A keeps it; the entry
# that breaks the chain and the rest are refused.
evil chain
check_rc 0 "chain: dg_evil ran the scenario (exit 0)"
check_err "sending entries 1..3" "chain: dg_evil sent B's entries 1..3"
check "chain: A closed the connection (dg_evil prints 'closed')" \
	stdout_is closed
check "chain: A's log says it disconnected $LADDR" \
	wait_for 5 log_has "$A" "disconnected from $LADDR "
check_err "the server sent ERROR 4" "chain: A answered ERROR (bad entries)"
check "chain: A's log has the alert" log_has "$A" \
	"($LADDR) sent forged or broken entries and was disconnected: entries that do not follow the author's hash chain"
check "chain: A took only the intact entry before the break" \
	entries_are "$A" "$((ENTRIES_A + 1))"
check "chain: A has 'From B one' (before the break)" has_name "$A" "From B one"
check "chain: A lacks 'From B two' (the break)" lacks_name "$A" "From B two"
check "chain: A lacks 'From B three' (after the break)" \
	lacks_name "$A" "From B three"
check "chain: A still serves" serving

# === the same member, honest ==================================================
# === entries that start past A's head: a gap, not a forgery ==================
ENTRIES_GAP=$(entries_of "$A")
forged_alerts() { dg --dir "$A" --json status | grep -o "forged or broken" | wc -l; }
FORGED_BEFORE=$(forged_alerts)
evil gap
check_rc 0 "gap: dg_evil ran the scenario (exit 0)"
check "gap: A keeps the connection (dg_evil prints 'open')" stdout_is open
check_err "the server sent WANT from" "gap: A answered WANT"
check "gap: A's log says why it refused them" \
	log_has "$A" "entries that follow entries this node does not hold yet"
check "gap: A's entries unchanged" entries_are "$A" "$ENTRIES_GAP"
check "gap: no new forgery alert on A" test "$(forged_alerts)" = "$FORGED_BEFORE"

evil honest
check_rc 0 "honest: dg_evil ran the scenario (exit 0)"
check_err "sending entries 2..3" "honest: dg_evil sent what A lacks (2..3)"
check_err "the server answered SYNCED" "honest: A answered SYNCED"
check "honest: A kept the connection open" stdout_is open
for n in one two three; do
	check "honest: A has 'From B $n'" has_name "$A" "From B $n"
done
check "honest: A holds $((ENTRIES_A + 3)) entries" \
	entries_are "$A" "$((ENTRIES_A + 3))"
check "honest: A still serves" serving
run dg --dir "$A" verify
check_rc 0 "A (through the daemon): verify is clean"
stop_daemon "$A"
RC=$SD_RC
check_rc 0 "A: SIGTERM: exit 0"

finish
