#!/bin/sh
# t_hints.sh - after init, invite, join, approve and revoke the command
# says plainly what happens next and what to run; never in --json.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
A=$TMP/coord
B=$TMP/newcomer
C=$TMP/json

# one_json: stdout is exactly one JSON document, and none of the hints.
one_json() {
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$OUT" \
		2>/dev/null
}
node_id() { dg --dir "$1" id | sed -n 's/^node id: *//p'; }

# --- init ------------------------------------------------------------------
run dg --dir "$A" init
check_rc 0 "init: exit 0"
check_out "Next: to start a new network, run 'dugnad network create NAME'" \
	"init: says how to start a network"
check_out "run 'dugnad join CODE'" "init: says how to join one"
check_out "Remember your passphrase" "init: says to keep the passphrase"
run dg --dir "$C" --json init
check "init --json: one JSON document" one_json
check_no_out "Next:" "init --json: no hint"
run dg --dir "$A" network create "Hint network"
check_out "Next: add records" "network create: says what to do next"

# --- invite ----------------------------------------------------------------
run dg --dir "$A" invite
check_rc 0 "invite: exit 0"
CODE=$(head -n 1 "$OUT")
check_out "It works 1 time, until " "invite: says how often and until when"
check_out "Do not post it in a group chat" "invite: says how to give it safely"
check_out "dugnad invite --cancel CODE" "invite: says how to cancel it"
check_out "compare the safety number" "invite: says what the coordinator does next"
run dg --dir "$A" invite --uses 3 --approved
check_out "It works 3 times, until " "invite --uses 3: plural"
check_out "without waiting for approval" "invite --approved: says so"
run dg --dir "$A" --json invite
check "invite --json: one JSON document" one_json
check_no_out "Next:" "invite --json: no hint"

# --- join ------------------------------------------------------------------
dg --dir "$B" init >/dev/null 2>&1
run dg --dir "$B" join "$CODE" --name "Amina"
check_rc 0 "join: exit 0"
check_out "A coordinator must approve it" "join: says what happens next"
check_out "dugnad bundle export request.dugnad" "join: says what to run"
check_out "safety number from 'dugnad id'" "join: says to read the safety number"
check_out "dugnad bundle import FILE" "join: says how to take the answer"
dg --dir "$C" network create J >/dev/null 2>&1
JCODE=$(dg --dir "$C" --json invite | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
rm -rf "$C.b"
dg --dir "$C.b" init >/dev/null 2>&1
run dg --dir "$C.b" --json join "$JCODE" --name "Json"
check "join --json: one JSON document" one_json
check_no_out "Next:" "join --json: no hint"

# --- approve -----------------------------------------------------------------
dg --dir "$B" bundle export "$TMP/req" >/dev/null 2>&1
dg --dir "$A" bundle import "$TMP/req" >/dev/null 2>&1
BID=$(node_id "$B")
run dg --dir "$A" approve "$(echo "$BID" | cut -c1-10)"
check_rc 0 "approve: exit 0"
check_out "Approved Amina as volunteer." "approve: says who"
check_out "dugnad bundle export welcome.dugnad --for" "approve: says what the coordinator runs"
check_out "dugnad bundle import welcome.dugnad" "approve: says what the newcomer runs"
dg --dir "$C.b" bundle export "$TMP/jreq" >/dev/null 2>&1
dg --dir "$C" bundle import "$TMP/jreq" >/dev/null 2>&1
JID=$(node_id "$C.b")
run dg --dir "$C" --json approve "$(echo "$JID" | cut -c1-10)"
check_rc 0 "approve --json: exit 0"
check "approve --json: one JSON document" one_json
check_no_out "Next:" "approve --json: no hint"

# --- revoke ------------------------------------------------------------------
run dg --dir "$A" revoke "$(echo "$BID" | cut -c1-10)"
check_rc 0 "revoke: exit 0"
check_out "cannot read anything written after this" "revoke: says what the revoked node loses"
check_out "The revoked laptop keeps what it held before" "revoke: says what it keeps"
check_out "new keys reach the connected members" "revoke: says how the new keys travel"
run dg --dir "$C" --json revoke "$(echo "$JID" | cut -c1-10)"
check_rc 0 "revoke --json: exit 0"
check "revoke --json: one JSON document" one_json
check_no_out "Next:" "revoke --json: no hint"

finish
