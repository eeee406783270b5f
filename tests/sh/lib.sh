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

finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}
