#!/bin/sh
# t_crash_erase.sh - kill -9 during erase and compact (issue 6).  An erase
# is one transaction: killed, the record is either intact and unchanged or
# erased (content gone, one more entry in the log), never half; one that
# said "erased" is erased.  A killed compact loses nothing.  After every
# kill the store verifies and no other record changed.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
TOTAL=300
ROUNDS=20

# Random delays, reproducible from the seed printed here.
SEED=${DUGNAD_TEST_SEED:-$(($$ + $(date +%s) % 100000))}
echo "#    seed $SEED (set DUGNAD_TEST_SEED to repeat)"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# line_of FILE NAME: the snapshot line of the record named NAME.
line_of() { grep -F "\"name\":\"$2\"" "$1"; }
id_of() { line_of "$1" "$2" | sed -n 's/^{"id":"\([a-z0-9]*\)".*/\1/p'; }
inode() { stat -c %i "$1/data.mdb"; }
no_fields() { ! grep -q -e '"name"' -e '"phone"' -e '"email"' -e '"note"' "$1"; }

# --- a node with a few hundred records ---------------------------------------
D=$TMP/node
new_node "$D" || { echo "FAIL cannot make a node"; exit 1; }
# Fixed-width numbers: no name or phone is a substring of another.
awk -v n="$TOTAL" 'BEGIN {
	print "name,phone,email,note"
	for (i = 1; i <= n; i++)
		printf "Deltaker %04d,+47 9%07d,d%04d@example.org,\"Notat %04d, linje 1\"\n", i, i, i, i
}' >"$TMP/recs.csv"
run dg --dir "$D" import "$TMP/recs.csv" --type contacts
check_rc 0 "import $TOTAL records: exit 0"

# The records to erase, in a seeded random order: one per erase round
# (a killed erase that did nothing is tried again on the same record),
# one for the final erase.
awk -v n="$TOTAL" -v k=$((ROUNDS / 2 + 2)) -v s="$SEED" 'BEGIN {
	srand(s)
	while (c < k) {
		i = 1 + int(rand() * n)
		if (!(i in seen)) { seen[i] = 1; c++; printf "%04d\n", i }
	}
}' >"$TMP/targets"
# The first three get a second version: erase must drop every version.
for i in $(head -n 3 "$TMP/targets"); do
	snapshot "$D" "$TMP/s"
	id=$(id_of "$TMP/s" "Deltaker $i")
	run dg --dir "$D" edit "$id" phone="+47 8000$i" \
		note="Notat $i, endret"
	check_rc 0 "edit Deltaker $i (a second version): exit 0"
done

# --- calibration: how long erase and compact take here ---------------------------
# Most of a command's time is start-up and the passphrase derivation;
# its transaction (or copy) is the last few milliseconds.  An erase of
# an erased record stops just before the write: the time it takes is
# where an erase starts writing.  The delays are spread around these.
C=$TMP/cal
: >"$TMP/times"
for k in 1 2 3; do
	rm -rf "$C"
	cp -R "$D" "$C"
	snapshot "$C" "$TMP/s"
	id=$(sed -n 1p "$TMP/s" | sed -n 's/^{"id":"\([a-z0-9]*\)".*/\1/p')
	t0=$(now_ms)
	"$DUGNAD_BIN" --dir "$C" erase "$id" >/dev/null 2>&1
	t1=$(now_ms)
	"$DUGNAD_BIN" --dir "$C" erase "$id" >/dev/null 2>&1
	t2=$(now_ms)
	"$DUGNAD_BIN" --dir "$C" compact >/dev/null 2>&1
	t3=$(now_ms)
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2))" >>"$TMP/times"
done
rm -rf "$C"
# median MEASURE: the middle one of the three times (column 1, 2 or 3).
median() { cut -d' ' -f"$1" "$TMP/times" | sort -n | sed -n 2p; }
te=$(median 1)
tp=$(median 2)
tc=$(median 3)
[ "$te" -ge $((tp + 2)) ] || te=$((tp + 2))
echo "#    here an erase takes ${te} ms (${tp} ms up to its write), a compact ${tc} ms"

# Round r: kind (erase on odd rounds, compact on even), delay in seconds.
# A fifth of the delays are early (start-up, passphrase); the others
# from a little before an erase writes to a little after it is done, or
# from 80% to 110% of a compact.
awk -v n="$ROUNDS" -v te="$te" -v tp="$tp" -v tc="$tc" -v s="$SEED" 'BEGIN {
	srand(s + 2)
	for (r = 1; r <= n; r++) {
		e = r % 2
		if (rand() < 0.2)
			d = 2 + rand() * 0.8 * (e ? tp : tc)
		else if (e)
			d = tp - 4 + rand() * (te - tp + 6)
		else
			d = 0.8 * tc + rand() * 0.3 * tc
		printf "%d %s %.3f\n", r, e ? "erase" : "compact", d / 1000
	}
}' >"$TMP/plan"

# --- kill -9 during erase and compact ------------------------------------------
snapshot "$D" "$TMP/before"
E0=$(entries "$D")
ti=1
erased=""
e_said=0 e_silent=0 e_none=0 e_commit=0
c_said=0 c_tmp=0 c_after=0 c_before=0
while read -r r kind d; do
	ino=$(inode "$D")
	sum=$(store_sum "$D")
	if [ "$kind" = erase ]; then
		i=$(sed -n "${ti}p" "$TMP/targets")
		NAME="Deltaker $i"
		id=$(id_of "$TMP/before" "$NAME")
		line_of "$TMP/before" "$NAME" >"$TMP/line"
		PHONE=$(sed -n 's/.*"phone":"\([^"]*\)".*/\1/p' "$TMP/line")
		what="round $r: erase $NAME ($id) killed after ${d}s"
		"$DUGNAD_BIN" --dir "$D" erase "$id" >"$TMP/op.out" 2>&1 &
	else
		what="round $r: compact killed after ${d}s"
		"$DUGNAD_BIN" --dir "$D" compact >"$TMP/op.out" 2>&1 &
	fi
	# The binary itself, not the dg function: $! must be its pid.
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null

	run dgt --dir "$D" verify
	check_rc 0 "$what: verify passes"
	check_out "no problems" "$what: verify finds no problem"
	E1=$(entries "$D")
	snapshot "$D" "$TMP/after"

	if [ "$kind" = compact ]; then
		if grep -q '^store compacted' "$TMP/op.out"; then
			c_said=$((c_said + 1))
			RC=0
			ls -i "$D" >"$OUT"
			: >"$ERR"
			check "$what: it said 'store compacted': data.mdb replaced, no compact.tmp" \
				test "$(inode "$D")" != "$ino" -a ! -e "$D/compact.tmp"
		elif [ -e "$D/compact.tmp" ]; then
			c_tmp=$((c_tmp + 1))
		elif [ "$(inode "$D")" != "$ino" ]; then
			c_after=$((c_after + 1))
		else
			c_before=$((c_before + 1))
		fi
		check_intact "$what" "$TMP/before" "$TMP/after" "$E0" "$E1"
	else
		# The other records: exactly as before.
		check_others "$what: no other record changed" "$id" \
			"$TMP/before" "$TMP/after"
		if grep -q -F "\"id\":\"$id\"" "$TMP/after"; then
			# Not done: the record exactly as it was, no erase entry.
			said=""
			grep -q '^erased ' "$TMP/op.out" && said=" though it said 'erased'"
			# LMDB writes the new pages, syncs, then the meta page:
			# pages written without the meta is a kill mid-commit.
			if [ "$(store_sum "$D")" = "$sum" ]; then
				e_none=$((e_none + 1))
			else
				e_commit=$((e_commit + 1))
			fi
			RC=0
			{ cat "$TMP/line"; grep -F "\"id\":\"$id\"" "$TMP/after"; } >"$OUT"
			printf 'entries before %s, after %s\n' "$E0" "$E1" >"$ERR"
			check "$what: not erased$said: the record is unchanged, no erase entry" \
				test -z "$said" -a "$(grep -F "\"id\":\"$id\"" "$TMP/after")" = \
				"$(cat "$TMP/line")" -a "$E1" -eq "$E0"
			run dgt --dir "$D" show "$id"
			check_out "$NAME" "$what: not erased: show has its name"
			check_out "$PHONE" "$what: not erased: show has its phone"
		else
			# Done: all of it.
			if grep -q '^erased ' "$TMP/op.out"; then
				e_said=$((e_said + 1))
			else
				e_silent=$((e_silent + 1))
			fi
			erased="$erased $id"
			ti=$((ti + 1))
			RC=0
			printf 'entries before %s, after %s\n' "$E0" "$E1" >"$ERR"
			: >"$OUT"
			check "$what: erased: exactly one more log entry" \
				test "$E1" -eq $((E0 + 1))
			run dgt --dir "$D" show "$id"
			check_rc 0 "$what: erased: show exit 0"
			check_out "erased" "$what: erased: show says erased"
			check_no_out "$NAME" "$what: erased: show has no name"
			check_no_out "$PHONE" "$what: erased: show has no phone"
			check_no_out "d$i@" "$what: erased: show has no e-mail"
			run dgt --dir "$D" --json show "$id"
			check "$what: erased: --json show has no field left" no_fields "$OUT"
			for q in "$NAME" "$PHONE" "d$i@example.org" "Notat $i"; do
				run dgt --dir "$D" search "$q"
				check_out "no records" "$what: erased: search '$q' finds nothing"
			done
			run dgt --dir "$D" list --all
			check_no_out "$NAME" "$what: erased: list --all has no name"
		fi
	fi
	mv "$TMP/after" "$TMP/before"
	E0=$E1
done <"$TMP/plan"

echo "#    erase: $e_said said 'erased' before the kill, $e_silent were erased" \
	"but killed before saying so, $e_commit killed mid-commit (data.mdb" \
	"written, not committed), $e_none killed before writing"
echo "#    compact: $c_said finished before the kill, $c_after killed after" \
	"replacing data.mdb, $c_tmp killed while writing compact.tmp," \
	"$c_before killed before writing it"

# --- after the kills: an erase and a compact run to the end ------------------------
i=$(sed -n "${ti}p" "$TMP/targets")
NAME="Deltaker $i"
id=$(id_of "$TMP/before" "$NAME")
run dgt --dir "$D" erase "$id"
check_rc 0 "after the kills: erase $NAME: exit 0"
check_out "erased" "after the kills: erase $NAME: says erased"
erased="$erased $id"
run dgt --dir "$D" compact
check_rc 0 "after the kills: compact: exit 0"
check_out "store compacted" "after the kills: compact: says so"
check "after the kills: compact left no compact.tmp" test ! -e "$D/compact.tmp"
run dgt --dir "$D" verify
check_rc 0 "after the kills: verify passes"
check_out "no problems" "after the kills: verify finds no problem"
E1=$(entries "$D")
RC=0
printf 'entries before %s, after %s\n' "$E0" "$E1" >"$ERR"
: >"$OUT"
check "after the kills: one more log entry" test "$E1" -eq $((E0 + 1))
snapshot "$D" "$TMP/after"
check_others "after the kills: every other record intact" "$id" \
	"$TMP/before" "$TMP/after"
n=$(grep -c . "$TMP/after")
n_erased=$(echo $erased | wc -w)
printf 'listed %s, erased %s\n' "$n" "$n_erased" >"$OUT"
check "after the kills: $TOTAL records less the $n_erased erased" \
	test "$n" -eq $((TOTAL - n_erased))
bad=""
for e in $erased; do
	run dgt --dir "$D" --json show "$e"
	grep -q '"erased":true' "$OUT" || bad="$bad $e"
done
RC=0
printf 'not shown as erased:%s\n' "$bad" >"$ERR"
check "after the kills: every erased record is shown as erased" test -z "$bad"
run dgt --dir "$D" add contact name="Etter krasj"
check_rc 0 "after the kills: the store is still writable"

finish
