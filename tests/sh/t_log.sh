#!/bin/sh
# t_log.sh - log, verify, erase, reindex and compact.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
D=$TMP/node
new_node "$D" || { echo "FAIL cannot make a node"; exit 1; }

json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
added_id() { awk '$1 == "added" { print $3 }' "$OUT"; }

run dg --dir "$D" log
check_rc 0 "log of a new network: exit 0"
check_out "genesis" "log: the genesis entry"
check_out "keys" "log: the keys entry"
check "log: a header and two entries" test "$(wc -l <"$OUT")" -eq 3

run dg --dir "$D" add contact name="Amina Warsame" phone="+47 912 34 567"
AMINA=$(added_id)
run dg --dir "$D" add meeting title=Kvinnegruppa starts=2026-12-04T18:00 repeat=weekly
run dg --dir "$D" add referral name=Legevakt category=health
REF=$(added_id)
run dg --dir "$D" edit "$AMINA" note="Snakker somali"
run dg --dir "$D" remove "$REF"

me=$(dg --dir "$D" id | sed -n 's/^short id: *//p')
run dg --dir "$D" log
check_rc 0 "log: exit 0"
check_out "AUTHOR" "log: a header row"
check "log: a header and seven entries" test "$(wc -l <"$OUT")" -eq 8
check "log: four record entries" test "$(grep -c ' record ' "$OUT")" -eq 4
check "log: one remove entry" test "$(grep -c ' remove ' "$OUT")" -eq 1
check "log: every entry by this node" test "$(grep -c "^$me " "$OUT")" -eq 7
check "log: sequence numbers 1 to 7" \
	test "$(awk 'NR > 1 { printf "%s ", $2 }' "$OUT")" = "1 2 3 4 5 6 7 "
check_no_out "dropped" "log: no body dropped yet"

run dg --dir "$D" --json log
check_rc 0 "--json log: exit 0"
check "--json log: valid JSON" python3 -m json.tool "$OUT" /dev/null
check "--json log: an array of 7 entries, kinds in order" \
	json_ok "$OUT" "[e['kind'] for e in d] == ['genesis', 'keys', 'record', 'record', 'record', 'record', 'remove']"
check "--json log: each entry names the hash of the one before" \
	json_ok "$OUT" "d[0]['prev'] is None and all(d[i]['prev'] == d[i - 1]['hash'] for i in range(1, len(d)))"
check "--json log: every body present" \
	json_ok "$OUT" "all(e['body'] == 'present' for e in d)"

# log --author ID is in the usage ('dugnad log --help').
run dg log --help
check_out "--author" "log --help: documents --author"
run dg --dir "$D" log --author "$me"
check_rc 0 "log --author ID: exit 0"
check "log --author ID: the node's seven entries" \
	test "$(grep -c "^$me " "$OUT")" -eq 7

# --- verify ----------------------------------------------------------------
run dg --dir "$D" verify
check_rc 0 "verify: exit 0"
check_out "ok" "verify: says ok"
check_out "7 entries checked" "verify: counts the entries"
run dg --dir "$D" --json verify
check_rc 0 "--json verify: exit 0"
check "--json verify: no problems" \
	json_ok "$OUT" "d['entries'] == 7 and d['problems'] == 0 and d['list'] == []"

# --- erase -------------------------------------------------------------------
run dg --dir "$D" erase "$AMINA"
check_rc 0 "erase: exit 0"
check_out "erased $AMINA" "erase: says erased"
run dg --dir "$D" verify
check_rc 0 "verify after erase: exit 0"
check_out "ok: 8 entries checked, no problems" "verify after erase: ok"
run dg --dir "$D" log
check_out "erase" "log after erase: the erase entry"
check "log after erase: the two record bodies of the contact are dropped" \
	test "$(grep -c ' dropped$' "$OUT")" -eq 2
check "log after erase: the other bodies stay" \
	test "$(grep -c ' bytes$' "$OUT")" -eq 6
run dg --dir "$D" --json log
check "--json log after erase: body 'dropped' on the contact's entries" \
	json_ok "$OUT" "[e['seq'] for e in d if e['body'] == 'dropped'] == [3, 6]"
check "--json log after erase: the chain is unchanged" \
	json_ok "$OUT" "all(d[i]['prev'] == d[i - 1]['hash'] for i in range(1, len(d)))"

# --- reindex -------------------------------------------------------------
run dg --dir "$D" --json list --all
cp "$OUT" "$TMP/before.json"
run dg --dir "$D" --json show "$AMINA"
cp "$OUT" "$TMP/erased-before.json"
run dg --dir "$D" reindex
check_rc 0 "reindex: exit 0"
check_out "rebuilt" "reindex: says so"
run dg --dir "$D" --json list --all
check "reindex: --json list --all is identical" cmp -s "$OUT" "$TMP/before.json"
run dg --dir "$D" --json show "$AMINA"
check "reindex: the erased record stays erased" \
	cmp -s "$OUT" "$TMP/erased-before.json"
run dg --dir "$D" --json list
check "reindex: the removed referral stays removed" \
	json_ok "$OUT" "[r['title'] if 'title' in r else r['name'] for r in d] == ['Kvinnegruppa']"
run dg --dir "$D" verify
check_rc 0 "verify after reindex: exit 0"

# --- compact ---------------------------------------------------------------
run dg --dir "$D" log
cp "$OUT" "$TMP/log-before"
run dg --dir "$D" compact
check_rc 0 "compact: exit 0"
check_out "compacted" "compact: says so"
check "compact: no temporary file left" test ! -e "$D/compact.tmp"
check "compact: data.mdb still mode 0600" \
	test "$(ls -l "$D/data.mdb" | cut -c1-10)" = "-rw-------"
run dg --dir "$D" verify
check_rc 0 "verify after compact: exit 0"
check_out "ok: 8 entries checked, no problems" "verify after compact: ok"
run dg --dir "$D" log
check "compact: the log is unchanged" cmp -s "$OUT" "$TMP/log-before"
run dg --dir "$D" --json list --all
check "compact: --json list --all is identical" cmp -s "$OUT" "$TMP/before.json"
run dg --dir "$D" add contact name="Hodan Ali"
check_rc 0 "compact: the store is writable afterwards"
run dg --dir "$D" verify
check_out "ok: 9 entries checked, no problems" "compact: the next entry chains on"

finish
