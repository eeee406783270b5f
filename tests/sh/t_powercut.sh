#!/bin/sh
# t_powercut.sh - power loss (issue 6), beyond kill -9.  Commands run with
# tests/tools/powercut.so preloaded: their writes to the files under
# $TMP/pc reach the files, but only fsync, fdatasync, O_DSYNC writes and
# (for renames) a directory fsync make them durable.  At a seeded event
# (a write, a sync or a rename) the power fails: what was not durable is
# undone, then a random subset of it comes back in a random order, some
# writes torn at 512-byte sectors, a random prefix of the renames stays;
# the process dies (exit 137).  When the command ends first, the power
# fails just after it returned.  After each cut, without the shim: verify
# passes, every command that said it was done has done it all, a killed
# command did all or nothing of each transaction, and the store takes
# the next command.  Cuts during adds, an import of 3000 records, erase,
# compact, an export and a receiving sync.
. "$(dirname "$0")/lib.sh"

PC=${DUGNAD_TOOLS:-}/powercut.so
if [ ! -f "$PC" ]; then
	echo "skip: $PC is not built ('make test' builds it)"
	echo "0 passed, 0 failed"
	exit 0
fi
# Under AddressSanitizer the shim comes before its runtime in the list
# of libraries; that is fine, the runtime need not be first.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
net_trap
cd "$TMP" || exit 1
mkdir "$TMP/pc"

SEED=${DUGNAD_TEST_SEED:-$(($$ + $(date +%s) % 100000))}
echo "#    seed $SEED (set DUGNAD_TEST_SEED to repeat)"

# pc CUT SEED CMD...: CMD with the power failing at event CUT (0: no cut,
# count the events into $TMP/pc.count); what the cut did is appended to
# $TMP/pc.log; sets PRC, the exit status.  stdout in $TMP/pc.out.
pc() {
	pc_at=$1 pc_seed=$2
	shift 2
	rm -f "$TMP/pc.count"
	timeout 120 env LD_PRELOAD="$PC" DUGNAD_POWERCUT_DIR="$TMP/pc" \
		DUGNAD_POWERCUT_AT="$pc_at" DUGNAD_POWERCUT_SEED="$pc_seed" \
		DUGNAD_POWERCUT_COUNT="$TMP/pc.count" \
		DUGNAD_POWERCUT_LOG="$TMP/pc.log" \
		"$DUGNAD_BIN" "$@" >"$TMP/pc.out" 2>"$TMP/pc.err" </dev/null
	PRC=$?
}
# events CMD...: how many events a run of CMD has (no cut).
events() {
	pc 0 0 "$@"
	cat "$TMP/pc.count" 2>/dev/null || echo 0
}
# plan N MAX SALT: N cut points in 1..MAX, seeded, spread over the range.
plan() {
	awk -v n="$1" -v max="$2" -v s="$SEED" -v salt="$3" 'BEGIN {
		srand(s + salt)
		for (i = 0; i < n; i++)
			print 1 + int(max * (i + rand()) / n)
	}'
}
# the last line the shim logged
cut_said() { tail -n 1 "$TMP/pc.log" 2>/dev/null; }
count() { dgt --dir "$1" --json list --all 2>/dev/null | grep -c '"id":'; }
# after_cut D WHAT: verify passes with no problem
after_cut() {
	run dgt --dir "$1" verify
	check_rc 0 "$2: verify passes"
	check_out "no problems" "$2: verify finds no problem"
}

T=$TMP/pc/template
new_node "$T" || { echo "FAIL cannot make a node"; exit 1; }

# --- adds, one after another, the power failing in each ------------------
A=$TMP/pc/adds
cp -R "$T" "$A"
ka=$(events --dir "$A" add contact name="Kalibrering")
echo "#    an add has $ka events (writes, syncs)"
: >"$TMP/said"
i=0
# cut points up to half as many again as an add has: a third of the
# cuts come just after the add returned
for at in $(plan 16 $((ka + ka / 2 + 1)) 1); do
	i=$((i + 1))
	pc "$at" "$((SEED + i))" --dir "$A" add contact name="Person $i" \
		phone="+47 400 00 $((100 + i))"
	grep '^added contact ' "$TMP/pc.out" >>"$TMP/said"
	what="add $i, power cut at event $at ($(cut_said))"
	case "$(cut_said)" in
	"cut exit"*)
		RC=$PRC
		cp "$TMP/pc.out" "$OUT"
		cp "$TMP/pc.err" "$ERR"
		check_rc 0 "$what: it returned before the cut, exit 0"
		check_out "added contact" "$what: it returned before the cut, said 'added'"
		;;
	esac
	after_cut "$A" "$what"
	run dgt --dir "$A" list
	check_rc 0 "$what: the store opens and lists"
done
said=$(wc -l <"$TMP/said")
echo "#    $said of $i adds said 'added' before the power failed"
run dgt --dir "$A" --json list --all
# (one more: the add that counted the events)
check_said "adds" "$TMP/said" $((i + 1))
run dgt --dir "$A" add contact name="Etter strømbrudd"
check_rc 0 "adds: the store takes the next add"

# --- an import of 3000 records (three transactions of 1000) ----------------
awk 'BEGIN {
	print "name,phone,email,note"
	for (i = 1; i <= 3000; i++)
		printf "Deltaker %d,+47 9%07d,d%d@example.org,\"Notat %d\"\n", i, i, i, i
}' >"$TMP/big.csv"
I=$TMP/pc/import
cp -R "$T" "$I"
ki=$(events --dir "$I" import "$TMP/big.csv" --type contacts)
echo "#    an import of 3000 records has $ki events"
r=0
for at in $(plan 6 $((ki + 1)) 2); do
	r=$((r + 1))
	rm -rf "$I"
	cp -R "$T" "$I"
	pc "$at" "$((SEED + 100 + r))" --dir "$I" import "$TMP/big.csv" \
		--type contacts
	what="import, power cut at event $at ($(cut_said))"
	after_cut "$I" "$what"
	n=$(count "$I")
	RC=0
	printf 'records: %s\n' "$n" >"$ERR"
	check "$what: $n records, whole transactions of 1000" \
		test "$n" -ge 0 -a "$n" -le 3000 -a $((n % 1000)) -eq 0
	if grep -q "imported 3000 records" "$TMP/pc.out"; then
		check "$what: it said it was done, so all 3000 are there" \
			test "$n" -eq 3000
	fi
	run dgt --dir "$I" add contact name="Etter strømbrudd"
	check_rc 0 "$what: the store takes the next add"
done

# --- erase and compact -------------------------------------------------------
E=$TMP/pc/erase
cp -R "$T" "$E"
awk 'BEGIN {
	print "name,phone,email"
	for (i = 1; i <= 60; i++)
		printf "Deltaker %04d,+47 9%07d,e%04d@example.org\n", i, i, i
}' >"$TMP/small.csv"
dgt --dir "$E" import "$TMP/small.csv" --type contacts >/dev/null 2>&1 ||
	{ echo "FAIL cannot import"; exit 1; }
snapshot "$E" "$TMP/before"
id=$(sed -n 1p "$TMP/before" | sed -n 's/^{"id":"\([a-z0-9]*\)".*/\1/p')
C=$TMP/pc/cal
cp -R "$E" "$C"
ke=$(events --dir "$C" erase "$id")
kc=$(events --dir "$C" compact)
rm -rf "$C"
echo "#    an erase has $ke events, a compact $kc"
r=0
for at in $(plan 10 $((ke + 1)) 3); do
	r=$((r + 1))
	E0=$(entries "$E")
	# an erase: of the next record in the list, a compact after it
	line=$(sed -n 1p "$TMP/before")
	id=$(echo "$line" | sed -n 's/^{"id":"\([a-z0-9]*\)".*/\1/p')
	name=$(echo "$line" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p')
	pc "$at" "$((SEED + 200 + r))" --dir "$E" erase "$id"
	what="erase $name, power cut at event $at ($(cut_said))"
	after_cut "$E" "$what"
	E1=$(entries "$E")
	snapshot "$E" "$TMP/after"
	check_others "$what: no other record changed" "$id" "$TMP/before" \
		"$TMP/after"
	if grep -q -F "\"id\":\"$id\"" "$TMP/after"; then
		printf 'entries before %s, after %s; said: %s\n' "$E0" "$E1" \
			"$(cat "$TMP/pc.out")" >"$ERR"
		check "$what: not erased: it did not say so, the record and the log are unchanged" \
			test "$(grep -F "\"id\":\"$id\"" "$TMP/after")" = "$line" \
			-a "$E1" -eq "$E0" -a ! -s "$TMP/pc.out"
	else
		printf 'entries before %s, after %s\n' "$E0" "$E1" >"$ERR"
		check "$what: erased: all of it, one more log entry" \
			test "$E1" -eq $((E0 + 1))
		run dgt --dir "$E" search "$name"
		check_out "no records" "$what: erased: search finds nothing"
		mv "$TMP/after" "$TMP/before"
	fi
	# a compact, the power failing during it
	kc_at=$(plan 1 $((kc + 1)) $((300 + r)))
	snapshot "$E" "$TMP/before"
	E0=$(entries "$E")
	pc "$kc_at" "$((SEED + 300 + r))" --dir "$E" compact
	what="compact, power cut at event $kc_at ($(cut_said))"
	after_cut "$E" "$what"
	snapshot "$E" "$TMP/after"
	E1=$(entries "$E")
	check_intact "$what" "$TMP/before" "$TMP/after" "$E0" "$E1"
done
run dgt --dir "$E" compact
check_rc 0 "after the cuts: compact runs to the end"
run dgt --dir "$E" add contact name="Etter strømbrudd"
check_rc 0 "after the cuts: the store takes the next add"

# --- an export to a file: said 'wrote', it is there ------------------------
X=$TMP/pc/export
mkdir "$X"
for r in 1 2 3 4 5 6; do
	# the power fails just after it returned: an export has a few events
	cd "$X" || exit 1
	pc 99 "$((SEED + 400 + r))" --dir "$E" export --format csv contacts \
		-o "out$r.csv"
	cd "$TMP" || exit 1
	what="export $r, power cut when it returned ($(cut_said))"
	if grep -q "^wrote " "$TMP/pc.out"; then
		n=$(($(grep -c . "$X/out$r.csv" 2>/dev/null || echo 0) - 1))
		RC=0
		ls -l "$X" >"$OUT"
		: >"$ERR"
		check "$what: it said 'wrote': the file is there, whole ($n records)" \
			test "$n" -eq "$(count "$E")"
	else
		RC=$PRC
		cp "$TMP/pc.out" "$OUT"
		cp "$TMP/pc.err" "$ERR"
		check "$what: it said 'wrote'" false
	fi
done

# --- a receiving sync --------------------------------------------------------
# B joins A's network, then A adds 2000 records and serves; B syncs with
# the power failing while it receives.
S=$TMP/pc/source
cp -R "$T" "$S"
R=$TMP/pc/receiver
make_member "$S" "$R" "Mottaker" || { echo "FAIL cannot make a member"; exit 1; }
awk 'BEGIN {
	print "name,phone"
	for (i = 1; i <= 2000; i++)
		printf "Kilde %d,+47 5%07d\n", i, i
}' >"$TMP/src.csv"
dgt --dir "$S" import "$TMP/src.csv" --type contacts >/dev/null 2>&1 ||
	{ echo "FAIL cannot import"; exit 1; }
SN=$(entries "$S")
cp -R "$R" "$TMP/pc/receiver0"
if start_daemon "$S"; then
	ks=$(events --dir "$R" sync "$DADDR")
	echo "#    a sync receiving 2000 records has $ks events"
	r=0
	for at in $(plan 5 "$ks" 5); do
		r=$((r + 1))
		rm -rf "$R"
		cp -R "$TMP/pc/receiver0" "$R"
		pc "$at" "$((SEED + 500 + r))" --dir "$R" sync "$DADDR"
		what="sync, power cut at event $at ($(cut_said))"
		after_cut "$R" "$what"
		n=$(entries "$R")
		RC=0
		echo "entries: $n of $SN" >"$ERR"
		check "$what: it holds at most what the source holds" \
			test "$n" -le "$SN"
		run dgt --dir "$R" sync "$DADDR"
		check_rc 0 "$what: the next sync runs to the end"
		n=$(entries "$R")
		echo "entries: $n of $SN" >"$ERR"
		check "$what: then it holds every entry of the source" \
			test "$n" -eq "$SN"
	done
	stop_daemon "$S"
	RC=$SD_RC
	check_rc 0 "sync: the source's daemon stops cleanly"
else
	RC=1
	check_rc 0 "sync: the source's daemon starts"
fi

finish
