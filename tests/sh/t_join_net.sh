# t_join_net.sh - joining over the network: `dugnad join CODE --peer`
# against real `dugnad serve` processes on 127.0.0.1.  A pre-approved
# invite welcomes at once; an invite that needs approval waits for the
# coordinator; a volunteer's node, a cancelled invite and a typo'd
# address are refused with one line and nothing joined.
. "$(dirname "$0")/lib.sh"
net_trap

json_code() { sed -n 's/.*"code": *"\([^"]*\)".*/\1/p' "$OUT"; }
has_name() { dg --dir "$1" --json list 2>/dev/null | grep -qF "\"$2\""; }
no_network() { ! dg --dir "$1" network >/dev/null 2>&1; }

A=$TMP/A
new_node "$A" "Tøyen" || { echo "FAIL cannot make a node"; exit 1; }
dg --dir "$A" add contact name="Amina Warsame" >/dev/null 2>&1
V=$TMP/V
make_member "$A" "$V" Vera
start_daemon "$A"
ADDR_A=$DADDR
start_daemon "$V"
ADDR_V=$DADDR

# === a pre-approved invite: welcomed at once ==================================
run dg --dir "$A" --json invite --approved
CODE=$(json_code)
check "invite made through the daemon" test -n "$CODE"
dg --dir "$TMP/B" init >/dev/null 2>&1
run dg --dir "$TMP/B" join "$CODE" --name Bente --peer "$ADDR_A"
check_rc 0 "approved: join --peer exits 0"
check_out "Welcome: this node joined the network 'Tøyen'" \
	"approved: the welcome names the network"
check "approved: B holds A's record" has_name "$TMP/B" "Amina Warsame"
run dg --dir "$TMP/B" members
check_out "Bente" "approved: B is in B's member list"
check "approved: A lists B as a member" \
	wait_for 5 sh -c "'$DUGNAD_BIN' --dir '$A' members | grep -q Bente"
run dg --dir "$TMP/B" verify
check_rc 0 "approved: verify is clean on B"

# === an invite that needs approval: the newcomer waits =========================
run dg --dir "$A" --json invite
CODE2=$(json_code)
dg --dir "$TMP/C" init >/dev/null 2>&1
dg --dir "$TMP/C" join "$CODE2" --name Cato --peer "$ADDR_A" --wait 20 \
	>"$TMP/c.out" 2>"$TMP/c.err" </dev/null &
CPID=$!
check "pending: the request reaches A" \
	wait_for 10 sh -c "'$DUGNAD_BIN' --dir '$A' requests | grep -q Cato"
check "pending: the newcomer says it waits" \
	wait_for 5 grep -q "waiting for a coordinator" "$TMP/c.err"
CID=$(node_id_of "$TMP/C")
run dg --dir "$A" approve "$(printf %.10s "$CID")"
check_rc 0 "pending: approve through the daemon"
wait "$CPID"
RC=$?
check_rc 0 "pending: join --peer exits 0 once approved"
check "pending: the welcome arrived" grep -q "Welcome" "$TMP/c.out"
check "pending: C holds A's record" has_name "$TMP/C" "Amina Warsame"

# === not approved in time =====================================================
run dg --dir "$A" --json invite
CODE3=$(json_code)
dg --dir "$TMP/D" init >/dev/null 2>&1
run dg --dir "$TMP/D" join "$CODE3" --name Dina --peer "$ADDR_A" --wait 2
check_rc 75 "timeout: exit 75"
check_err "run the same command again later" "timeout: says what to do"
check "timeout: D has no network" no_network "$TMP/D"

# === refused =================================================================
# A volunteer's node cannot admit.
run dg --dir "$A" --json invite --approved
CODE4=$(json_code)
dg --dir "$TMP/E" init >/dev/null 2>&1
v_caught_up() {
	# V learns the invite entry from A (live push)
	[ "$(dg --dir "$V" --json status | sed -n 's/.*"entries":\([0-9]*\).*/\1/p')" = \
	  "$(dg --dir "$A" --json status | sed -n 's/.*"entries":\([0-9]*\).*/\1/p')" ]
}
dg --dir "$V" peer add "$ADDR_A" >/dev/null 2>&1
check "volunteer: V caught up with A" wait_for 10 v_caught_up
run dg --dir "$TMP/E" join "$CODE4" --name Eli --peer "$ADDR_V"
check_rc 77 "volunteer: join at a volunteer's node exits 77"
check_err "cannot admit newcomers" "volunteer: the message says why"
check "volunteer: E has no network" no_network "$TMP/E"

# A cancelled invite.
run dg --dir "$A" --json invite
CODE5=$(json_code)
run dg --dir "$A" invite --cancel "$CODE5"
check_rc 0 "cancelled: invite --cancel"
dg --dir "$TMP/F" init >/dev/null 2>&1
run dg --dir "$TMP/F" join "$CODE5" --name Fia --peer "$ADDR_A"
check "cancelled: join exits non-zero" test "$RC" -ne 0
check "cancelled: F has no network" no_network "$TMP/F"

# A bad address.
dg --dir "$TMP/G" init >/dev/null 2>&1
run dg --dir "$TMP/G" join "$CODE4" --name Gro --peer "not an address"
check_rc 64 "bad address: exit 64"
check_err "HOST:PORT" "bad address: the message shows the form"

# Nobody listening there.
run dg --dir "$TMP/G" join "$CODE4" --name Gro --peer 127.0.0.1:1
check_rc 69 "no daemon there: exit 69"

# === a control socket that is not this user's is not used ====================
H=$TMP/H
new_node "$H" || { echo "FAIL cannot make a node"; exit 1; }
: >"$H/ctl"   # a plain file where the socket would be
run dg --dir "$H" list
check_rc 77 "a ctl that is no socket: exit 77"
check_err "is not a control socket of yours" "a ctl that is no socket: says so"

stop_daemon "$A"
check "A stops cleanly" test "$SD_RC" -eq 0
stop_daemon "$V"
check "V stops cleanly" test "$SD_RC" -eq 0
finish
