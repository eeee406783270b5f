#!/bin/sh
# t_prompts.sh - add and edit ask on a terminal: each field with what it
# means and an example, a bad answer asked again with the reason, a
# summary and a confirmation; Ctrl-D or "no" stores nothing.  Without a
# terminal nothing is asked.  The terminal is a pseudo-terminal made by
# script(1) (util-linux): what it reads is fed line by line, and a
# timeout ends it should a question wait for an answer never given.
. "$(dirname "$0")/lib.sh"

net_trap
cd "$TMP" || exit 1
D=$TMP/node
new_node "$D" || { echo "FAIL cannot make a node"; exit 1; }
if ! command -v script >/dev/null 2>&1; then
	echo "skip: script(1) from util-linux is not installed"
	finish
fi

# on_tty INPUT COMMAND...: runs the command on a pseudo-terminal with
# INPUT typed (printf format); stdout and stderr both go to $OUT.
on_tty() {
	ot_in=$1
	shift
	printf -- "$ot_in" | timeout 30 script -qec "$*" /dev/null >"$OUT" 2>&1
	RC=$?
	: >"$ERR"
}
count() { dg --dir "$D" --json list 2>/dev/null | grep -o '"id":' | wc -l; }
json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}

# --- add -----------------------------------------------------------------
# title, tz (Enter: this computer's), starts (a bad date first), then the
# optional fields: organiser, lang (a bad list first), duration, the rest
# skipped; then yes.
on_tty 'Kvinnegruppa\n\n2026-13-04T18:00\n2026-12-04T18:00\n\nso,!!\nnb,so\n90m\n\n\n\n\n\n\n\n\ny\n' \
	"$DUGNAD_BIN" --dir "$D" add meeting
check_rc 0 "add on a terminal: exit 0"
check_out "title (required): What the group or meeting is called." \
	"add: says what a field means"
check_out "for example: 2026-12-04T18:00" "add: gives an example"
check_out "(optional; press Enter to skip)" "add: optional fields can be skipped"
check_out "Not accepted: starts:" "add: a bad date is refused at once"
check_out "Not accepted: lang:" "add: a bad language list is refused at once"
check_out "starts       2026-12-04T18:00+01:00" "add: the summary shows the value as stored"
check_out "Add this meeting? [Y/n]" "add: asks to confirm"
check_out "added meeting" "add: adds after yes"
MEET=$(sed -n 's/.*added meeting \([a-z0-9]*\).*/\1/p' "$OUT" | head -n 1)
run dg --dir "$D" --json show "$MEET"
check "add: the record holds the answers" json_ok "$OUT" \
	'd["title"] == "Kvinnegruppa" and d["lang"] == "nb,so" and d["duration"] == "90" and d["tz"] == "Europe/Oslo"'

# The order: required fields first.
on_tty '\004' "$DUGNAD_BIN" --dir "$D" add referral
check_out "name (required)" "add referral: the required name comes first"

# An empty required answer is asked again.
N0=$(count)
S0=$(store_sum "$D")
on_tty '\nAmina\n\n\n\n\n\n\n\nn\n' "$DUGNAD_BIN" --dir "$D" add contact
check_out "name is required; please type it." "add: a required field is asked again"
check_out "Add this contact? [Y/n]" "add contact: asks to confirm"
check_rc 0 "add, no at the confirmation: exit 0"
check_out "Nothing was added." "add, no: says nothing was added"
check "add, no: nothing stored" test "$(store_sum "$D")" = "$S0"

# Ctrl-D at a question.
on_tty 'Amina\n\004' "$DUGNAD_BIN" --dir "$D" add contact
check_rc 0 "add, Ctrl-D: exit 0"
check_out "Nothing was added." "add, Ctrl-D: says nothing was added"
check "add, Ctrl-D: nothing stored" test "$(store_sum "$D")" = "$S0"
check "add, Ctrl-D: as many records as before" test "$(count)" -eq "$N0"

# Ctrl-D at the confirmation.
on_tty 'Amina\n\n\n\n\n\n\n\n\004' "$DUGNAD_BIN" --dir "$D" add contact
check_out "Nothing was added." "add, Ctrl-D at the confirmation: nothing added"
check "add, Ctrl-D at the confirmation: nothing stored" \
	test "$(store_sum "$D")" = "$S0"

# Without a terminal nothing is asked.
run dg --dir "$D" add contact
check_rc 65 "add without a terminal: exit 65 as before"
check_err "a contact needs name=..." "add without a terminal: says what is missing"

# --- edit ----------------------------------------------------------------
run dg --dir "$D" add contact name="Amina Warsame" name@so="Aamina" \
	phone="+47 912 34 567" area=Grorud
AMINA=$(awk '$1 == "added" { print $3 }' "$OUT")
# name keep, name@so keep, lang nb,so, phone cleared, email keep, org
# "Røde Kors", role keep, area the same again (no change), note keep.
on_tty '\n\nso,nb\n-\n\nRøde Kors\n\nGrorud\n\ny\n' \
	"$DUGNAD_BIN" --dir "$D" edit "$AMINA"
check_rc 0 "edit on a terminal: exit 0"
check_out "now: Amina Warsame" "edit: shows the current value"
check_out "name@so (optional): The person's full name." "edit: asks about translations too"
check_out "now: (empty)" "edit: shows an empty field"
check_out "phone        +47 912 34 567 -> (cleared)" "edit: the summary shows a cleared field"
check_out "org          (empty) -> Røde Kors" "edit: the summary shows a new value"
check_no_out "area         Grorud" "edit: the same value again is no change"
check_out "Save these changes? [Y/n]" "edit: asks to confirm"
check_out "changed contact" "edit: saves after yes"
run dg --dir "$D" --json show "$AMINA"
check "edit: the record holds the changes" json_ok "$OUT" \
	'd["org"] == "Røde Kors" and d["lang"] == "so,nb" and "phone" not in d and d["name"] == "Amina Warsame"'

# A required field cannot be cleared; Enter everywhere changes nothing.
S0=$(store_sum "$D")
on_tty '-\n\n\n\n\n\n\n\n\n\n' "$DUGNAD_BIN" --dir "$D" edit "$AMINA"
check_out "name is required and cannot be cleared" "edit: a required field cannot be cleared"
check_out "Nothing was changed." "edit, no change: says nothing changed"
check_rc 0 "edit, no change: exit 0"
check "edit, no change: nothing stored" test "$(store_sum "$D")" = "$S0"

# No at the confirmation, and Ctrl-D.
on_tty 'Amina W\n\n\n\n\n\n\n\n\nno\n' "$DUGNAD_BIN" --dir "$D" edit "$AMINA"
check_out "name         Amina Warsame -> Amina W" "edit: the summary shows the change"
check_out "Nothing was changed." "edit, no: says nothing changed"
check "edit, no: nothing stored" test "$(store_sum "$D")" = "$S0"
on_tty 'Amina W\n\004' "$DUGNAD_BIN" --dir "$D" edit "$AMINA"
check_out "Nothing was changed." "edit, Ctrl-D: says nothing changed"
check "edit, Ctrl-D: nothing stored" test "$(store_sum "$D")" = "$S0"

# A bad answer is asked again with the reason.
on_tty '\n\nnot a language!\n\n\n\n\n\n\n\n' "$DUGNAD_BIN" --dir "$D" edit "$AMINA"
check_out "Not accepted: lang:" "edit: a bad answer is refused at once"

# Without a terminal: the usage error, as before.
run dg --dir "$D" edit "$AMINA"
check_rc 64 "edit without a terminal: exit 64"
check_err "usage: dugnad edit ID key=value" "edit without a terminal: says how"
check "edit without a terminal: nothing stored" test "$(store_sum "$D")" = "$S0"

# --- with a running daemon -------------------------------------------------
# A member's laptop B, connected to D's daemon: what is asked and stored
# here must reach the daemon, and through it B.
B=$TMP/b
check "setup: B is a member" make_member "$D" "$B" "Bea"
start_daemon "$D" || { echo "FAIL daemon did not start"; finish; }
DADDR_D=$DADDR
start_daemon "$B" || { echo "FAIL B's daemon did not start"; finish; }
run dg --dir "$B" peer add "$DADDR_D"
check_rc 0 "B dials D's daemon"
b_has() { dg --dir "$B" list 2>/dev/null | grep -q "$1"; }
on_tty 'Sewing group\n\n2026-12-05T12:00\n\n\n\n\n\n\n\n\n\n\n\ny\n' \
	"$DUGNAD_BIN" --dir "$D" add meeting
check_rc 0 "add on a terminal with serve running: exit 0"
check_out "Add this meeting? [Y/n]" "add with serve running: asks"
check_out "added meeting" "add with serve running: adds"
check "add with serve running: B, connected to the daemon, gets it" \
	wait_for 20 b_has "Sewing group"
on_tty 'Amina Warsame-Ali\n\n\n\n\n\n\n\n\n\ny\n' \
	"$DUGNAD_BIN" --dir "$D" edit "$AMINA"
check_rc 0 "edit on a terminal with serve running: exit 0"
check_out "now: Amina Warsame" "edit with serve running: asks"
check_out "changed contact" "edit with serve running: saves"
check "edit with serve running: B, connected to the daemon, gets it" \
	wait_for 20 b_has "Amina Warsame-Ali"
stop_daemon "$B"
stop_daemon "$D"
check "daemon stopped cleanly" test "$SD_RC" -eq 0

finish
