#!/bin/sh
# t_crash_repl.sh - kill -9 during replication, in loops, through the real
# binary: (1) the SENDING daemon of a 20,000-entry transfer killed at
# random moments, restarted, the transfer resumed, killed again; (2) both
# sides of a transfer that runs both ways killed in turn; (3) a daemon
# that pushes live killed while a stream of `dugnad add` runs against it
# through its control socket.  After every kill the killed store verifies
# and the survivor still runs; at the end the two nodes hold the same
# entries (counts, entry hashes, the digest compared by a one-shot sync,
# the records) and both verify.  No add that printed "added" is missing,
# none is there twice.
#
# The kill moments are random, reproducible from the seed printed first
# (DUGNAD_TEST_SEED repeats it; the moments still move with the machine's
# speed).  CRASH_ROUNDS (default 6) sets the rounds of each loop,
# CRASH_BIG (default 20000) the size of the transfer, CRASH_KEEP=DIR
# keeps the directory of a failed run.
. "$(dirname "$0")/lib.sh"

STREAM_PID=""
# Ends the loop of adds (section 3): it stops after the add under way.
stream_stop() {
	[ -n "$STREAM_PID" ] || return 0
	: >"$TMP/stream.stop"
	if ! wait_for 20 proc_gone "$STREAM_PID"; then
		kill "$STREAM_PID" 2>/dev/null
	fi
	wait "$STREAM_PID" 2>/dev/null
	STREAM_PID=""
}
net_trap
trap 'stream_stop; kill_daemons; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

T_SECTION=$(net_now_ms)
SEED=${DUGNAD_TEST_SEED:-$(($$ + $(date +%s) % 100000))}
echo "#    seed $SEED (set DUGNAD_TEST_SEED to repeat)"
ROUNDS=${CRASH_ROUNDS:-6}
BIG=${CRASH_BIG:-20000}
SMALL=$((BIG / 4))

# fracs N SALT LO HI: N random numbers in [LO, HI), one in each of N
# equal slices, in a random order (as t_crash.sh's delays).
fracs() {
	awk -v n="$1" -v lo="$3" -v hi="$4" -v s="$((SEED + $2))" 'BEGIN {
		srand(s)
		for (i = 0; i < n; i++)
			printf "%.4f\n", lo + (hi - lo) * (i + rand()) / n
	}' | awk -v s="$((SEED + $2 + 1))" 'BEGIN { srand(s) } { print rand() "\t" $0 }' |
		sort -n | cut -f2
}
# sleep_ms MS: the pause before a kill (not a wait for anything).
sleep_ms() { sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"; }
ms() { net_now_ms; }

json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
stat_of() { # dir, top-level key of --json status
	dg --dir "$1" --json status 2>/dev/null |
		sed -n "s/^.*\"$2\":\\([0-9]*\\)[,}].*\$/\\1/p"
}
entries_of() { stat_of "$1" entries; }
entries_are() { [ "$(entries_of "$1")" = "$2" ]; }
both_are() { entries_are "$1" "$3" && entries_are "$2" "$3"; }
log_count() { if [ -f "$1.log" ]; then grep -cF -- "$2" "$1.log" || :; else echo 0; fi; }
# New sessions (after the handshake) in a daemon's log: "connected to X"
# and "X (ADDR) connected", never "disconnected".
conns() { log_count "$1" " connected"; }
conns_above() { [ "$(conns "$1")" -gt "$2" ]; }
drops_above() { [ "$(log_count "$1" "disconnected from")" -gt "$2" ]; }
# wait_fast SECONDS command...: wait_for polling every 5 ms, so that a
# random delay counted from the moment it returns means something.
wait_fast() { wait_every 0.005 "$@"; }
# The hashes of every entry a stopped node stores, sorted.
hashes() {
	dg --dir "$1" --json log 2>/dev/null |
		sed -n 's/^.*"hash":"\([0-9a-f]*\)".*$/\1/p' | sort
}
# How many distinct entries two stopped nodes hold together.
union_of() {
	hashes "$1" >"$TMP/u1"
	hashes "$2" >"$TMP/u2"
	sort -u "$TMP/u1" "$TMP/u2" | wc -l | tr -d ' '
}
proc_of() { cat "$1.pid"; }
# more N DIR TAG: DIR (stopped) writes N new records of its own.
more() {
	awk -v n="$1" -v t="$3" 'BEGIN {
		print "name,phone,email,area"
		for (i = 0; i < n; i++)
			printf "Ny %s %05d,+47 401 %05d,n%s%d@example.org,Trondheim\n", t, i, i, t, i
	}' >"$TMP/more.csv"
	dg --dir "$2" import "$TMP/more.csv" --type contacts >/dev/null 2>&1
}

# Runs verify on a node; a failure shows the problems found.
verify_ok() { # dir, label
	run dg --dir "$1" verify
	check_rc 0 "$2: verify is clean"
}

# The end of a section: X and Y (daemons running, Y at ADDR_Y) have
# converged to WANT entries; then X is stopped and a one-shot sync from
# X to Y must find the digests equal; both stop cleanly, verify, and hold
# the same entries and records.
end_checks() { # label, X, Y, ADDR_Y, WANT
	ec=$1
	check "$ec: both reach $5 entries" wait_for 60 both_are "$2" "$3" "$5"
	if ! both_are "$2" "$3" "$5"; then
		echo "note: $ec: $(basename "$2") has $(entries_of "$2"), $(basename "$3") has $(entries_of "$3") of $5"
	fi
	stop_daemon "$2"
	RC=$SD_RC
	check_rc 0 "$ec: $(basename "$2") SIGTERM: exit 0"
	run dg --dir "$2" --json sync "$4"
	check_rc 0 "$ec: one-shot sync $(basename "$2") -> $(basename "$3"): exit 0"
	check "$ec: ... the digests are equal (in_sync, nothing sent or received)" \
		json_ok "$OUT" "d['in_sync'] is True and d['received'] == 0 and d['sent'] == 0"
	stop_daemon "$3"
	RC=$SD_RC
	check_rc 0 "$ec: $(basename "$3") SIGTERM: exit 0"
	verify_ok "$2" "$ec: $(basename "$2")"
	verify_ok "$3" "$ec: $(basename "$3")"
	hashes "$2" >"$TMP/h2"
	hashes "$3" >"$TMP/h3"
	RC=0
	diff "$TMP/h2" "$TMP/h3" | head -n 5 >"$ERR"
	: >"$OUT"
	check "$ec: the same $5 entry hashes on both" \
		test "$(wc -l <"$TMP/h2")" -eq "$5" -a ! -s "$ERR"
	dg --dir "$2" --json list --all >"$TMP/l2" 2>/dev/null
	dg --dir "$3" --json list --all >"$TMP/l3" 2>/dev/null
	check "$ec: the same records on both" cmp -s "$TMP/l2" "$TMP/l3"
}

# --- setup ------------------------------------------------------------------
# S writes the big log; R receives it in (1); R2 and R3, each with a log
# of its own, trade in (2); P and Q are small nodes for (3).
S=$TMP/S R=$TMP/R R2=$TMP/R2 R3=$TMP/R3 P=$TMP/P Q=$TMP/Q
new_node "$S" "Krasjtest" || { echo "FAIL cannot make a node"; exit 1; }
for m in R R2 R3 P Q; do
	check "setup: $m joins the network" make_member "$S" "$TMP/$m" "Member $m"
done
# Every member learns of the others' admission (the welcome of the first
# came before the last was admitted): S's log so far, as a bundle.
run dg --dir "$S" bundle export "$TMP/members.bundle"
check_rc 0 "setup: S exports its log (the admissions)"
for m in R R2 R3 P Q; do
	run dg --dir "$TMP/$m" bundle import "$TMP/members.bundle"
	check_rc 0 "setup: $m imports it"
done
awk -v n="$BIG" -v pre=Person 'BEGIN {
	print "name,phone,email,area"
	for (i = 0; i < n; i++)
		printf "%s %05d,+47 400 %05d,p%d@example.org,Oslo\n", pre, i, i, i
}' >"$TMP/big.csv"
awk -v n="$SMALL" 'BEGIN {
	print "name,phone,email,area"
	for (i = 0; i < n; i++)
		printf "Annen %05d,+47 900 %05d,a%d@example.org,Bergen\n", i, i, i
}' >"$TMP/small.csv"
run dg --dir "$S" import "$TMP/big.csv" --type contacts
check_rc 0 "setup: S imports $BIG contacts"
run dg --dir "$R2" import "$TMP/small.csv" --type contacts
check_rc 0 "setup: R2 imports $SMALL contacts of its own"
more "$SMALL" "$R3" r3
check "setup: R3 writes $SMALL contacts of its own" entries_are "$R3" "$(entries_of "$R2")"

# How long a whole transfer takes here, from the moment the two daemons
# are connected to the moment the receiver has taken in everything: S
# sends everything to a copy of R.  The kill moments are spread over it.
# (The sender hands its data to the kernel well before the receiver has
# taken it in: a sender killed after that loses nothing, and the
# receiver still gets it all.  Such kills are counted apart.)
WANT1=$(union_of "$S" "$R")
RCAL=$TMP/Rcal
cp -R "$R" "$RCAL"
check "setup: Rcal (a copy of R) serves" start_daemon "$RCAL"
dg --dir "$S" peer add "$DADDR" >/dev/null 2>&1
RCAL_ADDR=$DADDR
check "setup: S serves" start_daemon "$S"
ADDR_S=$DADDR
wait_fast 15 conns_above "$RCAL" 0
t0=$(ms)
check "setup: Rcal gets the $BIG entries" wait_fast 60 entries_are "$RCAL" "$WANT1"
TCAL=$(($(ms) - t0))
echo "#    a whole transfer takes $TCAL ms once connected"
stop_daemon "$S"
RC=$SD_RC
check_rc 0 "setup: S SIGTERM: exit 0"
stop_daemon "$RCAL"
dg --dir "$S" peer remove "$RCAL_ADDR" >/dev/null 2>&1
rm -rf "$RCAL"
CHUNK=$((BIG / 4))  # (1)
CHUNK2=$((BIG / 8))  # (2)

section_time() { echo "#    $1 took $(($(ms) - T_SECTION)) ms"; T_SECTION=$(ms); }
section_time "setup"

# === 1. the sender killed -9 during the transfer, in a loop =================
check "R: serve starts" start_daemon "$R"
ADDR_R=$DADDR
PID_R=$DPID
dg --dir "$S" peer add "$ADDR_R" >/dev/null 2>&1 # S dials R when it starts
echo "#    (1) S sends R $(($WANT1 - $(entries_of "$R"))) entries (R ends with $WANT1); S killed $ROUNDS times"
MID=0
PROGRESS=0
i=0
for f in $(fracs "$ROUNDS" 11 0 1); do
	i=$((i + 1))
	before=$(entries_of "$R")
	if [ "$before" = "$WANT1" ]; then
		# All there already: S writes more while down, so that the
		# round has a transfer to break.
		check "(1) round $i: S (down) writes $CHUNK new records" \
			more "$CHUNK" "$S" "r$i"
		WANT1=$((WANT1 + CHUNK))
	fi
	c0=$(conns "$R")
	d0=$(log_count "$R" "disconnected from")
	# S writes what R lacks much faster than R takes it in: from 1 ms to
	# a quarter of the time R would take, evenly on a log scale.
	left=$((WANT1 - before))
	delay=$(awk -v f="$f" -v t="$TCAL" -v l="$left" -v b="$BIG" 'BEGIN {
		w = t * l / b / 4; if (w < 2) w = 2
		printf "%d", exp(f * log(w)) }')
	spawn_daemon "$S" "$ADDR_S"
	if ! wait_fast 15 conns_above "$R" "$c0"; then
		: >"$OUT"
		tail -n 5 "$S.log" >"$ERR"
		fail "(1) round $i: the restarted S reaches R (PROGRAM BUG?; err: the end of S's log)"
	fi
	sleep_ms "$delay"
	crash_daemon "$S"
	RC=$SD_RC
	check_rc 137 "(1) round $i: S kill -9 (${delay} ms after the connection)"
	check "(1) round $i: R sees S go" wait_for 10 drops_above "$R" "$d0"
	check "(1) round $i: R still runs" proc_alive "$PID_R"
	after=$(entries_of "$R")
	if [ -n "$after" ] && [ "$after" -lt "$WANT1" ]; then
		MID=$((MID + 1))
		[ "$after" -gt "$before" ] && PROGRESS=$((PROGRESS + 1))
		echo "#    round $i: S killed mid-transfer: R had $before, now $after of $WANT1"
	else
		echo "#    round $i: S killed after the transfer: R had $before, now $after of $WANT1"
	fi
	RC=0
	echo "before=$before after=$after want=$WANT1" >"$ERR"
	check "(1) round $i: R's count only grows, never past $WANT1" \
		test -n "$after" -a "${after:-0}" -ge "$before" -a "${after:-0}" -le "$WANT1"
	verify_ok "$S" "(1) round $i: S (killed, stale S/ctl)"
	verify_ok "$R" "(1) round $i: R (through its daemon)"
done
echo "#    (1) $MID of $ROUNDS kills of the sender landed mid-transfer ($PROGRESS after R had stored part of it)"
check "(1) S: serve starts again after the kills" start_daemon "$S" "$ADDR_S"
end_checks "(1) S -> R, after the kills" "$R" "$S" "$ADDR_S" "$WANT1"

section_time "(1)"

# === 2. both sides killed in turn, data going both ways =====================
# R2 and R3, each with a log of its own the other lacks, dial each other;
# each round starts the node killed in the round before and kills one of
# the two (in turn: the one that stayed up, then the one just started).
dg --dir "$S" peer remove "$ADDR_R" >/dev/null 2>&1
WANT2=$(union_of "$R2" "$R3")
check "R2: serve starts (to get a port)" start_daemon "$R2"
ADDR_R2=$DADDR
stop_daemon "$R2"
check "R3: serve starts (to get a port)" start_daemon "$R3"
ADDR_R3=$DADDR
stop_daemon "$R3"
dg --dir "$R2" peer add "$ADDR_R3" >/dev/null 2>&1
dg --dir "$R3" peer add "$ADDR_R2" >/dev/null 2>&1
echo "#    (2) R2 ($(entries_of "$R2")) and R3 ($(entries_of "$R3")) trade, both end with $WANT2; killed in turn $ROUNDS times"
check "(2) R2: serve starts" start_daemon "$R2" "$ADDR_R2"
DOWN=$R3
MID2=0
i=0
name_of() { basename "$1"; }
addr_of() { if [ "$1" = "$R2" ]; then echo "$ADDR_R2"; else echo "$ADDR_R3"; fi; }
for f in $(fracs "$ROUNDS" 22 0.02 1.0); do
	i=$((i + 1))
	if [ "$DOWN" = "$R3" ]; then UP=$R2; else UP=$R3; fi
	if both_are "$R2" "$R3" "$WANT2"; then
		# All there already: the node that is down writes more.
		check "(2) round $i: $(name_of "$DOWN") (down) writes $CHUNK2 new records" \
			more "$CHUNK2" "$DOWN" "t$i"
		WANT2=$((WANT2 + CHUNK2))
	fi
	if [ $((i % 2)) -eq 1 ]; then VIC=$UP SURV=$DOWN; else VIC=$DOWN SURV=$UP; fi
	v=$(name_of "$VIC")
	w=$(name_of "$SURV")
	# Spread over the time what is left takes (the victim may be taking
	# in, or sending what the other lacks).
	v_in=$((WANT2 - $(entries_of "$VIC")))
	v_out=$((WANT2 - $(entries_of "$SURV")))
	[ "$v_out" -gt "$v_in" ] && v_in=$v_out
	delay=$(awk -v f="$f" -v t="$TCAL" -v l="$v_in" -v b="$BIG" \
		'BEGIN { printf "%d", 1 + f * t * l / b }')
	c0=$(conns "$UP")
	spawn_daemon "$DOWN" "$(addr_of "$DOWN")"
	if ! wait_fast 15 conns_above "$UP" "$c0"; then
		: >"$OUT"
		tail -n 5 "$DOWN.log" >"$ERR"
		fail "(2) round $i: the restarted $(name_of "$DOWN") reaches $(name_of "$UP") (PROGRAM BUG?; err: the end of its log)"
	fi
	d0=$(log_count "$SURV" "disconnected from")
	sleep_ms "$delay"
	crash_daemon "$VIC"
	RC=$SD_RC
	check_rc 137 "(2) round $i: $v kill -9 (${delay} ms after the connection)"
	check "(2) round $i: $w sees $v go" wait_for 10 drops_above "$SURV" "$d0"
	check "(2) round $i: $w still runs" proc_alive "$(proc_of "$SURV")"
	a2=$(entries_of "$R2")
	a3=$(entries_of "$R3")
	if [ "${a2:-0}" -lt "$WANT2" ] || [ "${a3:-0}" -lt "$WANT2" ]; then
		MID2=$((MID2 + 1))
		echo "#    round $i: $v killed mid-transfer: R2 has $a2, R3 $a3 of $WANT2"
	else
		echo "#    round $i: $v killed after the transfer: R2 has $a2, R3 $a3 of $WANT2"
	fi
	RC=0
	echo "R2: $a2 R3: $a3 want: $WANT2" >"$ERR"
	check "(2) round $i: neither count past $WANT2" \
		test -n "$a2" -a -n "$a3" -a "${a2:-0}" -le "$WANT2" -a "${a3:-0}" -le "$WANT2"
	verify_ok "$VIC" "(2) round $i: $v (killed)"
	DOWN=$VIC
done
echo "#    (2) $MID2 of $ROUNDS kills landed mid-transfer"
check "(2) $(name_of "$DOWN"): serve starts again after the kills" \
	start_daemon "$DOWN" "$(addr_of "$DOWN")"
end_checks "(2) R2 <-> R3, after the kills" "$R2" "$R3" "$ADDR_R3" "$WANT2"

section_time "(2)"

# === 3. a pushing daemon killed while adds stream into it ===================
# Q runs; P dials Q and pushes what is added to it.  A loop adds records
# to P one after the other (through P's control socket while P runs, to
# the store itself while it is down) and notes what each printed.
check "Q: serve starts" start_daemon "$Q"
ADDR_Q=$DADDR
PID_Q=$DPID
dg --dir "$P" peer add "$ADDR_Q" >/dev/null 2>&1
check "P: serve starts" start_daemon "$P"
ADDR_P=$DADDR
check "P: connected to Q" wait_for 10 conns_above "$Q" 0
: >"$TMP/adds"
rm -f "$TMP/stream.stop"
(
	n=0
	while [ ! -e "$TMP/stream.stop" ]; do
		n=$((n + 1))
		"$DUGNAD_BIN" --dir "$P" add contact name="Strom $n" \
			phone="+47 500 $n" </dev/null >"$TMP/add.out" 2>"$TMP/add.err"
		echo "$n $? $(head -n 1 "$TMP/add.out")" >>"$TMP/adds"
	done
) &
STREAM_PID=$!
added() { grep -c ' 0 added ' "$TMP/adds" || :; }
added_above() { [ "$(added)" -gt "$1" ]; }
i=0
for f in $(fracs "$ROUNDS" 33 0.05 0.6); do
	i=$((i + 1))
	a0=$(added)
	d0=$(log_count "$Q" "disconnected from")
	check "(3) round $i: the adds go on" wait_for 10 added_above "$a0"
	sleep_ms "$(awk -v f="$f" 'BEGIN { printf "%d", f * 1000 }')"
	crash_daemon "$P"
	RC=$SD_RC
	check_rc 137 "(3) round $i: P kill -9 while the adds run"
	check "(3) round $i: Q sees P go" wait_for 10 drops_above "$Q" "$d0"
	check "(3) round $i: Q still runs" proc_alive "$PID_Q"
	verify_ok "$P" "(3) round $i: P (killed, adds still going to its store)"
	check "(3) round $i: P: serve starts again (adds running)" \
		start_daemon "$P" "$ADDR_P"
done
a0=$(added)
check "(3) the adds go on after the last restart" wait_for 10 added_above "$a0"
stream_stop
STARTED=$(wc -l <"$TMP/adds" | tr -d ' ')
ACKED=$(added)
echo "#    (3) $STARTED adds started, $ACKED said 'added', over $ROUNDS kills of P"
check "(3) P and Q converge" wait_for 30 eval 'n=$(entries_of "$P"); [ -n "$n" ] && entries_are "$Q" "$n"'
dg --dir "$Q" --json list --all >"$TMP/q.json" 2>/dev/null
dg --dir "$P" --json list --all >"$TMP/p.json" 2>/dev/null
# Every add that said "added" is on Q (by its name, and the id printed is
# the id there); no name is there twice; no record beyond those started.
stream_check() { # list.json
	python3 - "$TMP/adds" "$1" "$STARTED" >"$ERR" 2>&1 <<'PY'
import collections, json, sys
acked = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) >= 5 and p[1] == "0" and p[2] == "added":
        acked["Strom " + p[0]] = p[4]
recs = [r for r in json.load(open(sys.argv[2]))
        if r.get("name", "").startswith("Strom ")]
names = collections.Counter(r["name"] for r in recs)
ids = {r["name"]: r["id"] for r in recs}
missing = sorted(n for n in acked if n not in ids)
wrong = sorted(n for n in acked if n in ids and not ids[n].startswith(acked[n]))
dups = sorted(n for n, c in names.items() if c > 1)
beyond = sorted(n for n in names if int(n.split()[1]) > int(sys.argv[3]))
for what, l in (("missing", missing), ("another id", wrong),
                ("twice", dups), ("never started", beyond)):
    if l:
        print("%s: %d: %s" % (what, len(l), " ".join(l[:10])))
print("%d acknowledged, %d records" % (len(acked), len(recs)))
sys.exit(1 if missing or wrong or dups or beyond else 0)
PY
}
RC=0
: >"$OUT"
check "(3) Q: every add that said 'added' is there, none twice, none unknown" \
	stream_check "$TMP/q.json"
check "(3) P: the same holds on P" stream_check "$TMP/p.json"
check "(3) P and Q list the same records" cmp -s "$TMP/p.json" "$TMP/q.json"
stop_daemon "$P"
RC=$SD_RC
check_rc 0 "(3) P SIGTERM: exit 0"
run dg --dir "$P" --json sync "$ADDR_Q"
check "(3) one-shot sync P -> Q: the digests are equal" \
	json_ok "$OUT" "d['in_sync'] is True and d['received'] == 0 and d['sent'] == 0"
stop_daemon "$Q"
RC=$SD_RC
check_rc 0 "(3) Q SIGTERM: exit 0"
verify_ok "$P" "(3) P"
verify_ok "$Q" "(3) Q"

section_time "(3)"

# On failure, the daemons' logs tell what happened.
[ "$T_FAIL" -gt 0 ] && echo "#    seed $SEED"
dump_logs 30 "${CRASH_KEEP:-}"
finish
