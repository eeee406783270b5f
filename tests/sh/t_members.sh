#!/bin/sh
# t_members.sh - membership carried by bundle files: pre-approved and
# hand-approved joins, deny, revocation and key rotation, invite codes
# (used up, unknown, mistyped), coordinator-only commands, and two
# coordinators revoking each other concurrently.
. "$(dirname "$0")/lib.sh"

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
# The names in a --json list, sorted.
names() { python3 -c 'import json, sys
print(",".join(sorted(r.get("name") or r.get("title") or "" for r in json.load(open(sys.argv[1])))))' "$OUT" 2>/dev/null; }
# A node with an identity only.
bare_node() { dg --dir "$1" init >/dev/null 2>&1; }
# A node that asked to join with CODE under NAME, and its request file.
joining_node() { # dir code name file
	bare_node "$1" &&
		dg --dir "$1" join "$2" --name "$3" >/dev/null 2>&1 &&
		dg --dir "$1" bundle export "$4" >/dev/null 2>&1
}
# Counts occurrences of a text in a file, binary or not.
count_in() { grep -c -a -F -- "$1" "$2"; }

A=$TMP/A
B=$TMP/B
C=$TMP/C
new_node "$A" "IKKG Oslo" || { echo "FAIL cannot make a node"; exit 1; }
AID=$(node_id "$A")

# === 1. A pre-approved join, by bundles only ===============================
run dg --dir "$A" --json invite --approved
check_rc 0 "invite --approved: exit 0"
check "--json invite --approved: a code, volunteer, approved, one use" \
	json_ok "$OUT" "len(d['code']) == 48 and d['role'] == 'volunteer' and d['approved'] is True and d['uses'] == 1"
CODE_B=$(json_code)
run dg --dir "$A" add contact name="Amina Warsame" phone="+47 912 34 567"
AMINA=$(added_id)
run dg --dir "$A" add meeting title=Kvinnegruppa starts=2026-12-04T18:00 repeat=weekly

bare_node "$B" || { echo "FAIL cannot make node B"; exit 1; }
BID=$(node_id "$B")
run dg --dir "$B" members
check_rc 78 "members before joining: exit 78"
check_err "no network" "members before joining: says there is no network"
run dg --dir "$B" join "$CODE_B" --name Bente
check_rc 0 "join CODE --name: exit 0"
check_out "bundle export" "join: says to export the request"
run dg --dir "$B" bundle export req-b.dugnad
check_rc 0 "bundle export of a join request: exit 0"
check_out "join request" "bundle export of a join request: says so"
check "the join request file does not show the name" \
	test "$(count_in Bente req-b.dugnad)" -eq 0

run dg --dir "$A" bundle import req-b.dugnad
check_rc 0 "coordinator imports a pre-approved request: exit 0"
check_out "1 newcomer admitted" "pre-approved request: admitted at once"
run dg --dir "$A" --json requests
check "pre-approved request: nothing left waiting" json_ok "$OUT" "d == []"
run dg --dir "$A" --json members
check "pre-approved request: Bente is an active volunteer, admitted by A" \
	json_ok "$OUT" "[(m['name'], m['role'], m['status'], m['admitted_by']) for m in d if m['id'] == '$BID'] == [('Bente', 'volunteer', 'active', '$AID')]"

run dg --dir "$A" bundle export w-b.dugnad --for "$BID"
check_rc 0 "bundle export --for a newcomer's full id: exit 0"
check_out "for that member only" "bundle export --for: says for whom"
check "the welcome bundle does not show a contact's name" \
	test "$(count_in Amina w-b.dugnad)" -eq 0
run dg --dir "$B" bundle import w-b.dugnad
check_rc 0 "newcomer imports its welcome bundle: exit 0"
check_out "joined the network" "welcome bundle: says the node joined"
run dg --dir "$B" network
check_out "IKKG Oslo" "newcomer: knows the network's name"
run dg --dir "$B" --json list
check "newcomer: sees the founder's records" \
	test "$(names)" = "Amina Warsame,Kvinnegruppa"
run dg --dir "$B" show "$AMINA"
check_rc 0 "newcomer: shows the founder's record by id"
check_out "+47 912 34 567" "newcomer: the record's fields are readable"
run dg --dir "$B" --json members
cp "$OUT" "$TMP/members-b"
check "newcomer: members shows the founder and itself, both active" \
	json_ok "$OUT" "sorted((m['id'], m['role'], m['status']) for m in d) == sorted([('$AID', 'coordinator', 'active'), ('$BID', 'volunteer', 'active')])"
run dg --dir "$A" --json members
check "newcomer and founder: the same --json members" \
	cmp -s "$OUT" "$TMP/members-b"
run dg --dir "$B" verify
check_rc 0 "newcomer: verify passes"

run dg --dir "$B" add contact name="Hodan Ali" phone="22 33 44 55"
check_rc 0 "newcomer adds a record: exit 0"
HODAN=$(added_id)
run dg --dir "$B" bundle export b1.dugnad
check_rc 0 "member's bundle export (network key): exit 0"
check_out "for the network's members" "member's bundle: sealed for the members"
run dg --dir "$A" bundle import b1.dugnad
check_rc 0 "founder imports the member's bundle: exit 0"
check_out "imported 1 new entry " "founder: one new entry"
run dg --dir "$A" --json list
check "founder: lists the member's record" \
	test "$(names)" = "Amina Warsame,Hodan Ali,Kvinnegruppa"
run dg --dir "$A" show "$HODAN"
check_rc 0 "founder: shows the member's record by id"
run dg --dir "$A" bundle import b1.dugnad
check_rc 0 "importing the same bundle again: exit 0"
check_out "imported 0 new entries" "importing the same bundle again: nothing new"

# === 6a. A volunteer cannot run the coordinators' commands ==================
bare_node "$TMP/F" || { echo "FAIL cannot make node F"; exit 1; }
FID=$(node_id "$TMP/F")
before=$(store_sum "$B")
run dg --dir "$B" invite
check_rc 77 "volunteer: invite exit 77"
check_err "only a coordinator" "volunteer: invite says only a coordinator"
run dg --dir "$B" approve "$FID" --name Frida
check_rc 77 "volunteer: approve exit 77"
check_err "only a coordinator" "volunteer: approve says only a coordinator"
run dg --dir "$B" revoke "$AID" --reason test
check_rc 77 "volunteer: revoke exit 77"
check_err "only a coordinator" "volunteer: revoke says only a coordinator"
check "volunteer: the refused commands changed nothing" \
	test "$(store_sum "$B")" = "$before"

# === 2. A join approved by hand ==============================================
run dg --dir "$A" --json invite --role coordinator
check_rc 0 "invite --role coordinator: exit 0"
check "--json invite: not approved, role coordinator" \
	json_ok "$OUT" "d['approved'] is False and d['role'] == 'coordinator'"
CODE_C=$(json_code)
joining_node "$C" "$CODE_C" Cecilie req-c.dugnad ||
	{ echo "FAIL cannot make node C"; exit 1; }
CID=$(node_id "$C")
run dg --dir "$A" bundle import req-c.dugnad
check_rc 0 "import of a request (invite not approved): exit 0"
check_out "1 join request waiting" "request: waits for a coordinator"
run dg --dir "$A" requests
check_rc 0 "requests: exit 0"
check_out "Cecilie" "requests: lists the newcomer's name"
check_out "$(printf %.10s "$CID")" "requests: lists the newcomer's short id"
run dg --dir "$A" --json requests
check "--json requests: the newcomer's full id and name" \
	json_ok "$OUT" "[(r['id'], r['name']) for r in d] == [('$CID', 'Cecilie')] and isinstance(d[0]['received'], int)"
run dg --dir "$A" --json members
check "a waiting request is not a member" \
	json_ok "$OUT" "'$CID' not in [m['id'] for m in d]"

run dg --dir "$A" --json invite
CODE_E=$(json_code)
joining_node "$TMP/E" "$CODE_E" Eirik req-e.dugnad ||
	{ echo "FAIL cannot make node E"; exit 1; }
EID=$(node_id "$TMP/E")
run dg --dir "$A" bundle import req-e.dugnad
run dg --dir "$A" --json requests
check "two requests waiting" \
	json_ok "$OUT" "sorted(r['name'] for r in d) == ['Cecilie', 'Eirik']"
run dg --dir "$A" deny "$(printf %.8s "$EID")"
check_rc 0 "deny ID (a prefix): exit 0"
check_out "Eirik" "deny: names who was denied"
run dg --dir "$A" --json requests
check "deny: the request is gone, the other stays" \
	json_ok "$OUT" "[r['name'] for r in d] == ['Cecilie']"
run dg --dir "$A" deny "$(printf %.8s "$EID")"
check_rc 65 "deny again: exit 65"
check_err "no join request matches" "deny again: no such request"
run dg --dir "$A" approve "$(printf %.8s "$EID")"
check_rc 65 "approve a denied request by prefix: exit 65"

run dg --dir "$A" approve "$(printf %.8s "$CID")"
check_rc 0 "approve ID (a prefix, no terminal): exit 0"
check_out "as coordinator" "approve: the invite's role"
check_out "Safety number" "approve: shows the safety number"
run dg --dir "$A" --json members
check "approve: the newcomer is an active coordinator named as requested" \
	json_ok "$OUT" "[(m['name'], m['role'], m['status']) for m in d if m['id'] == '$CID'] == [('Cecilie', 'coordinator', 'active')]"
check "deny: the denied node is not a member" \
	json_ok "$OUT" "'$EID' not in [m['id'] for m in d]"
run dg --dir "$A" --json requests
check "approve: nothing waiting any more" json_ok "$OUT" "d == []"
run dg --dir "$A" bundle export w-c.dugnad --for "$(printf %.8s "$CID")"
check_rc 0 "bundle export --for a member's id prefix: exit 0"
run dg --dir "$C" bundle import w-c.dugnad
check_rc 0 "approved newcomer imports its welcome bundle: exit 0"
check_out "joined the network" "approved newcomer: joined"
run dg --dir "$C" --json members
check "approved newcomer: sees itself as a coordinator" \
	json_ok "$OUT" "[(m['role'], m['status']) for m in d if m['id'] == '$CID'] == [('coordinator', 'active')]"
run dg --dir "$C" --json invite
check_rc 0 "approved coordinator: may make invites"

# The manual path: the newcomer sends its full node id (as 'dugnad init'
# suggests), the coordinator approves it with a name.
run dg --dir "$A" approve "$FID"
check_rc 64 "approve a full id without --name: exit 64"
check_err "--name" "approve a full id without --name: asks for the name"
run dg --dir "$A" approve "$FID" --name Frida
check_rc 0 "approve a full node id --name (no request): exit 0"
run dg --dir "$A" --json members
check "manual approval: Frida is an active volunteer" \
	json_ok "$OUT" "[(m['name'], m['role'], m['status']) for m in d if m['id'] == '$FID'] == [('Frida', 'volunteer', 'active')]"
run dg --dir "$A" approve "$FID" --name Frida
check_rc 65 "approve a member again: exit 65"
check_err "already a member" "approve a member again: says so"
run dg --dir "$A" bundle export w-f.dugnad --for "$FID"
check_rc 0 "manual approval: bundle export --for the new member"
run dg --dir "$TMP/F" bundle import w-f.dugnad
check_rc 0 "manual approval without 'join': the welcome bundle made --for it lets it in"
# ... and with a pending 'join' (code typed, request not sent) it does.
run dg --dir "$A" --json invite
CODE_G=$(json_code)
G=$TMP/G
bare_node "$G"
run dg --dir "$G" join "$CODE_G" --name Gro
GID=$(node_id "$G")
run dg --dir "$A" approve "$GID" --name Gro
check_rc 0 "manual approval of a joining node: exit 0"
run dg --dir "$A" bundle export w-g.dugnad --for "$GID"
run dg --dir "$G" bundle import w-g.dugnad
check_rc 0 "manual approval of a joining node: its welcome import exit 0"
check_out "joined the network" "manual approval of a joining node: joined"

# === 3. Revocation ===========================================================
run dg --dir "$A" revoke "$(printf %.8s "$BID")" --reason "lost laptop"
check_rc 0 "revoke ID --reason: exit 0"
check_out "Revoked" "revoke: says so"
run dg --dir "$A" --json members
check "revoke: --json members shows Bente revoked" \
	json_ok "$OUT" "[m['status'] for m in d if m['id'] == '$BID'] == ['revoked']"
run dg --dir "$A" members
check_out "revoked" "revoke: members shows 'revoked'"
run dg --dir "$A" revoke "$(printf %.8s "$BID")"
check_rc 65 "revoke twice: exit 65"
check_err "already revoked" "revoke twice: says already revoked"
run dg --dir "$A" revoke "$AID"
check_rc 64 "revoke yourself: exit 64"
run dg --dir "$A" approve "$BID" --name Bente
check "approve a revoked node: refused" test "$RC" -ne 0
check_err "revoked" "approve a revoked node: the message says it was revoked"
check "approve a revoked node: not 'only a coordinator' (A is one)" \
	test "$(grep -c 'only a coordinator' "$ERR")" -eq 0

run dg --dir "$A" add contact name="Fatima Secretsen" phone="+47 400 00 001"
check_rc 0 "record written after the revocation: exit 0"
FATIMA=$(added_id)
run dg --dir "$A" bundle export a2.dugnad
check_rc 0 "bundle export after the revocation: exit 0"
check "the bundle does not show the new record's name" \
	test "$(count_in Fatima a2.dugnad)" -eq 0

# The revoked node cannot open the network bundle made with the new keys.
before=$(store_sum "$B")
run dg --dir "$B" bundle import a2.dugnad
check_rc 65 "revoked node imports a bundle of the new keys: exit 65"
check_err "not for this node" "revoked node: told the bundle is not for it"
check "revoked node: the refused bundle changed nothing" \
	test "$(store_sum "$B")" = "$before"
run dg --dir "$B" --json list
check "revoked node: does not list the record written after its revocation" \
	json_ok "$OUT" "not any(r.get('name', '').startswith('Fatima') for r in d)"

# A remaining member who has not seen the revocation yet gets the new keys
# from the bundle the revoke message tells the coordinator to share.
cp -r "$C" "$TMP/C2"
run dg --dir "$C" bundle import a2.dugnad
check_rc 0 "remaining member imports the 'bundle export FILE' made after a revocation"
run dg --dir "$C" --json list
check "remaining member: reads the record written after the revocation" \
	json_ok "$OUT" "any(r.get('name') == 'Fatima Secretsen' for r in d)"
# ... and with a bundle made --for it.
run dg --dir "$A" bundle export a2-c.dugnad --for "$(printf %.8s "$CID")"
run dg --dir "$TMP/C2" bundle import a2-c.dugnad
check_rc 0 "remaining member imports a bundle --for it: exit 0"
run dg --dir "$TMP/C2" --json list
check "remaining member (--for): reads the record written after the revocation" \
	json_ok "$OUT" "any(r.get('name') == 'Fatima Secretsen' for r in d)"
run dg --dir "$TMP/C2" --json members
check "remaining member: sees Bente revoked" \
	json_ok "$OUT" "[m['status'] for m in d if m['id'] == '$BID'] == ['revoked']"

# The revoked node, still believing it is a member, writes and exports.
run dg --dir "$B" add contact name="Bente Late" phone="99 88 77 66"
LATE=$(added_id)
run dg --dir "$B" bundle export b2.dugnad
check_rc 0 "revoked node (not told yet): bundle export exit 0"
before=$(store_sum "$A")
run dg --dir "$A" bundle import b2.dugnad
check_rc 65 "entries written after a revocation: exit 65"
check_err "revocation" "entries written after a revocation: stderr names the revocation"
check_err "1 entry was refused" "entries written after a revocation: counted"
LANG=nb_NO.UTF-8 run dg --dir "$A" bundle import b2.dugnad
check_rc 65 "the same in Norwegian: exit 65"
check_err "1 oppføring ble avvist: oppføringer skrevet etter at forfatteren ble tilbakekalt, ble avvist (node " \
	"the same in Norwegian: the count and the reason translated"
run dg --dir "$A" --json list
check "the refused record is not listed" \
	json_ok "$OUT" "not any(r.get('name') == 'Bente Late' for r in d)"
run dg --dir "$A" search "Bente Late"
check_no_out "Bente Late" "the refused record is not found by search"
run dg --dir "$A" show "$LATE"
check "the refused record cannot be shown" test "$RC" -ne 0
run dg --dir "$A" --json log --author "$BID"
check "the revoked node's log stops at its cut-off (one entry)" \
	json_ok "$OUT" "[e['seq'] for e in d] == [1]"
run dg --dir "$A" --json members
check "after the refused import: Bente still revoked" \
	json_ok "$OUT" "[m['status'] for m in d if m['id'] == '$BID'] == ['revoked']"
run dg --dir "$A" show "$HODAN"
check_rc 0 "the revoked node's entries before its cut-off stay"
run dg --dir "$A" verify
check_rc 0 "verify after the refused import: exit 0"

# No bundle is made for a revoked volunteer: a former member learns
# nothing more, not even who wrote what after its revocation.
before=$(store_sum "$A")
run dg --dir "$A" bundle export a2-b.dugnad --for "$BID"
check_rc 77 "bundle --for a revoked volunteer: refused (exit 77)"
check_err "revoked" "... the message says the member was revoked"
check "... no file was written" test ! -e a2-b.dugnad
run dg --dir "$B" search Fatima
check_no_out "Fatima" "revoked node: search does not find the later record"

# === 6b. Invite codes =========================================================
run dg --dir "$A" --json invite --approved --uses 1
CODE_H=$(json_code)
joining_node "$TMP/H" "$CODE_H" Halima req-h.dugnad
HID=$(node_id "$TMP/H")
joining_node "$TMP/I" "$CODE_H" Ingrid req-i.dugnad
IID=$(node_id "$TMP/I")
run dg --dir "$A" bundle import req-h.dugnad
check_rc 0 "--uses 1, first use: exit 0"
check_out "1 newcomer admitted" "--uses 1, first use: admitted"
run dg --dir "$A" bundle import req-i.dugnad
check_rc 65 "--uses 1, second use: exit 65"
check_err "already used" "--uses 1, second use: says the invite was used"
run dg --dir "$A" --json members
check "--uses 1: the second node is not a member" \
	json_ok "$OUT" "'$HID' in [m['id'] for m in d] and '$IID' not in [m['id'] for m in d]"
run dg --dir "$A" --json requests
check "--uses 1: the second request is not kept waiting" \
	json_ok "$OUT" "'$IID' not in [r['id'] for r in d]"

# A code with the network's tag and a valid checksum that no invite made.
UNKNOWN=$(python3 - "$CODE_H" <<'EOF'
import base64, hashlib, os, sys
raw = base64.b32decode(sys.argv[1].replace('-', '').upper() + '=' * 6)
body = raw[:8] + os.urandom(16)
ck = hashlib.blake2b(body, digest_size=32, key=b'dugnad invite').digest()[:2]
s = base64.b32encode(body + ck).decode().rstrip('=').lower()
print('-'.join(s[i:i + 6] for i in range(0, 42, 6)))
EOF
)
joining_node "$TMP/J" "$UNKNOWN" Jamila req-j.dugnad ||
	echo "note: could not make a request with an unknown code"
before=$(store_sum "$A")
run dg --dir "$A" bundle import req-j.dugnad
check_rc 65 "request with an unknown code: exit 65"
check_err "nothing was imported" "request with an unknown code: refused"
check "request with an unknown code: store unchanged" \
	test "$(store_sum "$A")" = "$before"

# A code of another network.
X=$TMP/X
new_node "$X" "Another network"
run dg --dir "$X" --json invite
joining_node "$TMP/K" "$(json_code)" Kari req-k.dugnad
run dg --dir "$A" bundle import req-k.dugnad
check_rc 65 "request made with another network's code: exit 65"
check_err "another network" "request made with another network's code: says so"
check "request made with another network's code: store unchanged" \
	test "$(store_sum "$A")" = "$before"

# Typing errors are caught at 'join'.
run dg --dir "$A" --json invite
CODE_L=$(json_code)
BAD=$(python3 -c 'import sys
c = sys.argv[1]
i = 9 if c[9] != "-" else 10
print(c[:i] + ("b" if c[i] != "b" else "c") + c[i + 1:])' "$CODE_L")
bare_node "$TMP/L"
before=$(store_sum "$TMP/L")
run dg --dir "$TMP/L" join "$BAD" --name Lina
check_rc 65 "join with a mistyped code: exit 65"
check_err "typing error" "join with a mistyped code: says typing error"
check "join with a mistyped code: store unchanged" \
	test "$(store_sum "$TMP/L")" = "$before"
run dg --dir "$TMP/L" join "hello world" --name Lina
check_rc 65 "join with something that is not a code: exit 65"
check_err "not an invite code" "join with a non-code: says so"
run dg --dir "$TMP/L" join "$(printf %s "$CODE_L" | tr "[:lower:]" "[:upper:]" | tr -d -)" --name Lina
check_rc 0 "join accepts the code in capitals without dashes"
run dg --dir "$B" join "$CODE_L" --name Bente
check_rc 73 "join on a node already in a network: exit 73"
check_err "already belongs" "join on a node already in a network: says so"

# === 7. Two coordinators revoke each other concurrently =======================
P=$TMP/P
Q=$TMP/Q
new_node "$P" "Konflikt"
PID=$(node_id "$P")
run dg --dir "$P" --json invite --approved
joining_node "$Q" "$(json_code)" Qamar req-q.dugnad
QID=$(node_id "$Q")
run dg --dir "$P" bundle import req-q.dugnad
run dg --dir "$P" approve "$QID" --role coordinator --name Qamar
check_rc 0 "founder makes a member a coordinator: exit 0"
check_out "as coordinator" "founder makes a member a coordinator: says so"
run dg --dir "$P" bundle export p1.dugnad --for "$QID"
run dg --dir "$Q" bundle import p1.dugnad
check_rc 0 "new coordinator imports the founder's bundle"
run dg --dir "$Q" add referral name=Legevakt category=health
run dg --dir "$Q" bundle export q1.dugnad
run dg --dir "$P" bundle import q1.dugnad
check_rc 0 "founder imports the new coordinator's bundle"
run dg --dir "$Q" --json members
check "before the conflict: Q sees itself as an active coordinator" \
	json_ok "$OUT" "sorted((m['role'], m['status']) for m in d) == [('coordinator', 'active')] * 2"

run dg --dir "$P" revoke "$QID" --reason "P first"
check_rc 0 "P revokes Q: exit 0"
sleep 1
run dg --dir "$Q" revoke "$PID" --reason "Q second"
check_rc 0 "Q revokes P (concurrently, not having seen P's): exit 0"
# Exchange both ways, twice (made --for: each holds keys the other lacks).
for round in 1 2; do
	dg --dir "$P" bundle export "p-$round.dugnad" --for "$QID" >/dev/null 2>&1
	dg --dir "$Q" bundle export "q-$round.dugnad" --for "$PID" >/dev/null 2>&1
	dg --dir "$P" bundle import "q-$round.dugnad" >/dev/null 2>&1
	dg --dir "$Q" bundle import "p-$round.dugnad" >/dev/null 2>&1
done
run dg --dir "$P" --json members
cp "$OUT" "$TMP/members-p"
run dg --dir "$Q" --json members
cp "$OUT" "$TMP/members-q"
run diff "$TMP/members-p" "$TMP/members-q"
check_rc 0 "concurrent revocations: both nodes show the same --json members"
# The earlier revocation by (HLC, author) wins; read the times from the logs.
dg --dir "$P" --json log --author "$PID" >"$TMP/log-p" 2>/dev/null
dg --dir "$Q" --json log --author "$QID" >"$TMP/log-q" 2>/dev/null
WIN=$(python3 -c 'import json, sys
rv = []
for f in sys.argv[1:]:
    rv += [(e["time"], e["author"]) for e in json.load(open(f)) if e["kind"] == "revoke"]
rv.sort()
print(rv[0][1] if len(rv) == 2 and rv[0][0] != rv[1][0] else "unknown")' \
	"$TMP/log-p" "$TMP/log-q" 2>/dev/null)
check "concurrent revocations: the two revocations have different times" \
	test "$WIN" = "$PID" -o "$WIN" = "$QID"
if [ "$WIN" = "$PID" ]; then LOSE=$QID; else LOSE=$PID; fi
for who in p q; do
	check "concurrent revocations ($who's view): the earlier revoker stays an active coordinator" \
		json_ok "$TMP/members-$who" "[(m['role'], m['status']) for m in d if m['id'] == '$WIN'] == [('coordinator', 'active')]"
	check "concurrent revocations ($who's view): the other is revoked" \
		json_ok "$TMP/members-$who" "[m['status'] for m in d if m['id'] == '$LOSE'] == ['revoked']"
done
run dg --dir "$P" verify
check_rc 0 "concurrent revocations: verify on P"
run dg --dir "$Q" verify
check_rc 0 "concurrent revocations: verify on Q"

# === Cancelled invite codes ====================================================
X=$TMP/X
new_node "$X" "Avlyst"
run dg --dir "$X" --json invite --approved
CANCEL_CODE=$(json_code)
run dg --dir "$X" invite --cancel "$CANCEL_CODE"
check_rc 0 "invite --cancel: exit 0"
check_out "cancelled" "invite --cancel: says the code is cancelled"
joining_node "$TMP/Y" "$CANCEL_CODE" Yasmin req-y.dugnad
before=$(store_sum "$X")
run dg --dir "$X" bundle import req-y.dugnad
check_rc 65 "a request with a cancelled code: refused (exit 65)"
check_err "cancelled" "... the message says the invite is cancelled"
run dg --dir "$X" --json members
check "... nobody was admitted" json_ok "$OUT" "len(d) == 1"
run dg --dir "$X" invite --cancel "abcdef-ghijkl"
check_rc 65 "invite --cancel with a non-code: exit 65"

finish
