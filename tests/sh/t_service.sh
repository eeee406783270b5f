#!/bin/sh
# tests/sh/t_service.sh - the node in the background: the passphrase from
# a file (DUGNAD_PASSPHRASE_FILE) and every file refused, serve started
# the way doc/dugnad.service starts it, the log for the journal and for a
# file, control characters kept out of the log, the unit checked by
# systemd-analyze, and make install/uninstall of the unit.
. "$(dirname "$0")/lib.sh"
net_trap
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
UNIT=$ROOT/doc/dugnad.service
PASS="correct horse battery"

# --- the passphrase file -------------------------------------------------------
D=$TMP/node
check "setup: a node with a network" new_node "$D"
PF=$TMP/pass
printf '%s\n' "$PASS" >"$PF"
chmod 600 "$PF"
# dgf FILE args...: dugnad with the passphrase from FILE only
dgf() {
	dgf_f=$1
	shift
	env -u DUGNAD_PASSPHRASE DUGNAD_PASSPHRASE_FILE="$dgf_f" \
		"$DUGNAD_BIN" --dir "$D" "$@"
}

run dgf "$PF" add contact name=Ola
check_rc 0 "passphrase file (0600, one line): the store opens"
printf '%s' "$PASS" >"$PF"
run dgf "$PF" list
check_rc 0 "passphrase file without a line end: the store opens"
check_out "Ola" "passphrase file: the record added with it is there"
printf '%s\r\n' "$PASS" >"$PF"
run dgf "$PF" list
check_rc 0 "passphrase file with a CRLF line end: the store opens"
printf 'not it\n' >"$PF"
run dgf "$PF" list
check_rc 77 "wrong passphrase in the file: exit 77"
check_err "wrong passphrase" "wrong passphrase in the file: said so"
printf '%s\n' "$PASS" >"$PF"

# refused: each leaves the store as it was
S0=$(store_sum "$D")
refused() { # RC NAME TEXT: `add` with $BAD refused with RC and TEXT
	run dgf "$BAD" add contact name=Kari
	check_rc "$1" "$2: exit $1"
	check_err "$3" "$2: the error says what to do"
	check "$2: one line" test "$(wc -l <"$ERR")" -eq 1
	check "$2: nothing stored" test "$(store_sum "$D")" = "$S0"
}
BAD=$TMP/bad
printf '%s\n' "$PASS" >"$BAD"
chmod 644 "$BAD"
refused 77 "passphrase file readable by all (0644)" "run 'chmod 600 $BAD'"
chmod 640 "$BAD"
refused 77 "passphrase file readable by the group (0640)" "chmod 600"
chmod 602 "$BAD"
refused 77 "passphrase file writable by others (0602)" "chmod 600"
chmod 600 "$BAD"
if [ "$(id -u)" -eq 0 ]; then
	chown 65534 "$BAD"
	refused 77 "passphrase file of another user" "belongs to another user"
	chown 0 "$BAD"
else
	echo "skip: not root: a passphrase file of another user is not made"
fi
head -c 1025 /dev/zero | tr '\0' a >"$BAD"
refused 65 "passphrase file of 1025 bytes" "longer than 1024 bytes"
head -c 100000 /dev/zero | tr '\0' a >"$BAD"
refused 65 "passphrase file of 100000 bytes" "longer than 1024 bytes"
{ head -c 1024 /dev/zero | tr '\0' a; echo; } >"$BAD"
run dgf "$BAD" add contact name=Kari
check_err "wrong passphrase" "passphrase file of 1024 bytes and a line end: taken (a wrong passphrase)"
: >"$BAD"
refused 65 "empty passphrase file" "is empty"
echo >"$BAD"
refused 65 "passphrase file of one empty line" "is empty"
printf '%s\nsecond\n' "$PASS" >"$BAD"
refused 65 "passphrase file of two lines" "must hold one line"
printf 'abc\000def\n' >"$BAD"
refused 65 "passphrase file with a NUL byte" "must hold one line"
rm -f "$BAD"
refused 66 "missing passphrase file" "cannot open the passphrase file $BAD"
mkdir -m 700 "$BAD"
refused 66 "passphrase file that is a directory" "not a regular file"
rmdir "$BAD"
mkfifo -m 600 "$BAD"
refused 66 "passphrase file that is a FIFO (not waited on)" "not a regular file"
rm -f "$BAD"
run env DUGNAD_PASSPHRASE_FILE="$PF" "$DUGNAD_BIN" --dir "$D" add contact name=Kari
check_rc 64 "DUGNAD_PASSPHRASE and DUGNAD_PASSPHRASE_FILE both set: exit 64"
check_err "unset one of them" "both set: the error says what to do"
check "both set: nothing stored" test "$(store_sum "$D")" = "$S0"
run dgf "" add contact name=Kari
check_rc 64 "DUGNAD_PASSPHRASE_FILE empty: exit 64"
check_err "must name a file" "DUGNAD_PASSPHRASE_FILE empty: said so"
check "DUGNAD_PASSPHRASE_FILE empty: nothing stored" test "$(store_sum "$D")" = "$S0"

# --- serve as the unit starts it, logging to a (fake) journal ------------------
# The unit's Environment= and ExecStart= lines, with the specifiers it
# uses (%E: $XDG_CONFIG_HOME, %h: $HOME) and @BINDIR@ (make install)
# filled in as systemd and make would.  The node is the default one
# (~/.local/share/dugnad), as for a volunteer.
UENV=$(sed -n 's/^Environment=//p' "$UNIT" |
	sed "s|%E|$HOME/.config|g; s|%h|$HOME|g")
UEXEC=$(sed -n 's/^ExecStart=//p' "$UNIT" |
	sed "s|@BINDIR@|$(dirname "$DUGNAD_BIN")|g")
check "unit: one Environment= line, the passphrase file" \
	test "$UENV" = "DUGNAD_PASSPHRASE_FILE=$HOME/.config/dugnad/passphrase"
check "unit: ExecStart= runs dugnad serve" \
	test "$UEXEC" = "$(dirname "$DUGNAD_BIN")/dugnad serve"
check "unit: no passphrase in its environment" \
	test -z "$(grep -E '^(Environment=|PassEnvironment=).*DUGNAD_PASSPHRASE=' "$UNIT")"
default_node() { dg init >/dev/null 2>&1 && dg network create Test >/dev/null 2>&1; }
check "setup: the default node" default_node
mkdir -p "$HOME/.config/dugnad"
(umask 077 && printf '%s\n' "$PASS" >"$HOME/.config/dugnad/passphrase")
J=$TMP/journal.log
: >"$J"
# journald gives the service the DEV:INODE of its stderr stream; here a
# file stands for that stream.  Port 0 and no discovery: other tests may
# run beside this one.  (UMask= of the unit as umask.)
JS=$(stat -c '%d:%i' "$J")
# shellcheck disable=SC2086 # the unit's command line, split as systemd does
(umask 077 && exec env -u DUGNAD_PASSPHRASE "$UENV" JOURNAL_STREAM="$JS" \
	$UEXEC --listen 127.0.0.1:0 --no-discovery </dev/null >/dev/null 2>>"$J") &
UPID=$!
NET_PIDS="$NET_PIDS $UPID"
journal_ready() { grep -q '^<6>listening on ' "$J" && [ -S "$HOME/.local/share/dugnad/ctl" ]; }
check "journal: serve with the unit's passphrase file starts" wait_for 10 journal_ready
run env -u DUGNAD_PASSPHRASE "$DUGNAD_BIN" status
check_rc 0 "journal: a command meanwhile goes through the daemon (no passphrase)"
check_out "daemon    running" "journal: status says the daemon runs"
run env -u DUGNAD_PASSPHRASE "$DUGNAD_BIN" add contact name=Nils
check_rc 0 "journal: add meanwhile through the daemon"
# a stranger's garbage: a refusal, priority 4
UPORT=$(sed -n 's/^<6>listening on 127\.0\.0\.1://p' "$J" | head -n 1)
python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"\xff" * 64)
s.recv(1)
' "$UPORT" >/dev/null 2>&1
journal_warned() { grep -q '^<4>127\.0\.0\.1:[0-9]* sent a frame of ' "$J"; }
check "journal: a stranger's garbage is a warning (<4>)" wait_for 10 journal_warned
stop_pid "$UPID"
check "journal: TERM stops it with exit 0" test "$SD_RC" -eq 0
cp "$J" "$OUT"
: >"$ERR"
check "journal: the stop is logged as news" grep -q '^<6>terminated: stopping$' "$J"
check "journal: every line has a priority and no time" \
	test -z "$(grep -v '^<[0-9]>[a-z0-9]' "$J")"
check "journal: no time of day in the lines" \
	test -z "$(grep -E '[0-9]{2}:[0-9]{2}:[0-9]{2}' "$J")"

# An error line (priority 3) and a control character in it: a data
# directory whose name holds ESC, where the control socket cannot be
# made (a directory is in its place).
E=$TMP/esc$(printf '\033')[31mdir
check "setup: a node in a directory named with ESC" new_node "$E"
mkdir -p "$E/ctl/x"
J2=$TMP/journal2.log
: >"$J2"
JS=$(stat -c '%d:%i' "$J2")
run env JOURNAL_STREAM="$JS" sh -c '"$0" --dir "$1" serve --listen 127.0.0.1:0 --no-discovery 2>>"$2"' \
	"$DUGNAD_BIN" "$E" "$J2"
check_rc 74 "control socket not made: exit 74"
cp "$J2" "$OUT"
check "error line: priority 3" grep -q '^<3>cannot create the control socket ' "$J2"
check "error line: ESC shown as '?'" grep -qF 'esc?[31mdir/ctl' "$J2"
check "journal: a line without a priority is serve's error (SyslogLevel=err)" \
	test -z "$(grep -v -e '^<[0-9]>' -e '^dugnad: serve: ' "$J2")"
check "unit: lines without a priority are errors" grep -qx 'SyslogLevel=err' "$UNIT"
check "log: no control character from the path" \
	test -z "$(grep '^<' "$J2" | tr -d '\n' | tr -d '[:print:]')"
# The priority comes from net/ with the line, not from its words: the
# same error in Norwegian is priority 3 too.
: >"$J2"
run env LANG=nb_NO.UTF-8 JOURNAL_STREAM="$JS" sh -c '"$0" --dir "$1" serve --listen 127.0.0.1:0 --no-discovery 2>>"$2"' \
	"$DUGNAD_BIN" "$E" "$J2"
check_rc 74 "Norwegian: control socket not made: exit 74"
check "Norwegian error line: priority 3" grep -q '^<3>kan ikke ' "$J2"

# The same on a terminal (script(1) gives it one): the time of day only.
if command -v script >/dev/null 2>&1; then
	run env JOURNAL_STREAM="$JS" script -qec "\"$DUGNAD_BIN\" --dir \"$E\" serve --listen 127.0.0.1:0 --no-discovery" /dev/null
	check "terminal: HH:MM:SS and the line" \
		grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} cannot create the control socket .*esc\?\[31mdir/ctl' "$OUT"
else
	echo "skip: script is not installed: the terminal format is not tried"
fi

# --- the log on a file, and with a JOURNAL_STREAM that is not stderr ----------
F=$TMP/file
check "setup: a node for the file log" new_node "$F"
check "file: serve starts" start_daemon "$F"
stop_daemon "$F"
cp "$F.log" "$OUT"
: >"$ERR"
check "file: lines start with the full date and time" \
	test -z "$(grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [a-z]' "$F.log")"
check "file: the listening line is there" grep -q ' listening on 127.0.0.1:' "$F.log"
: >"$F.log"
JOURNAL_STREAM=1:2
export JOURNAL_STREAM
check "JOURNAL_STREAM of another stream: serve starts" start_daemon "$F"
stop_daemon "$F"
unset JOURNAL_STREAM
cp "$F.log" "$OUT"
check "JOURNAL_STREAM of another stream: the file format, not the journal's" \
	test -z "$(grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} ' "$F.log")"

# --- systemd-analyze verify ------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$TMP/units" "$TMP/runtime" "$TMP/bad_units"
	chmod 700 "$TMP/runtime"
	sed "s|@BINDIR@|$(dirname "$DUGNAD_BIN")|g" "$UNIT" >"$TMP/units/dugnad.service"
	# --user needs a runtime directory; --man=no: the page is not
	# installed here (t_man.sh checks it)
	run env XDG_RUNTIME_DIR="$TMP/runtime" systemd-analyze --user \
		--man=no verify "$TMP/units/dugnad.service"
	check_rc 0 "systemd-analyze --user verify: exit 0"
	check "systemd-analyze --user verify: no warning" test ! -s "$ERR"
	# it does warn (exit 0 all the same): a broken copy shows the check works
	sed 's/^Restart=.*/Restart=sometimes/' "$TMP/units/dugnad.service" \
		>"$TMP/bad_units/dugnad.service"
	run env XDG_RUNTIME_DIR="$TMP/runtime" systemd-analyze --user \
		--man=no verify "$TMP/bad_units/dugnad.service"
	check_err "sometimes" "systemd-analyze verify: warns about a broken copy"
else
	echo "skip: systemd-analyze is not installed (Debian: systemd)"
fi

# --- make install and uninstall of the unit ----------------------------------------
INST=$TMP/inst
for prefix in /usr/local /usr; do
	run env -u BINDIR -u USERUNITDIR make -C "$ROOT" -o all install \
		PREFIX="$prefix" DESTDIR="$INST" BUILD="${BUILD:-build}"
	check_rc 0 "make install PREFIX=$prefix: exit 0"
	U=$INST$prefix/lib/systemd/user/dugnad.service
	check "make install PREFIX=$prefix: the unit in lib/systemd/user" test -f "$U"
	check "make install PREFIX=$prefix: ExecStart is $prefix/bin/dugnad" \
		grep -qx "ExecStart=$prefix/bin/dugnad serve" "$U"
	check "make install PREFIX=$prefix: the unit is 0644" \
		test "$(stat -c %a "$U" 2>/dev/null)" = 644
	check "make install PREFIX=$prefix: no @BINDIR@ left" test -z "$(grep @BINDIR@ "$U")"
	run env -u BINDIR -u USERUNITDIR make -C "$ROOT" uninstall \
		PREFIX="$prefix" DESTDIR="$INST"
	check_rc 0 "make uninstall PREFIX=$prefix: exit 0"
	check "make uninstall PREFIX=$prefix: the unit is gone" test ! -e "$U"
done

dump_logs 20
finish
