#!/bin/sh
# t_privacy.sh - personal data is never on disk in clear text, erase
# removes it for real, exports are readable by the owner only.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
D=$TMP/node
new_node "$D" "Støttegruppe for pårørende" || { echo "FAIL cannot make a node"; exit 1; }

json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
added_id() { awk '$1 == "added" { print $3 }' "$OUT"; }

# The strings that must never be found in the data directory, as typed and
# as search would fold them.
SECRETS="Zyxwvutsrq
Secretname
zyxwvutsrq
secretname
ZYXWVUTSRQ
+47 987 65 432
987 65 432
98765432
zyx.secret@example.org
zyx.secret
Qwertzuiop
Sykehusveien
Støttegruppe for pårørende
$DUGNAD_PASSPHRASE"

# clean WHEN: grep -c finds none of the secrets in any file of the data dir.
clean() {
	found=""
	for f in "$D"/*; do
		[ -f "$f" ] || continue
		while IFS= read -r s; do
			n=$(grep -c -a -F -- "$s" "$f")
			[ "$n" -eq 0 ] || found="$found $(basename "$f"):'$s'"
		done <<EOF
$SECRETS
EOF
	done
	RC=0
	: >"$OUT"
	printf 'found:%s\n' "$found" >"$ERR"
	check "$1: no personal data in clear text in the data dir" test -z "$found"
}

run dg --dir "$D" add contact name="Zyxwvutsrq Secretname" phone="+47 987 65 432" \
	email=zyx.secret@example.org note="Qwertzuiop" area="Sykehusveien"
check_rc 0 "add the secret contact: exit 0"
SECRET=$(added_id)
run dg --dir "$D" add contact name="Hodan Ali" phone="22 33 44 55"
OTHER=$(added_id)
check "the data dir holds files to search" test -f "$D/data.mdb" -a -f "$D/lock.mdb"
clean "after add"

run dg --dir "$D" search zyxwvutsrq
check_out "$SECRET" "search finds the contact (the store can read it)"
run dg --dir "$D" edit "$SECRET" note="Qwertzuiop igjen"
run dg --dir "$D" reindex
clean "after edit, search and reindex"

# --- exports are for the owner only -------------------------------------
umask 022
for f in ics vcf json; do
	run dg --dir "$D" export --format $f -o "$TMP/export.$f"
	check_rc 0 "export $f -o: exit 0"
	check "export $f -o: mode 0600 (umask 022)" \
		test "$(ls -l "$TMP/export.$f" | cut -c1-10)" = "-rw-------"
done
run dg --dir "$D" export --format csv contacts -o "$TMP/export.csv"
check "export csv -o: mode 0600 (umask 022)" \
	test "$(ls -l "$TMP/export.csv" | cut -c1-10)" = "-rw-------"
check "export csv -o: holds the contact" grep -q "Zyxwvutsrq Secretname" "$TMP/export.csv"
check "exports leave no file in the data dir" \
	test "$(ls "$D" | grep -v -c -x -e data.mdb -e lock.mdb -e lock)" -eq 0

# --- erase + compact --------------------------------------------------------
run dg --dir "$D" erase "$SECRET"
check_rc 0 "erase: exit 0"
check_out "compact" "erase: says to run compact"
run dg --dir "$D" compact
check_rc 0 "compact: exit 0"
clean "after erase and compact"

run dg --dir "$D" list --all
check_no_out "$SECRET" "after erase: not in list --all"
check_no_out "Zyxwvutsrq" "after erase: no name in list --all"
check_out "$OTHER" "after erase: the other contact stays"
run dg --dir "$D" --json list --all
check "after erase: --json list --all has only the other contact" \
	json_ok "$OUT" "[r['name'] for r in d] == ['Hodan Ali']"
for q in zyxwvutsrq secretname 98765432 zyx.secret qwertzuiop; do
	run dg --dir "$D" search "$q"
	check_out "no records" "after erase: search '$q' finds nothing"
done
run dg --dir "$D" show "$SECRET"
check_rc 0 "after erase: show exit 0"
check_out "erased" "after erase: show says erased"
check_no_out "Zyxwvutsrq" "after erase: show has no name"
check_no_out "987" "after erase: show has no phone"
run dg --dir "$D" --json show "$SECRET"
check "after erase: --json show says erased, with no fields" \
	json_ok "$OUT" "d.get('erased') is True and not ({'name', 'phone', 'email', 'note', 'area'} & set(d))"
check "after erase: --json show has no made-up type" \
	json_ok "$OUT" "d.get('type') in (None, 'contact')"
run dg --dir "$D" history "$SECRET"
check_rc 0 "after erase: history exit 0"
check_out "erase" "after erase: history shows the erase"
check_no_out "Zyxwvutsrq" "after erase: history has no name"
check_no_out "Qwertzuiop" "after erase: history has no old note"
run dg --dir "$D" --json history "$SECRET"
check "after erase: --json history has no values" \
	json_ok "$OUT" "len(d) == 3 and not any('set' in e for e in d)"
run dg --dir "$D" edit "$SECRET" name="Zyxwvutsrq Secretname"
check_rc 65 "after erase: the record cannot be edited back"
for f in ics vcf json; do
	run dg --dir "$D" export --format $f
	check_no_out "Zyxwvutsrq" "after erase: export $f has no name"
done
run dg --dir "$D" export --format csv contacts
check_no_out "Zyxwvutsrq" "after erase: export csv has no name"
run dg --dir "$D" log
check "after erase: the contact's two record bodies are dropped" \
	test "$(grep -c ' dropped$' "$OUT")" -eq 2
run dg --dir "$D" verify
check_rc 0 "after erase and compact: verify exit 0"
check_out "no problems" "after erase and compact: verify ok"
run dg --dir "$D" reindex
run dg --dir "$D" search zyxwvutsrq
check_out "no records" "after erase and reindex: still gone"
clean "after erase, compact and reindex"

finish
