# tests/sh/lib.sh - sourced by every tests/sh/t_*.sh.
#
# Each test file gets its own temporary directory ($TMP, removed on exit)
# and a fresh HOME inside it, so nothing outside is read or written.
#
#   run dg --dir "$D" add ...     runs a command; sets RC, OUT and ERR files
#   check "name" test-expression  records a pass or a failure
#   check_rc N "name"             RC must be N
#   check_out "text" "name"       stdout must contain text (fixed string)
#   check_err "text" "name"       stderr must contain text
#   refuse RC TEXT NAME CMD...    CMD fails with one line, store in $D unchanged
#   finish                        prints "N passed, N failed" and exits
set -u
: "${DUGNAD_BIN:?run through tests/run or set DUGNAD_BIN}"
T_PASS=0
T_FAIL=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dugnad-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export HOME="$TMP/home"
mkdir -p "$HOME"
unset DUGNAD_DIR XDG_DATA_HOME DUGNAD_MAP_SIZE
# Messages in English whatever the tester's language; a test of another
# language sets LANG (t_i18n.sh).  The catalogs are the build's.
unset LANGUAGE LC_ALL LC_MESSAGES
export LANG=C.UTF-8
export DUGNAD_LOCALEDIR="$(cd "$(dirname "$DUGNAD_BIN")" && pwd)/locale"
export DUGNAD_PASSPHRASE="correct horse battery"
export TZ=Europe/Oslo
OUT="$TMP/out"
ERR="$TMP/err"
RC=0

dg() { "$DUGNAD_BIN" "$@"; }

run() {
	"$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}

pass() { T_PASS=$((T_PASS + 1)); echo "ok   $1"; }
fail() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL $1"
	echo "  rc=$RC"
	sed 's/^/  out: /' "$OUT" | head -n 15
	sed 's/^/  err: /' "$ERR" | head -n 15
}

check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

check_rc() { if [ "$RC" -eq "$1" ]; then pass "$2"; else fail "$2 (want exit $1)"; fi; }
check_out() { if grep -qF -- "$1" "$OUT"; then pass "$2"; else fail "$2 (stdout lacks '$1')"; fi; }
check_err() { if grep -qF -- "$1" "$ERR"; then pass "$2"; else fail "$2 (stderr lacks '$1')"; fi; }
check_no_out() { if grep -qF -- "$1" "$OUT"; then fail "$2 (stdout has '$1')"; else pass "$2"; fi; }

# A node with an identity and a network, in directory $1.
new_node() {
	dg --dir "$1" init >/dev/null 2>&1 &&
		dg --dir "$1" network create "${2:-Test network}" >/dev/null 2>&1
}

# Checksum of everything stored, to show that a refused command changed
# nothing.  (LMDB may touch lock.mdb on reads; data.mdb is the store.)
store_sum() { cksum <"$1/data.mdb"; }

# need_faketime WHY: sets FT to faketime(1), or ends the test as skipped
# (saying WHY it is needed) when it is not installed.  ASan wants its
# runtime first among the preloaded libraries; libfaketime's beside it is
# harmless.
need_faketime() {
	FT=$(command -v faketime || :)
	if [ -z "$FT" ]; then
		echo "skip: needs faketime (Debian package faketime) $1"
		echo "0 passed, 0 failed"
		exit 0
	fi
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}

# refuse RC TEXT NAME COMMAND...: the command exits RC with one line on
# stderr holding TEXT, prints nothing on stdout, and changes nothing in
# the store in $D.  (check sets $name, so these variables have their
# own names.)
refuse() {
	rf_want=$1
	rf_text=$2
	rf_what=$3
	shift 3
	rf_before=$(store_sum "$D")
	run "$@"
	check_rc "$rf_want" "$rf_what: exit $rf_want"
	check_err "$rf_text" "$rf_what: the message names '$rf_text'"
	check "$rf_what: one line on stderr" test "$(wc -l <"$ERR")" -eq 1
	check "$rf_what: nothing on stdout" test ! -s "$OUT"
	check "$rf_what: store unchanged" test "$(store_sum "$D")" = "$rf_before"
}

# check_said WHAT SAID MAX: with a store's --json list in $OUT, every
# "added TYPE ID" line of file SAID names a listed record, and there are
# no fewer records listed than such lines and no more than MAX.
check_said() {
	cs_missing=""
	for cs_id in $(awk '{ print $3 }' "$2"); do
		grep -q "\"id\":\"$cs_id" "$OUT" || cs_missing="$cs_missing $cs_id"
	done
	printf 'missing:%s\n' "$cs_missing" >"$ERR"
	check "$1: every add that said 'added' is there" test -z "$cs_missing"
	cs_n=$(grep -c '"id":' "$OUT")
	cs_said=$(wc -l <"$2")
	echo "listed $cs_n, said 'added' $cs_said, at most $3" >"$ERR"
	check "$1: no more records than adds started" \
		test "$cs_n" -ge "$cs_said" -a "$cs_n" -le "$3"
}

# check_intact WHAT BEFORE AFTER E0 E1: the sorted snapshots BEFORE and
# AFTER are the same, and so are the log entry counts E0 and E1.
check_intact() {
	RC=0
	diff "$2" "$3" >"$OUT" 2>&1
	printf 'entries before %s, after %s\n' "$4" "$5" >"$ERR"
	check "$1: every record intact" cmp -s "$2" "$3"
	check "$1: as many log entries as before" test "$5" -eq "$4"
}

# dgt ARGS: dugnad bounded to 60 s - after a kill or a power cut a store
# left locked would otherwise hang the test instead of failing it.
dgt() { timeout 60 "$DUGNAD_BIN" "$@"; }

# snapshot D FILE: the records of D (removed ones too), one JSON line
# each, sorted (check_others compares two).  Erased records are not
# listed.
snapshot() {
	# one record a line, without the comma between them: the last
	# record has none, and an erase may make another one the last
	dgt --dir "$1" --json list --all 2>/dev/null | grep '^{"id":' |
		sed 's/,$//' | sort >"$2"
}
# entries D: the number of log entries verify checked (-1 if it failed).
entries() {
	dgt --dir "$1" --json verify 2>/dev/null |
		sed -n 's/^{"entries":\([0-9]*\),.*/\1/p' | grep . || echo -1
}

# check_others NAME ID BEFORE AFTER: the records of the sorted snapshots
# BEFORE and AFTER (a JSON line each) are the same but record ID.
check_others() {
	grep -v -F "\"id\":\"$2\"" "$3" >"$TMP/others.before"
	grep -v -F "\"id\":\"$2\"" "$4" >"$TMP/others.after"
	RC=0
	diff "$TMP/others.before" "$TMP/others.after" >"$OUT" 2>&1
	: >"$ERR"
	check "$1" cmp -s "$TMP/others.before" "$TMP/others.after"
}

finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# --- network helpers ---------------------------------------------------------
# For tests that run `dugnad serve` (t_net.sh).  Each daemon of directory
# D logs to D.log (appended over restarts) and keeps its process id in
# D.pid; every daemon started is killed when the test exits (net_trap).
#
#   wait_for SECONDS command...   runs the command every 0.1 s until it
#                                 succeeds (0) or SECONDS (whole) pass (1)
#   start_daemon D [ADDR:PORT]    serve (on 127.0.0.1:0: a free port) and
#                                 wait until ready; sets DPID, DADDR
#   spawn_daemon D [ADDR:PORT]    the same without waiting; sets DPID
#   stop_daemon D [SIGNAL]        stops it (TERM); sets SD_RC (124: had to
#                                 be killed after 10 s)
#   crash_daemon D                kill -9, reaped
#   make_member A B NAME          B (new) joins A's network by bundles
NET_PIDS=""
DPID=""
DADDR=""
SD_RC=0

net_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_every STEP SECONDS command...: runs command every STEP seconds
# until it succeeds (0) or SECONDS have passed (1).
wait_every() {
	wf_step=$1
	wf_end=$(($(net_now_ms) + $2 * 1000))
	shift 2
	while :; do
		"$@" && return 0
		[ "$(net_now_ms)" -ge "$wf_end" ] && return 1
		sleep "$wf_step"
	done
}

wait_for() { wait_every 0.1 "$@"; }

# True while the process runs (a zombie waiting to be reaped does not).
proc_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	! sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^[ZX]'
}
proc_gone() { ! proc_alive "$1"; }

# The number of "listening on" lines in a daemon's log.
net_listen_lines() {
	if [ -f "$1.log" ]; then grep -c ' listening on ' "$1.log" || :; else echo 0; fi
}

# Ready: listening (one more "listening on" line than $2) and the
# control socket is there.
net_ready() {
	[ "$(net_listen_lines "$1")" -gt "$2" ] && [ -S "$1/ctl" ]
}

# Starts a daemon and returns at once; sets DPID.
spawn_daemon() {
	"$DUGNAD_BIN" --dir "$1" serve --listen "${2:-127.0.0.1:0}" \
		</dev/null >>"$1.out" 2>>"$1.log" &
	DPID=$!
	NET_PIDS="$NET_PIDS $DPID"
	echo "$DPID" >"$1.pid"
}

start_daemon() {
	sd_before=$(net_listen_lines "$1")
	spawn_daemon "$@"
	DADDR=""
	wait_for 10 net_ready "$1" "$sd_before" || return 1
	DADDR=$(sed -n 's/^.* listening on //p' "$1.log" | tail -n 1)
	[ -n "$DADDR" ]
}

# stop_pid PID [SIGNAL]: sends the signal (TERM) to a daemon started by
# this shell and waits for its exit; SD_RC is the exit status (124: it
# had to be killed after 10 s).
stop_pid() {
	kill "-${2:-TERM}" "$1" 2>/dev/null
	if ! wait_for 10 proc_gone "$1"; then
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		SD_RC=124
		return 1
	fi
	wait "$1" 2>/dev/null
	SD_RC=$?
	[ "$SD_RC" -eq 0 ]
}

# Sends a signal to the daemon of directory $1 and waits for the exit.
stop_daemon() { stop_pid "$(cat "$1.pid")" "${2:-TERM}"; }

crash_daemon() { stop_daemon "$1" KILL; }

kill_daemons() {
	for kd_pid in $NET_PIDS; do
		if proc_alive "$kd_pid"; then
			kill -9 "$kd_pid" 2>/dev/null
			wait "$kd_pid" 2>/dev/null
		fi
	done
}

# dump_logs LINES [KEEP]: when a check failed, the last LINES lines of
# every daemon log ($TMP/*.log), and a copy of $TMP in KEEP if set.
dump_logs() {
	[ "$T_FAIL" -gt 0 ] || return 0
	for dl_f in "$TMP"/*.log; do
		[ -f "$dl_f" ] || continue
		echo "--- $(basename "$dl_f") (last $1 lines)"
		tail -n "$1" "$dl_f"
	done
	[ -n "${2:-}" ] && cp -r "$TMP" "$2"
	return 0
}

# Kills every daemon when the test ends, whatever way it ends.
net_trap() {
	trap 'kill_daemons; rm -rf "$TMP"' EXIT
	trap 'exit 130' INT TERM HUP
}

# The full node id of the node in directory $1.
node_id_of() {
	dg --dir "$1" --json id 2>/dev/null |
		sed -n 's/^{"id":"\([a-z0-9]*\)".*/\1/p'
}

# B (a new directory) joins A's network with a pre-approved invite, the
# requests and the welcome carried as bundle files.  Run it while no
# daemon runs on A.
make_member() {
	mm_code=$(dg --dir "$1" --json invite --approved 2>/dev/null |
		sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
	[ -n "$mm_code" ] || return 1
	dg --dir "$2" init >/dev/null 2>&1 || return 1
	mm_id=$(node_id_of "$2")
	[ -n "$mm_id" ] || return 1
	dg --dir "$2" join "$mm_code" --name "$3" >/dev/null 2>&1 &&
		dg --dir "$2" bundle export "$2.req" >/dev/null 2>&1 &&
		dg --dir "$1" bundle import "$2.req" >/dev/null 2>&1 &&
		dg --dir "$1" bundle export "$2.welcome" --for "$mm_id" \
			>/dev/null 2>&1 &&
		dg --dir "$2" bundle import "$2.welcome" >/dev/null 2>&1
}
