#!/bin/sh
# t_progress.sh - long work shows a one-line counter on a terminal
# (import, verify, reindex, bundle export and import), drawn over itself
# and cleared at the end, so the result printed after it is unchanged;
# without a terminal (scripts, logs) nothing of it appears.  The
# terminal is a pseudo-terminal made by script(1) from util-linux.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
A=$TMP/a
B=$TMP/b
new_node "$A" || { echo "FAIL cannot make a node"; exit 1; }
if ! command -v script >/dev/null 2>&1; then
	echo "skip: script(1) from util-linux is not installed"
	finish
fi
make_member "$A" "$B" "Bente" || { echo "FAIL cannot make a member"; exit 1; }

# on_tty COMMAND...: runs it on a pseudo-terminal; everything it prints
# goes to $OUT.
on_tty() {
	timeout 120 script -qec "$*" /dev/null </dev/null >"$OUT" 2>&1
	RC=$?
	: >"$ERR"
}
# The text after the last erase-line: what stays on the screen.
last_line() { tr -d '\r' <"$OUT" | sed "s/.*$(printf '\033')\\[K//" | tail -n 1; }
# No carriage return nor escape in stdout or stderr.
no_counter() {
	! grep -q "$(printf '[\r\033]')" "$OUT" "$ERR" &&
		! grep -q "$1" "$OUT" "$ERR"
}

awk 'BEGIN { print "name,phone,lang";
	for (i = 0; i < 30000; i++) printf "Person %d,+47 9%07d,nb\n", i, i }' \
	>"$TMP/big.csv"

# --- import ------------------------------------------------------------
on_tty "$DUGNAD_BIN" --dir "$A" import "$TMP/big.csv" --type contacts
check_rc 0 "import on a terminal: exit 0"
check_out "Importing records: 0 of 30,000 (0 %)" "import: shows a counter"
check "import: the counter ends cleared, the result after it" \
	test "$(last_line)" = "imported 30000 records"
dg --dir "$A" add contact name=x >/dev/null 2>&1 # another store state
run dg --dir "$A" import "$TMP/big.csv" --type contacts
check_rc 0 "import without a terminal: exit 0"
check "import without a terminal: no counter" no_counter "Importing"
check "import without a terminal: the same result" \
	test "$(cat "$OUT")" = "imported 30000 records"

# --- verify --------------------------------------------------------------
run dg --dir "$A" verify
check "verify without a terminal: no counter" no_counter "Checking"
RESULT=$(cat "$OUT")
on_tty "$DUGNAD_BIN" --dir "$A" verify
check_rc 0 "verify on a terminal: exit 0"
check_out "Checking entries: 1,024 of " "verify: shows a counter"
check "verify: the result after the counter is unchanged" \
	test "$(last_line)" = "$RESULT"

# --- reindex -------------------------------------------------------------
on_tty "$DUGNAD_BIN" --dir "$A" reindex
check_rc 0 "reindex on a terminal: exit 0"
check_out "Rebuilding the views: 1,024 of " "reindex: shows a counter"
check "reindex: the result after the counter" \
	test "$(last_line)" = "views rebuilt from the logs"
run dg --dir "$A" reindex
check "reindex without a terminal: no counter" no_counter "Rebuilding"

# --- compact: LMDB's copy cannot be counted; the line names the work -------
on_tty "$DUGNAD_BIN" --dir "$A" compact
check_rc 0 "compact on a terminal: exit 0"
check_out "Compacting the store..." "compact: says what it is doing"
check "compact: the result after the line" \
	test "$(last_line)" = "store compacted"
run dg --dir "$A" compact
check "compact without a terminal: nothing but the result" \
	test "$(cat "$OUT")" = "store compacted" -a ! -s "$ERR"

# --- bundle export and import ----------------------------------------------
on_tty "$DUGNAD_BIN" --dir "$A" bundle export "$TMP/all.dugnad"
check_rc 0 "bundle export on a terminal: exit 0"
check_out "Writing entries: " "bundle export: shows a counter"
last_line >"$TMP/last"
check "bundle export: the result after the counter" \
	grep -q "^Wrote [0-9]* entries to $TMP/all.dugnad" "$TMP/last"
run dg --dir "$A" bundle export "$TMP/all2.dugnad"
check "bundle export without a terminal: no counter" no_counter "Writing"
on_tty "$DUGNAD_BIN" --dir "$B" bundle import "$TMP/all.dugnad"
check_rc 0 "bundle import on a terminal: exit 0"
check_out "Taking in entries: " "bundle import: shows a counter"
last_line >"$TMP/last"
check "bundle import: the result after the counter" \
	grep -q "^imported [0-9]* new entries" "$TMP/last"
run dg --dir "$B" bundle import "$TMP/all2.dugnad"
check_rc 0 "bundle import without a terminal: exit 0"
check "bundle import without a terminal: no counter" no_counter "Taking"
run dg --dir "$B" --json list contacts
check "bundle import: the member has every record" \
	test "$(grep -o '"id":' "$OUT" | wc -l)" -ge 60001

finish
