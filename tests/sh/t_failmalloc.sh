#!/bin/sh
# t_failmalloc.sh - allocation failure (issue 6).  Real commands run with
# tests/tools/failmalloc.so preloaded, which makes the N-th allocation
# made from the first line of main() on fail (malloc, calloc, realloc,
# posix_memalign, ...; in dugnad, libc, libsodium and Argon2, LMDB,
# msgpack-c, utf8proc and libuv alike).  For each command, a run without
# failure counts its allocations (K); then N takes every value 1..K, or
# a seeded sample when K is larger than FM_TRIES, and a few runs fail
# every allocation from N on.  Each run must end with exit 0 or 71 (out
# of memory): never a signal, a hang or another code; a failed run says
# so in one line on stderr and writes nothing on stdout or in a file; a
# run that succeeded prints (and writes) what a run without failure
# does.  Afterwards, without the shim, verify passes and the store holds
# what it held before (exit 71; a sync may keep the batch it received),
# or what a run without failure leaves (exit 0).
#
# libuv abort()s by design when some of its own allocations fail (the
# array of watched descriptors, grown by uv_tcp_connect or uv_read_start;
# its one-time initialisers: the signal pipe's fork handler, the thread
# pool): allocations libuv makes itself are spared (not failed) and
# counted.  Not under SAN=1: AddressSanitizer owns malloc.
. "$(dirname "$0")/lib.sh"

SO=${DUGNAD_TOOLS:-}/failmalloc.so
case "${BUILD:-build}" in
*san*)
	echo "skip: allocation failure injection needs the plain build (AddressSanitizer owns malloc)"
	echo "0 passed, 0 failed"
	exit 0
	;;
esac
if [ ! -f "$SO" ]; then
	echo "skip: $SO is not built ('make test' builds it)"
	echo "0 passed, 0 failed"
	exit 0
fi
net_trap
cd "$TMP" || exit 1
# The C locale: setlocale() then allocates nothing, and the sweep covers
# dugnad's allocations rather than glibc loading a locale (whose
# failures setlocale() handles by itself).
export LC_ALL=C

SEED=${DUGNAD_TEST_SEED:-$(($$ + $(date +%s) % 100000))}
echo "#    seed $SEED (set DUGNAD_TEST_SEED to repeat)"
# Failure points tried per command (every one when K is no larger), and
# runs that fail every allocation from a point on.
TRIES=${FM_TRIES:-30}
REPEATS=${FM_REPEATS:-4}

# fm_run DIR AT REPEAT PREFIX CMD...: CMD on the store in DIR with the
# shim, in the empty directory PREFIX.w (where a relative output file
# goes); PREFIX.rc, .out, .err, .log (what the shim did), .count.
fm_run() {
	fr_dir=$1 fr_at=$2 fr_rep=$3 fr_p=$4
	shift 4
	mkdir "$fr_p.w"
	# the shim in dugnad only, not in timeout or env
	(cd "$fr_p.w" && timeout 30 env LD_PRELOAD="$SO" \
		DUGNAD_FAILMALLOC_AT="$fr_at" DUGNAD_FAILMALLOC_REPEAT="$fr_rep" \
		DUGNAD_FAILMALLOC_SPARE=libuv.so DUGNAD_FAILMALLOC_LOG="$fr_p.log" \
		DUGNAD_FAILMALLOC_COUNT="$fr_p.count" \
		"$DUGNAD_BIN" --dir "$fr_dir" "$@" \
		>"$fr_p.out" 2>"$fr_p.err" </dev/null)
	echo $? >"$fr_p.rc"
}

# The files a command wrote in its directory: name and size, and the
# content of those that are not encrypted bundles.
wfiles() {
	for wf_f in "$1"/*; do
		[ -f "$wf_f" ] || continue
		echo "$(basename "$wf_f") $(wc -c <"$wf_f")"
		case "$wf_f" in *.bundle) ;; *) cat "$wf_f" ;; esac
	done
}

# What a store holds: verify's count and problems, and every record
# (removed ones too) with its record id and times blanked, sorted; or,
# with no node there, the exit status of 'id'.
state() {
	if ! dgt --dir "$1" id >/dev/null 2>&1; then
		echo "no node: id exits $(dgt --dir "$1" id >/dev/null 2>&1; echo $?)"
		return
	fi
	dgt --dir "$1" --json verify 2>&1
	dgt --dir "$1" --json list --all 2>&1 | sed -E \
		-e 's/"id":"[a-z0-9]*"/"id":_/' \
		-e 's/"(created|updated)":"[^"]*"/"\1":_/g' | sort
}

# What a command prints, without what differs from run to run (a sync
# that recovered from a failure by dialling again may send again what
# the peer turns out to hold).
norm_out() {
	sed -E -e 's/^(added|changed) (contact|meeting|referral) [a-z0-9]+$/\1 \2 ID/' \
		-e 's/^(node id|short id|safety number): .*$/\1: _/' \
		-e 's/^DTSTAMP:.*$/DTSTAMP:_/' \
		-e 's/^(in sync with .* entries received), [0-9]+ sent$/\1, _ sent/' "$1"
}

# fm_one TEMPLATE N REPEAT CMD...: one run failing at N (and after N
# when REPEAT is 1); writes the verdict to $W/N[r].v: "N rc what", what
# being ok, crash, code, message, output, state or again.
fm_one() {
	fo_t=$1 fo_i=$2 fo_rep=$3
	shift 3
	fo_p=$W/$fo_i
	[ "$fo_rep" = 1 ] && fo_p=$W/${fo_i}r
	rm -rf "$fo_p.d" "$fo_p.w"
	[ -d "$fo_t" ] && cp -R "$fo_t" "$fo_p.d"
	fm_run "$fo_p.d" "$fo_i" "$fo_rep" "$fo_p" "$@"
	fo_rc=$(cat "$fo_p.rc")
	fo_what=ok
	if [ "$fo_rc" -ge 124 ]; then
		fo_what=crash
	elif [ "$fo_rc" -eq 0 ]; then
		norm_out "$fo_p.out" >"$fo_p.nout"
		wfiles "$fo_p.w" >>"$fo_p.nout"
		if ! cmp -s "$fo_p.nout" "$W/ref.nout" ||
			! cmp -s "$fo_p.err" "$W/ref.err"; then
			fo_what=output
		else
			state "$fo_p.d" >"$fo_p.state"
			cmp -s "$fo_p.state" "$W/after.state" || fo_what=state
		fi
	elif [ "$fo_rc" -ne 71 ]; then
		fo_what=code
	elif [ "$(wc -l <"$fo_p.err")" -ne 1 ] ||
		! grep -q "^dugnad: [a-z]*: .*out of memory" "$fo_p.err" ||
		[ -s "$fo_p.out" ] || [ -n "$(ls -A "$fo_p.w")" ]; then
		fo_what=message
	elif [ ! -f "$fo_t/data.mdb" ] || [ ! -f "$fo_p.d/data.mdb" ] ||
		[ "$(store_sum "$fo_p.d")" != "$(store_sum "$fo_t")" ]; then
		# data.mdb written (or made): it must hold what it held (a
		# sync keeps the batches that came before the failure)
		state "$fo_p.d" >"$fo_p.state"
		cmp -s "$fo_p.state" "$W/before.state" ||
			{ [ -n "$FM_PARTIAL" ] &&
				cmp -s "$fo_p.state" "$W/after.state"; } ||
			fo_what=state
	fi
	# the command run again, without failure, works
	if [ "$fo_what" = ok ] && [ "$fo_rc" -eq 71 ] && [ -n "$FM_AGAIN" ] &&
		! dgt --dir "$fo_p.d" "$@" >"$fo_p.out" 2>"$fo_p.err"; then
		fo_what=again
	fi
	echo "$fo_i $fo_rc $fo_what" >"$fo_p.v"
	if [ "$fo_what" = ok ]; then
		rm -rf "$fo_p.d" "$fo_p.w" "$fo_p.out" "$fo_p.err" \
			"$fo_p.nout" "$fo_p.state"
	fi
}

# picks K COUNT SALT: COUNT distinct numbers of 1..K (all when K is no
# larger), reproducible from the seed.
picks() {
	awk -v k="$1" -v n="$2" -v s="$SEED" -v salt="$3" 'BEGIN {
		if (k <= n) { for (i = 1; i <= k; i++) print i; exit }
		srand(s + salt)
		while (c < n) {
			i = 1 + int(rand() * k)
			if (!(i in seen)) { seen[i] = 1; c++; print i }
		}
	}' | sort -n
}

# fm_report WHAT NAME: one check, failing with the runs judged WHAT.
fm_report() {
	RC=0
	: >"$OUT"
	: >"$ERR"
	for fr_v in "$W"/*.v; do
		read -r fr_i fr_rc fr_what <"$fr_v"
		[ "$fr_what" = "$1" ] || continue
		fr_p=${fr_v%.v}
		case "$fr_p" in *r) fr_i="$fr_i and every one after it" ;; esac
		echo "allocation $fr_i failing: exit $fr_rc:" \
			"$(head -c 300 "$fr_p.err" | tr '\n' '|')" >>"$ERR"
		if [ "$fr_what" = output ]; then
			diff "$W/ref.nout" "$fr_p.nout" | head -n 6 >>"$ERR"
		elif [ "$fr_what" = state ] && [ "$fr_rc" = 0 ]; then
			diff "$W/after.state" "$fr_p.state" | head -n 6 >>"$ERR"
		elif [ "$fr_what" = state ]; then
			diff "$W/before.state" "$fr_p.state" | head -n 6 >>"$ERR"
		fi
	done
	check "$2" test ! -s "$ERR"
}

# fm_cmd NAME TEMPLATE CMD...: the sweep of one command on copies of the
# store TEMPLATE (a directory that need not exist: init).
FM_SALT=0
FM_AGAIN=""
FM_PARTIAL=""
fm_cmd() {
	fc_name=$1 fc_t=$2
	shift 2
	W=$TMP/w-$fc_name
	rm -rf "$W"
	mkdir -p "$W"
	FM_SALT=$((FM_SALT + 1))
	# the reference: no failure, counting
	[ -d "$fc_t" ] && cp -R "$fc_t" "$W/ref.d"
	fm_run "$W/ref.d" 0 0 "$W/ref" "$@"
	RC=$(cat "$W/ref.rc")
	cp "$W/ref.out" "$OUT"
	cp "$W/ref.err" "$ERR"
	check_rc 0 "$fc_name: runs with the shim and no failure"
	fc_k=$(cat "$W/ref.count" 2>/dev/null || echo 0)
	norm_out "$W/ref.out" >"$W/ref.nout"
	wfiles "$W/ref.w" >>"$W/ref.nout"
	state "$W/ref.d" >"$W/after.state"
	if [ -d "$fc_t" ]; then state "$fc_t"; else state "$W/none"; fi \
		>"$W/before.state"
	{
		picks "$fc_k" "$TRIES" "$FM_SALT" | sed 's/$/ 0/'
		picks "$fc_k" "$REPEATS" "$((FM_SALT + 1000))" | sed 's/$/ 1/'
	} >"$W/plan"
	# two at a time (two cores); waiting for these only, not a daemon
	fc_pids=""
	while read -r fc_i fc_rep; do
		fm_one "$fc_t" "$fc_i" "$fc_rep" "$@" &
		fc_pids="$fc_pids $!"
		if [ "$(echo $fc_pids | wc -w)" -ge 2 ]; then
			wait $fc_pids
			fc_pids=""
		fi
	done <"$W/plan"
	[ -z "$fc_pids" ] || wait $fc_pids
	cat "$W"/*.v >"$W/verdicts"
	fc_runs=$(wc -l <"$W/verdicts")
	fc_71=$(awk '$2 == 71' "$W/verdicts" | wc -l)
	fc_spared=$(cat "$W"/*.log 2>/dev/null | grep -c '^spare')
	echo "#    $fc_name: $fc_k allocations; $fc_runs runs: $fc_71 exit 71," \
		"$((fc_runs - fc_71)) others; $fc_spared spared (made by libuv)"
	fm_report crash "$fc_name: no run dies on a signal or hangs"
	fm_report code "$fc_name: every run exits 0 or 71 (out of memory)"
	fm_report message "$fc_name: a run that exits 71 says 'out of memory' in one line on stderr, writes nothing on stdout or in a file"
	fm_report output "$fc_name: a run that exits 0 prints what a run without failure prints"
	fm_report state "$fc_name: afterwards verify passes and the store holds what it held before (exit 71) or what a run without failure leaves (exit 0)"
	if [ -n "$FM_AGAIN" ]; then
		fm_report again "$fc_name: after a run that exits 71, the command run again works"
	fi
	rm -rf "$W"
}

# --- the stores ------------------------------------------------------------
# A: a coordinator with three records; I: an identity without a network;
# M: a second member, with a record A has not seen, in a bundle.
A=$TMP/a
new_node "$A" || { echo "FAIL cannot make a node"; exit 1; }
dg --dir "$A" add contact name="Amina Hassan" phone="+47 912 34 567" \
	lang=so,nb >/dev/null &&
	dg --dir "$A" add meeting title="Kvinnegruppa" starts=2026-12-04T18:00 \
		repeat=weekly place="Frivilligsentralen" >/dev/null &&
	dg --dir "$A" add referral name="Legevakten Tromsø" category=health \
		phone=116117 >/dev/null || { echo "FAIL cannot add"; exit 1; }
ID=$(dg --dir "$A" --json list | sed -n 's/^{"id":"\([a-z0-9]*\)","type":"contact".*/\1/p')
I=$TMP/i
dg --dir "$I" init >/dev/null 2>&1 || { echo "FAIL cannot init"; exit 1; }
M=$TMP/m
make_member "$A" "$M" "Member B" || { echo "FAIL cannot make a member"; exit 1; }
dg --dir "$M" add referral name="Krisesenteret" category=violence \
	phone=22479500 >/dev/null &&
	dg --dir "$M" bundle export "$TMP/m.bundle" >/dev/null ||
	{ echo "FAIL cannot export the member's bundle"; exit 1; }
printf 'name,phone,email\nKari Nordmann,+47 400 00 001,kari@example.org\nOla Nordmann,+47 400 00 002,ola@example.org\nSara Ali,+47 400 00 003,sara@example.org\n' >"$TMP/in.csv"

# --- the sweeps ------------------------------------------------------------
FM_AGAIN=1
fm_cmd init "$TMP/new" init
FM_AGAIN=""
fm_cmd "network create" "$I" network create "Oslo"
fm_cmd add "$A" add contact name="Kari Nordmann" phone="+47 400 00 001"
fm_cmd edit "$A" edit "$ID" phone="+47 999 99 999" note="Ny"
fm_cmd erase "$A" erase "$ID"
fm_cmd list "$A" list
fm_cmd search "$A" search tromso
fm_cmd show "$A" --json show "$ID"
fm_cmd import "$A" import "$TMP/in.csv" --type contacts
fm_cmd "export ics" "$A" export --format ics
fm_cmd "export csv -o" "$A" export --format csv contacts -o out.csv
fm_cmd "bundle export" "$A" bundle export out.bundle
fm_cmd "bundle import" "$A" bundle import "$TMP/m.bundle"
fm_cmd verify "$A" verify
fm_cmd compact "$A" compact

# sync: the member's node serves (without the shim); A syncs with it and
# gets its record.  A sync that fails may have kept the one batch that
# came before the failure.
S=$TMP/s
cp -R "$M" "$S"
if start_daemon "$S"; then
	FM_PARTIAL=1
	fm_cmd sync "$A" sync "$DADDR"
	FM_PARTIAL=""
	stop_daemon "$S"
	RC=$SD_RC
	check_rc 0 "sync: the peer's daemon ran throughout and stops cleanly"
else
	RC=1
	check_rc 0 "sync: the peer's daemon starts"
fi
run dgt --dir "$S" verify
check_rc 0 "sync: the peer's store verifies"

finish
