#!/bin/sh
# t_init.sh - init, id, passphrases, the data directory and the exit
# codes of a command line that cannot run.
. "$(dirname "$0")/lib.sh"

# Runs a command with no controlling terminal, so a passphrase prompt
# cannot open /dev/tty and wait (setsid only when there is a terminal).
notty() {
	if (: </dev/tty) 2>/dev/null; then
		setsid -w "$@"
	else
		"$@"
	fi
}

# The same, without DUGNAD_PASSPHRASE in the environment.
nopass() (
	unset DUGNAD_PASSPHRASE
	notty "$DUGNAD_BIN" "$@"
)

# The mode of a file or directory as ls shows it ("drwx------").
mode_of() { ls -ld "$1" | cut -c1-10; }

# A JSON check: python3 evaluates the expression with d = the document.
json_ok() { # file, python expression
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}

one_line_err() { test "$(wc -l <"$ERR")" -eq 1; }

cd "$TMP" || exit 1
D=$TMP/node

# --- init ---------------------------------------------------------------
run dg --dir "$D" init
check_rc 0 "init: exit 0"
check_out "node id:" "init: prints the node id"
check_out "safety number:" "init: prints the safety number"
check_out "network create" "init: says what to do next"
check "init: data.mdb created" test -f "$D/data.mdb"
check "init: data directory has mode 0700" test "$(mode_of "$D")" = "drwx------"
check "init: data.mdb has mode 0600" test "$(mode_of "$D/data.mdb")" = "-rw-------"
init_id=$(sed -n 's/^node id: *//p' "$OUT")
check "init: the node id is not empty" test -n "$init_id"
check "init: the passphrase is not stored in the data directory" \
	test "$(cat "$D"/* | grep -c -a -F "$DUGNAD_PASSPHRASE")" -eq 0

# --- id -----------------------------------------------------------------
run dg --dir "$D" id
check_rc 0 "id: exit 0"
check_out "node id:        $init_id" "id: prints the same id as init"
short=$(sed -n 's/^short id: *//p' "$OUT")
check "id: the short id is a prefix of the id" \
	test -n "$short" -a "${init_id#"$short"}" != "$init_id"
check "id: the safety number is groups of digits" \
	grep -Eq '^safety number: +[0-9]+( [0-9]+)+$' "$OUT"

run dg --dir "$D" --json id
check_rc 0 "--json id: exit 0"
check "--json id: one line" test "$(wc -l <"$OUT")" -eq 1
check "--json id: one object with id, short and safety" \
	json_ok "$OUT" "isinstance(d, dict) and {'id', 'short', 'safety'} <= set(d)"
check "--json id: the same id as the text output" \
	json_ok "$OUT" "d['id'] == '$init_id' and d['short'] == '$short'"

run dg --dir "$D" id extra
check_rc 64 "id with an argument: exit 64"

# --- init twice -----------------------------------------------------------
before=$(store_sum "$D")
run dg --dir "$D" init
check_rc 73 "init twice: exit 73"
check_err "already holds a dugnad identity" "init twice: says so"
check "init twice: one line on stderr" one_line_err
check "init twice: store unchanged" test "$(store_sum "$D")" = "$before"
run dg --dir "$D" id
check_out "$init_id" "init twice: the identity is kept"

run dg --dir "$TMP/other" init extra
check_rc 64 "init with an argument: exit 64"
check "init with an argument: creates nothing" test ! -e "$TMP/other"

# --- commands before init: 78 ---------------------------------------------
N=$TMP/nothing
printf 'name\nAmina\n' >"$TMP/one.csv"
for cmd in "id" "list" "show abcd1234" "add contact name=Amina" \
	"network create Oslo" "search x" "export --format json" \
	"import $TMP/one.csv --type contacts" "log" "verify" "reindex" \
	"compact" "history abcd1234" "edit abcd1234 name=x" \
	"remove abcd1234" "erase abcd1234"; do
	# shellcheck disable=SC2086
	run dg --dir "$N" $cmd
	check_rc 78 "before init: '$cmd': exit 78"
	check_err "dugnad init" "before init: '$cmd': says to run dugnad init"
done
check "before init: no data directory was created" test ! -e "$N"

# --- before network create: 78 with a hint --------------------------------
before=$(store_sum "$D")
for cmd in "add contact name=Amina" "add meeting title=Kvinnegruppa starts=2026-12-04T18:00" \
	"list" "search Amina" "export --format json" "import $TMP/one.csv --type contacts"; do
	# shellcheck disable=SC2086
	run dg --dir "$D" $cmd
	check_rc 78 "before network: '$cmd': exit 78"
	check_err "network create" "before network: '$cmd': hints at network create"
	check "before network: '$cmd': one line on stderr" one_line_err
done
check "before network: store unchanged" test "$(store_sum "$D")" = "$before"

run dg --dir "$D" network create "IKKG Oslo"
check_rc 0 "network create: exit 0"
check_out "IKKG Oslo" "network create: names the network"
run dg --dir "$D" network
check_rc 0 "network: exit 0"
check_out "IKKG Oslo" "network: shows the name"
run dg --dir "$D" id
check_out "IKKG Oslo" "id: shows the network"
before=$(store_sum "$D")
run dg --dir "$D" network create "Another"
check_rc 73 "network create twice: exit 73"
check "network create twice: store unchanged" test "$(store_sum "$D")" = "$before"

run dg --dir "$D" add contact name="Amina Warsame"
check_rc 0 "add after network create: exit 0"
rid=$(awk '{print $3}' "$OUT")

# --- wrong passphrase: 77, store unchanged ------------------------------
before=$(store_sum "$D")
for cmd in "id" "network" "list" "show $rid" "history $rid" "search Amina" \
	"add contact name=Hodan" "edit $rid name=Hodan" "remove $rid" \
	"erase $rid" "export --format json" \
	"import $TMP/one.csv --type contacts" "reindex" "compact"; do
	# shellcheck disable=SC2086
	run env DUGNAD_PASSPHRASE="wrong horse battery" "$DUGNAD_BIN" --dir "$D" $cmd
	check_rc 77 "wrong passphrase: '$cmd': exit 77"
	check_err "wrong passphrase" "wrong passphrase: '$cmd': says so"
	check "wrong passphrase: '$cmd': one line on stderr" one_line_err
	check "wrong passphrase: '$cmd': prints nothing on stdout" test ! -s "$OUT"
done
check "wrong passphrase: store unchanged" test "$(store_sum "$D")" = "$before"
run dg --dir "$D" list
check_out "Amina Warsame" "wrong passphrase: the record is still there"

# --- no passphrase and no terminal --------------------------------------
before=$(store_sum "$D")
run nopass --dir "$D" list
check_rc 77 "no passphrase, no terminal: exit 77"
check_err "DUGNAD_PASSPHRASE" "no passphrase, no terminal: names DUGNAD_PASSPHRASE"
check_err "terminal" "no passphrase, no terminal: says to use a terminal"
check "no passphrase, no terminal: one line on stderr" one_line_err
check "no passphrase, no terminal: store unchanged" test "$(store_sum "$D")" = "$before"
run nopass --dir "$D" add contact name=Hodan
check_rc 77 "no passphrase, add: exit 77"
check "no passphrase, add: store unchanged" test "$(store_sum "$D")" = "$before"
run nopass --dir "$TMP/nopass" init
check_rc 77 "no passphrase, init: exit 77"
check_err "DUGNAD_PASSPHRASE" "no passphrase, init: names DUGNAD_PASSPHRASE"
check "no passphrase, init: creates no store" test ! -e "$TMP/nopass/data.mdb"
run env DUGNAD_PASSPHRASE= "$DUGNAD_BIN" --dir "$TMP/emptypass" init
check_rc 64 "empty passphrase, init: exit 64"
check_err "empty" "empty passphrase, init: says it is empty"
check "empty passphrase, init: creates no store" test ! -e "$TMP/emptypass/data.mdb"
# log and verify read no secrets: they need no passphrase.
run nopass --dir "$D" verify
check_rc 0 "no passphrase: verify still works"
run nopass --dir "$D" log
check_rc 0 "no passphrase: log still works"

# --- the data directory: --dir, DUGNAD_DIR, XDG_DATA_HOME, HOME ---------
E=$TMP/envdir
X=$TMP/xdg
run env DUGNAD_DIR="$E" "$DUGNAD_BIN" init
check_rc 0 "DUGNAD_DIR: init exit 0"
check "DUGNAD_DIR: the store is made there" test -f "$E/data.mdb"
check "DUGNAD_DIR: mode 0700" test "$(mode_of "$E")" = "drwx------"
env_id=$(sed -n 's/^node id: *//p' "$OUT")
run env DUGNAD_DIR="$E" "$DUGNAD_BIN" id
check_out "$env_id" "DUGNAD_DIR: id reads the same store"

run env XDG_DATA_HOME="$X" "$DUGNAD_BIN" init
check_rc 0 "XDG_DATA_HOME: init exit 0"
check "XDG_DATA_HOME: the store is made in XDG_DATA_HOME/dugnad" \
	test -f "$X/dugnad/data.mdb"
check "XDG_DATA_HOME: mode 0700" test "$(mode_of "$X/dugnad")" = "drwx------"
xdg_id=$(sed -n 's/^node id: *//p' "$OUT")
run env XDG_DATA_HOME="$X" "$DUGNAD_BIN" id
check_out "$xdg_id" "XDG_DATA_HOME: id reads the same store"

esum=$(store_sum "$E")
xsum=$(store_sum "$X/dugnad")
run env DUGNAD_DIR="$E" XDG_DATA_HOME="$X" "$DUGNAD_BIN" --dir "$TMP/optdir" init
check_rc 0 "--dir wins: init exit 0"
check "--dir wins: the store is made in --dir" test -f "$TMP/optdir/data.mdb"
check "--dir wins: DUGNAD_DIR store untouched" test "$(store_sum "$E")" = "$esum"
check "--dir wins: XDG store untouched" test "$(store_sum "$X/dugnad")" = "$xsum"
run env DUGNAD_DIR="$E" XDG_DATA_HOME="$X" "$DUGNAD_BIN" --dir="$TMP/optdir" id
check_rc 0 "--dir=DIR form: exit 0"
check_no_out "$env_id" "--dir=DIR form: not the DUGNAD_DIR store"
check_no_out "$xdg_id" "--dir=DIR form: not the XDG store"

run env DUGNAD_DIR="$E" XDG_DATA_HOME="$X" "$DUGNAD_BIN" id
check_out "$env_id" "DUGNAD_DIR wins over XDG_DATA_HOME"
run env DUGNAD_DIR= XDG_DATA_HOME="$X" "$DUGNAD_BIN" id
check_out "$xdg_id" "an empty DUGNAD_DIR is ignored"

run "$DUGNAD_BIN" init
check_rc 0 "HOME: init exit 0"
check "HOME: the store is made in ~/.local/share/dugnad" \
	test -f "$HOME/.local/share/dugnad/data.mdb"
home_id=$(sed -n 's/^node id: *//p' "$OUT")
run env XDG_DATA_HOME=relative/path "$DUGNAD_BIN" id
check_rc 0 "a relative XDG_DATA_HOME is ignored: exit 0"
check_out "$home_id" "a relative XDG_DATA_HOME is ignored: HOME store used"
check "a relative XDG_DATA_HOME is ignored: nothing made there" \
	test ! -e relative/path

# --- command line errors: 64 -------------------------------------------
run dg --dir "$D" frobnicate
check_rc 64 "unknown command: exit 64"
check_err "unknown command 'frobnicate'" "unknown command: named"
check "unknown command: one line on stderr" one_line_err
run dg --frobnicate --dir "$D" list
check_rc 64 "unknown global option: exit 64"
check_err "unknown option '--frobnicate'" "unknown global option: named"
run dg --dir "$D" list --frobnicate
check_rc 64 "unknown list option: exit 64"
check_err "--frobnicate" "unknown list option: named"
run dg --dir "$D" export --format json --frobnicate
check_rc 64 "unknown export option: exit 64"
run dg --dir "$D" import --frobnicate
check_rc 64 "unknown import option: exit 64"
run dg --dir "$D"
check_rc 64 "no command: exit 64"
check_err "usage:" "no command: prints the usage"
run dg --help
check_rc 0 "--help: exit 0"
check_out "import" "--help: lists the commands"
run dg list --help
check_rc 0 "list --help: exit 0"
check_out "usage: dugnad list" "list --help: prints its usage"
run dg --version
check_rc 0 "--version: exit 0"
check_out "dugnad " "--version: prints the version"

finish
