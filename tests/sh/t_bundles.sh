#!/bin/sh
# t_bundles.sh - bundle files: outsiders learn nothing from them, damaged
# files are refused whole, and a forked log is caught.
. "$(dirname "$0")/lib.sh"

# Inverts the byte at offset $2 of file $1 (always a change, unlike
# writing a fixed byte that may already be there).
flip_byte() {
	b=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	printf "\\$(printf %o $((b ^ 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

cd "$TMP" || exit 1

json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
added_id() { awk '$1 == "added" { print $3 }' "$OUT"; }
node_id() { dg --dir "$1" id | sed -n 's/^node id: *//p'; }
json_code() { python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["code"])' "$OUT" 2>/dev/null; }
names() { python3 -c 'import json, sys
print(",".join(sorted(r.get("name") or r.get("title") or "" for r in json.load(open(sys.argv[1])))))' "$OUT" 2>/dev/null; }
count_in() { grep -c -a -F -- "$1" "$2"; }
differ() { ! cmp -s "$1" "$2"; }

A=$TMP/A
B=$TMP/B
new_node "$A" "Mødregruppa" || { echo "FAIL cannot make a node"; exit 1; }
dg --dir "$A" add contact name="Amina Warsame" phone="+47 912 34 567" \
	email=amina.w@example.org >/dev/null 2>&1
dg --dir "$A" add meeting title="Kvinnegruppa Tøyen" starts=2026-12-04T18:00 \
	repeat=weekly >/dev/null 2>&1

# B joins with a pre-approved invite.
run dg --dir "$A" --json invite --approved
CODE=$(json_code)
dg --dir "$B" init >/dev/null 2>&1
BID=$(node_id "$B")
dg --dir "$B" join "$CODE" --name Bente >/dev/null 2>&1
run dg --dir "$B" bundle export req-b.dugnad
check_rc 0 "setup: join request exported"
run dg --dir "$A" bundle import req-b.dugnad
check_rc 0 "setup: pre-approved request admitted"
run dg --dir "$A" bundle export w-b.dugnad --for "$BID"
run dg --dir "$B" bundle import w-b.dugnad
check_rc 0 "setup: B joined"
run dg --dir "$A" bundle export a1.dugnad
check_rc 0 "setup: network bundle written"

# --- the files leak nothing -----------------------------------------------
for f in a1.dugnad w-b.dugnad; do
	for s in "Amina" "Warsame" "912 34 567" "amina.w@example.org" \
		"Kvinnegruppa" "Mødregruppa"; do
		check "$f: '$s' is not in the file" test "$(count_in "$s" "$f")" -eq 0
	done
done
check "req-b.dugnad: the name is not in the file" \
	test "$(count_in Bente req-b.dugnad)" -eq 0

# === 4. Non-members learn nothing ============================================
# D: an identity and no network.  E: a node of another network.
D=$TMP/D
E=$TMP/E
dg --dir "$D" init >/dev/null 2>&1
DID=$(node_id "$D")
new_node "$E" "Another network"
EID=$(node_id "$E")
dg --dir "$E" add contact name="Eva Other" >/dev/null 2>&1

refused_for() { # dir, file, label
	rf_before=$(store_sum "$1")
	run dg --dir "$1" bundle import "$2"
	check_rc 65 "$3 imports $2: exit 65"
	check_err "not for this node" "$3 imports $2: 'not for this node'"
	check_err "nothing was imported" "$3 imports $2: nothing was imported"
	check "$3 imports $2: store unchanged" test "$(store_sum "$1")" = "$rf_before"
}
for f in a1.dugnad w-b.dugnad req-b.dugnad; do
	refused_for "$D" "$f" "a node without a network"
	refused_for "$E" "$f" "a node of another network"
done
run dg --dir "$E" --json list
check "a node of another network: lists only its own record" \
	test "$(names)" = "Eva Other"

# A bundle sealed to a node of another network (its full id): it opens,
# but nothing of the other network is taken.
run dg --dir "$A" bundle export w-e.dugnad --for "$EID"
check_rc 0 "export --for a node of another network: exit 0"
before=$(store_sum "$E")
run dg --dir "$E" bundle import w-e.dugnad
check_rc 65 "a node of another network imports a bundle made for it: exit 65"
check_err "another network" "... says it belongs to another network"
check "... store unchanged" test "$(store_sum "$E")" = "$before"
run dg --dir "$E" --json members
check "... its members are unchanged (only itself)" \
	json_ok "$OUT" "[m['id'] for m in d] == ['$EID']"

# A bundle sealed to a node with no network and no join.
run dg --dir "$A" bundle export w-d.dugnad --for "$DID"
before=$(store_sum "$D")
run dg --dir "$D" bundle import w-d.dugnad
check "a node without a network imports a bundle made for it: refused" \
	test "$RC" -ne 0
check_err "no network" "... says the node is in no network"
check "... store unchanged" test "$(store_sum "$D")" = "$before"
run dg --dir "$D" list
check "... still no network" test "$RC" -eq 78

# A node that asked to join but was not admitted.
run dg --dir "$A" --json invite
N=$TMP/N
dg --dir "$N" init >/dev/null 2>&1
dg --dir "$N" join "$(json_code)" --name Nadia >/dev/null 2>&1
NID=$(node_id "$N")
refused_for "$N" a1.dugnad "a node not yet admitted"
run dg --dir "$A" bundle export w-n.dugnad --for "$NID"
before=$(store_sum "$N")
run dg --dir "$N" bundle import w-n.dugnad
check_rc 65 "a node not yet admitted imports a bundle made for it: exit 65"
check "... store unchanged" test "$(store_sum "$N")" = "$before"
run dg --dir "$N" list
check "... still no network" test "$RC" -eq 78

# A member given a bundle of another network.
run dg --dir "$E" bundle export e1.dugnad
refused_for "$B" e1.dugnad "a member of the first network"
run dg --dir "$E" bundle export e-b.dugnad --for "$BID"
before=$(store_sum "$B")
run dg --dir "$B" bundle import e-b.dugnad
check_rc 65 "a member imports another network's bundle made for it: exit 65"
check_err "another network" "... says another network"
check "... store unchanged" test "$(store_sum "$B")" = "$before"

# === 5. Damaged files ==========================================================
damaged() { # file, label, word the message must contain
	dm_before=$(store_sum "$B")
	run dg --dir "$B" bundle import "$1"
	check_rc 65 "$2: exit 65"
	check_err "$3" "$2: says '$3'"
	check_err "nothing was imported" "$2: says nothing was imported"
	check "$2: store unchanged" test "$(store_sum "$B")" = "$dm_before"
}
# B holds everything in a1 already; give it something new to refuse.
dg --dir "$A" add referral name="Krisesenteret" category=violence >/dev/null 2>&1
run dg --dir "$A" bundle export a1.dugnad
size=$(wc -c <a1.dugnad)
head -c $((size - 20)) a1.dugnad >cut.dugnad
head -c $((size / 2)) a1.dugnad >half.dugnad
cp a1.dugnad flip.dugnad
flip_byte flip.dugnad $((size / 2))
cp a1.dugnad flip-last.dugnad
printf '\000' | dd of=flip-last.dugnad bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null
cp a1.dugnad tail-zero.dugnad
printf '\000\000\000\000\000\000' >>tail-zero.dugnad
cp a1.dugnad tail-text.dugnad
printf 'garbage\n' >>tail-text.dugnad
cat a1.dugnad a1.dugnad >twice.dugnad
head -c 30 a1.dugnad >cut-preamble.dugnad
echo "This is a text file, not a bundle." >text.dugnad
: >empty.dugnad
check "the tampered file differs from the original" differ a1.dugnad flip.dugnad

damaged cut.dugnad "a bundle cut 20 bytes short" "damaged"
damaged half.dugnad "a bundle cut in half" "damaged"
damaged cut-preamble.dugnad "a bundle cut inside its preamble" "damaged"
damaged flip.dugnad "a bundle with a byte changed in the middle" "altered"
damaged flip-last.dugnad "a bundle with a byte changed in its last chunk" "altered"
damaged tail-zero.dugnad "a bundle with zero bytes appended" "damaged"
damaged tail-text.dugnad "a bundle with text appended" "damaged"
damaged twice.dugnad "a bundle written twice into one file" "damaged"
damaged text.dugnad "a text file" "not a complete dugnad bundle"
damaged empty.dugnad "an empty file" "not a complete dugnad bundle"
run dg --dir "$B" bundle import "$TMP/no-such.dugnad"
check_rc 66 "a missing file: exit 66"
run dg --dir "$B" --json list
check "after the damaged files: the new referral was not taken" \
	test "$(names)" = "Amina Warsame,Kvinnegruppa Tøyen"
run dg --dir "$B" bundle import a1.dugnad
check_rc 0 "the undamaged bundle still imports: exit 0"
run dg --dir "$B" --json list
check "the undamaged bundle: the new referral is listed" \
	json_ok "$OUT" "any(r.get('name') == 'Krisesenteret' for r in d)"

# A damaged join request.
dg --dir "$A" --json invite --approved >"$OUT" 2>/dev/null
R=$TMP/R
dg --dir "$R" init >/dev/null 2>&1
dg --dir "$R" join "$(json_code)" --name Rahel >/dev/null 2>&1
dg --dir "$R" bundle export req-r.dugnad >/dev/null 2>&1
size=$(wc -c <req-r.dugnad)
cp req-r.dugnad req-flip.dugnad
flip_byte req-flip.dugnad $((size / 2))
head -c $((size - 5)) req-r.dugnad >req-cut.dugnad
for f in req-flip.dugnad req-cut.dugnad; do
	before=$(store_sum "$A")
	run dg --dir "$A" bundle import "$f"
	check_rc 65 "a damaged join request ($f): exit 65"
	check "a damaged join request ($f): store unchanged" \
		test "$(store_sum "$A")" = "$before"
done
run dg --dir "$A" --json members
check "a damaged join request: nobody admitted" \
	json_ok "$OUT" "'$(node_id "$R")' not in [m['id'] for m in d]"

# === 8. Forks ================================================================
cp -r "$B" "$TMP/B2"
run dg --dir "$B" add contact name="Fork One"
ONE=$(added_id)
run dg --dir "$TMP/B2" add contact name="Fork Two"
TWO=$(added_id)
run dg --dir "$B" bundle export f1.dugnad
run dg --dir "$TMP/B2" bundle export f2.dugnad
run dg --dir "$A" bundle import f1.dugnad
check_rc 0 "fork: the first branch imports: exit 0"
check_out "imported 1 new entry " "fork: the first branch: one new entry"
run dg --dir "$A" bundle import f2.dugnad
check_rc 65 "fork: the second branch: exit 65"
check_err "fork" "fork: the message says fork"
run dg --dir "$A" --json bundle import f2.dugnad
check "fork: --json report counts the fork" \
	json_ok "$OUT" "d['forks'] >= 1 and d['entries'] == 0"
run dg --dir "$A" --json list
check "fork: only the first branch's record is listed" \
	test "$(names)" = "Amina Warsame,Fork One,Krisesenteret,Kvinnegruppa Tøyen"
run dg --dir "$A" show "$TWO"
check "fork: the second branch's record cannot be shown" test "$RC" -ne 0
run dg --dir "$A" verify
check_rc 0 "fork: verify on A exit 0"
check_out "no problems" "fork: verify on A finds no problems"
# The author is not followed past the fork.
run dg --dir "$B" add contact name="After Fork"
run dg --dir "$B" bundle export f3.dugnad
run dg --dir "$A" bundle import f3.dugnad
check_rc 65 "fork: later entries of the forked author: exit 65"
check_err "fork" "fork: later entries: the message says fork"
run dg --dir "$A" --json list
check "fork: later entries are not listed" \
	json_ok "$OUT" "not any(r.get('name') == 'After Fork' for r in d)"
run dg --dir "$A" reindex
run dg --dir "$A" --json list
check "fork: after reindex, still only the first branch" \
	test "$(names)" = "Amina Warsame,Fork One,Krisesenteret,Kvinnegruppa Tøyen"
run dg --dir "$A" show "$ONE"
check_rc 0 "fork: the first branch's record shows"

finish
