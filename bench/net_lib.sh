# bench/net_lib.sh - sourced by bench/net_*.sh: a temporary directory,
# daemons that are always stopped, members made by bundles, and small
# python3 helpers for timing and tables.
#
# Every daemon started with start_daemon is recorded in $NT/pids and
# stopped (SIGTERM, then SIGKILL after 5 s) on exit, on ^C and on
# SIGTERM.  KEEP=1 keeps the temporary directory for a post-mortem.
set -u
BIN=${1:-${DUGNAD_BIN:-}}
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
	echo "usage: $0 PATH/TO/dugnad" >&2
	exit 64
fi
command -v python3 >/dev/null 2>&1 || {
	echo "$0: python3 is needed for timing" >&2
	exit 69
}
NT=$(mktemp -d "${TMPDIR:-/tmp}/dugnad-net.XXXXXX")
: >"$NT/pids"
export HOME="$NT/home"
mkdir -p "$HOME"
unset DUGNAD_DIR XDG_DATA_HOME DUGNAD_MAP_SIZE
export DUGNAD_PASSPHRASE="bench passphrase"
RUNS=${RUNS:-3}

# Stops one daemon by its id: SIGTERM, then SIGKILL after 5 s.
stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	sp_i=0
	while kill -0 "$1" 2>/dev/null; do
		sp_i=$((sp_i + 1))
		if [ "$sp_i" -gt 500 ]; then
			kill -KILL "$1" 2>/dev/null
			break
		fi
		sleep 0.01
	done
	wait "$1" 2>/dev/null || true
}

net_cleanup() {
	trap - EXIT INT TERM
	for p in $(cat "$NT/pids" 2>/dev/null); do
		stop_pid "$p"
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $NT" >&2
	else
		rm -rf "$NT"
	fi
}
trap net_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	echo "$0: $*" >&2
	exit 1
}

dg() { "$BIN" "$@"; }

# Starts `serve` on dir $1 listening on a free loopback port; sets PID
# and PORT.  Never call it inside $(...): the daemon must be a child of
# this shell.
start_daemon() {
	[ -f "$1.log" ] && cat "$1.log" >>"$1.log.old"
	: >"$1.log"
	"$BIN" --dir "$1" serve --listen 127.0.0.1:0 >/dev/null 2>"$1.log" &
	PID=$!
	echo "$PID" >>"$NT/pids"
	sd_i=0
	PORT=
	while [ -z "$PORT" ]; do
		PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' \
			"$1.log" | tail -n 1)
		[ -n "$PORT" ] && break
		kill -0 "$PID" 2>/dev/null || die "the daemon on $1 stopped: $(tail -n 3 "$1.log")"
		sd_i=$((sd_i + 1))
		[ "$sd_i" -gt 1000 ] && die "the daemon on $1 does not listen"
		sleep 0.01
	done
}

# Stops a daemon started by start_daemon.
stop_daemon() {
	stop_pid "$1"
	grep -v "^$1\$" "$NT/pids" >"$NT/pids.new" || true
	mv "$NT/pids.new" "$NT/pids"
}

# json FILE-or-- EXPR: prints the python expression with d = the document.
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]) if sys.argv[1] != "-" else sys.stdin)
print(eval(sys.argv[2]))' "$@"
}

node_id() { dg --dir "$1" id | sed -n 's/^node id: *//p'; }

# new_coordinator DIR: an identity and a network.
new_coordinator() {
	dg --dir "$1" init >/dev/null 2>&1 &&
		dg --dir "$1" network create "Bench" >/dev/null 2>&1 ||
		die "cannot make the coordinator $1"
}

# add_members COORD DIR...: every DIR becomes a member through bundles
# (one pre-approved invite code with as many uses), the way newcomers
# join without a network: join request out, welcome bundle back.
add_members() {
	am_c=$1
	shift
	am_code=$(dg --dir "$am_c" --json invite --approved --uses $# |
		json - 'd["code"]') || die "no invite code"
	for am_d in "$@"; do
		dg --dir "$am_d" init >/dev/null 2>&1 &&
			dg --dir "$am_d" join "$am_code" --name "$(basename "$am_d")" \
				>/dev/null 2>&1 &&
			dg --dir "$am_d" bundle export "$am_d.req" >/dev/null 2>&1 &&
			dg --dir "$am_c" bundle import "$am_d.req" >/dev/null 2>&1 ||
			die "$am_d cannot ask to join"
	done
	# Welcome bundles after every admission: each member then knows all.
	for am_d in "$@"; do
		dg --dir "$am_c" bundle export "$am_d.welcome" --for \
			"$(node_id "$am_d")" >/dev/null 2>&1 &&
			dg --dir "$am_d" bundle import "$am_d.welcome" >/dev/null 2>&1 ||
			die "$am_d cannot be welcomed"
	done
}

# entries DIR: entries in the store (through the daemon if one runs).
entries() { dg --dir "$1" --json status | json - 'd["entries"]'; }

# rss PID: "VmRSS RssAnon RssFile" in KiB.
rss() {
	awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
		END { print r, a, f }' "/proc/$1/status"
}

# cpu_ticks PID: user + system clock ticks used so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# timed OUTFILE CMD...: runs CMD with stdout to OUTFILE; prints "wall
# user sys maxrss_kib" of the command.
timed() {
	python3 -c 'import resource, subprocess, sys, time
out = open(sys.argv[1], "wb")
t = time.monotonic()
r = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.PIPE)
t = time.monotonic() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode(errors="replace"))
    sys.exit(r.returncode)
print("%.6f %.6f %.6f %d" % (t, u.ru_utime, u.ru_stime, u.ru_maxrss))' "$@"
}

# median NUMBER...: the median (the middle one of the sorted values; the
# mean of the two middle ones for an even count).
median() {
	python3 -c 'import statistics, sys
print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"
}

# row LABEL MEASURED TARGET: one line of a table.
row() { printf '%-52s %18s %20s\n' "$1" "$2" "$3"; }

# sync_rows LABEL: the table rows of what sync_runs measured (medians),
# the first one named LABEL.
sync_rows() {
	row "$1" \
		"$(median $RATES | python3 -c 'print("%.0f entries/s" % float(input()))')" \
		">= 100000 entries/s"
	row "  wall time of the sync command" \
		"$(python3 -c "print('%.2f s' % $(median $WALLS))")" "-"
	row "  receiver CPU (user + sys)" \
		"$(python3 -c "print('%.2f + %.2f s' % ($(median $USERS), $(median $SYSTS)))")" "-"
	row "  sender CPU (A's daemon)" "$(median $SENDERS) s" "-"
	row "  receiver peak RSS (Argon2id 64 MiB, LMDB map)" \
		"$(python3 -c "print('%.1f MiB' % ($(median $RSSS) / 1024))")" "-"
}

# result LABEL VALUE UNIT OP TARGET: one figure for the summary table of
# bench/run, appended to the file $BENCH_RESULTS when it is set, as
# tab-separated fields; OP is >=, <, <= or - (no target: TARGET -).
result() {
	[ -n "${BENCH_RESULTS:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" \
		>>"$BENCH_RESULTS"
}

# sync_runs B0 ADDR APID WANT: RUNS times, a fresh copy of the member
# B0 runs `dugnad --json sync ADDR` once (timed from process start to
# exit) against the daemon APID, and must end holding WANT entries.  One
# value per run in RATES (entries received / s), WALLS, USERS, SYSTS
# (the sync process: s), RSSS (its peak RSS: KiB) and SENDERS (the
# daemon's CPU: s).
sync_runs() {
	RATES= WALLS= USERS= SYSTS= RSSS= SENDERS=
	sr_b0=$1 sr_addr=$2 sr_pid=$3 sr_want=$4
	sr_r=1
	while [ "$sr_r" -le "$RUNS" ]; do
		rm -rf "$NT/B"
		cp -r "$sr_b0" "$NT/B"
		sync
		sr_c0=$(cpu_ticks "$sr_pid")
		sr_t=$(timed "$NT/out" "$BIN" --dir "$NT/B" --json sync \
			"$sr_addr") || die "sync from $sr_addr failed"
		sr_c1=$(cpu_ticks "$sr_pid")
		sr_got=$(json "$NT/out" 'd["received"]')
		[ "$(entries "$NT/B")" = "$sr_want" ] ||
			die "B does not hold the $sr_want entries of the sender"
		# shellcheck disable=SC2086
		set -- $sr_t
		RATES="$RATES $(python3 -c "print($sr_got / $1)")"
		WALLS="$WALLS $1"
		USERS="$USERS $2"
		SYSTS="$SYSTS $3"
		RSSS="$RSSS $4"
		SENDERS="$SENDERS $(python3 -c "import os
print(($sr_c1 - $sr_c0) / os.sysconf('SC_CLK_TCK'))")"
		sr_r=$((sr_r + 1))
	done
}
