#!/bin/sh
# t_crash.sh - kill -9 at random moments: an import is transactional per
# batch of 1000 records, and every add that said "added" is on disk.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
BATCH=1000
TOTAL=20000

# Random delays, reproducible from the seed printed here.
SEED=${DUGNAD_TEST_SEED:-$(($$ + $(date +%s) % 100000))}
echo "#    seed $SEED (set DUGNAD_TEST_SEED to repeat)"
# delays N MIN MAX: N random delays in seconds, 3 decimals.
delays() {
	awk -v n="$1" -v lo="$2" -v hi="$3" -v s="$SEED" 'BEGIN {
		srand(s)
		for (i = 0; i < n; i++)
			printf "%.3f\n", lo + (hi - lo) * (i + rand()) / n
	}' | awk -v s="$SEED" 'BEGIN { srand(s + 1) } { print rand() "\t" $0 }' |
		sort -n | cut -f2
}
# Number of records listed (removed ones too).
count() {
	dg --dir "$1" --json list --all 2>/dev/null | grep -c '"id":'
}

T=$TMP/template
new_node "$T" || { echo "FAIL cannot make a node"; exit 1; }

awk -v n="$TOTAL" 'BEGIN {
	print "name,phone,email,note"
	for (i = 1; i <= n; i++)
		printf "Deltaker %d,+47 9%07d,d%d@example.org,\"Notat %d, linje 1\"\n", i, i, i, i
}' >"$TMP/big.csv"

# --- import killed at random moments -------------------------------------
# The delays cover parsing, the passphrase derivation and the batches.
K=$TMP/kill
for d in $(delays 8 0.05 0.8); do
	rm -rf "$K"
	cp -R "$T" "$K"
	# The binary itself, not the dg function: $! must be its pid.
	"$DUGNAD_BIN" --dir "$K" import "$TMP/big.csv" --type contacts \
		>"$TMP/imp.out" 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	run dg --dir "$K" verify
	check_rc 0 "import killed after ${d}s: verify passes"
	n=$(count "$K")
	echo "#    import killed after ${d}s: $n records"
	RC=0
	printf 'count=%s\n' "$n" >"$ERR"
	check "import killed after ${d}s: $n records, a whole number of batches of $BATCH" \
		test "$n" -ge 0 -a "$n" -le "$TOTAL" -a $((n % BATCH)) -eq 0
	if grep -q "imported $TOTAL records" "$TMP/imp.out"; then
		check "import killed after ${d}s: it said it was done, so all $TOTAL are there" \
			test "$n" -eq "$TOTAL"
	fi
done

# The store is still usable after a killed import: import again, add.
run dg --dir "$K" add contact name="Etter krasj"
check_rc 0 "after the kills: add works"
run dg --dir "$K" verify
check_rc 0 "after the kills: verify passes"

# --- sequential adds killed at random (an add takes ~0.06 s) ---------------
A=$TMP/adds
rm -rf "$A"
cp -R "$T" "$A"
: >"$TMP/said"
i=0
for d in $(delays 16 0.02 0.14); do
	i=$((i + 1))
	"$DUGNAD_BIN" --dir "$A" add contact name="Person $i" \
		phone="+47 400 00 $((100 + i))" >"$TMP/add.out" 2>/dev/null &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep '^added contact ' "$TMP/add.out" >>"$TMP/said"
done
said=$(wc -l <"$TMP/said")
echo "#    $said of $i adds said 'added' before the kill"
run dg --dir "$A" verify
check_rc 0 "adds killed at random: verify passes"
run dg --dir "$A" --json list --all
check_said "adds killed at random" "$TMP/said" "$i"
run dg --dir "$A" add contact name="Etter krasj"
check_rc 0 "adds killed at random: the store is still writable"

finish
