#!/bin/sh
# bench/net_load.sh - replication of entries written by many authors:
# N entries (100,000) spread evenly over AUTHORS members (1,000), from
# one node to a fresh member over loopback TCP.
#
#   sh bench/net_load.sh build/dugnad             N=100000 AUTHORS=1000, 3 runs
#   N=1000000 RUNS=1 sh bench/net_load.sh build/dugnad   the target's size
#
# Setup: A founds a network; B joins through bundles before anyone
# writes and is kept as the empty member.  build/tools/dg_gen then
# admits AUTHORS members on A (one approved invite, their join requests
# in one bundle) and writes N contacts of about 200 bytes, signed and
# sealed by their authors, which A ingests as bundles.  A runs `dugnad
# serve`; each run, a fresh copy of B runs `dugnad --json sync A`, timed
# from process start to exit (as bench/net_repl.sh).  Then a daemon copy
# of B dials A and stays connected, so that A's status counts the
# entries it sent on that connection: the entries sent per entry B
# lacked (above 1 when B refused entries, e.g. of authors whose
# admission it had not seen yet, and asked for them again).
. "$(dirname "$0")/net_lib.sh"

N=${N:-100000}
AUTHORS=${AUTHORS:-1000}
GEN=$(dirname "$BIN")/tools/dg_gen
[ -x "$GEN" ] || die "$GEN is not built (make $(dirname "$BIN")/tools/dg_gen)"

A=$NT/A
B0=$NT/B0
new_coordinator "$A"
add_members "$A" "$B0"
t=$(timed "$NT/gen" "$GEN" --dir "$A" --authors "$AUTHORS" --entries "$N") ||
	die "dg_gen failed"
GEN_T=${t%% *}
start_daemon "$A"
APID=$PID
ADDR=127.0.0.1:$PORT
A_ENTRIES=$(entries "$A")
B_ENTRIES=$(entries "$B0")
sync_runs "$B0" "$ADDR" "$APID" "$A_ENTRIES"
SENT=$(dg --dir "$A" --json status | json - 'd["bytes_out"]')
LACKED=$((A_ENTRIES - B_ENTRIES))

# Once more to a daemon that dials A and stays connected: A's status then
# counts the entries it sent on that connection (resends included).
cp -r "$B0" "$NT/L"
start_daemon "$NT/L"
LPID=$PID
dg --dir "$NT/L" peer add "$ADDR" >/dev/null 2>&1 || die "peer add failed"
i=0
caught_up() {
	dg --dir "$NT/L" --json status | json - '(d["entries"] == '"$A_ENTRIES"' and
		any(p["connected"] and p["in_sync"] for p in d["peers"]))'
}
until [ "$(caught_up)" = True ]; do
	i=$((i + 1))
	[ "$i" -gt 20000 ] && die "the daemon did not catch up with A"
	sleep 0.05
done
OUT_N=$(dg --dir "$A" --json status |
	json - 'sum(p["entries_out"] for p in d["peers"] if p["connected"])')
set -- $(rss "$LPID")
L_RSS="$1:$2:$3"
stop_daemon "$LPID"
stop_daemon "$APID"

echo
echo "Network: $N entries from $AUTHORS authors, two nodes on loopback (median of $RUNS runs)"
row "benchmark" "measured" "target (DESIGN §5)"
sync_rows "replication, $N entries of $AUTHORS authors, durable"
row "  entries sent per entry lacked (to a daemon)" \
	"$(python3 -c "print('%.2f' % ($OUT_N / $LACKED))")" "1"
row "  that daemon right after: RSS (anon / file)" "$(echo "$L_RSS" |
	awk -F: '{ printf "%.1f MiB (%.1f / %.1f)", $1 / 1024, $2 / 1024, $3 / 1024 }')" "-"
row "  bytes on the wire per entry (A to B)" \
	"$(python3 -c "print('%.0f B' % ($SENT / ($LACKED * $RUNS)))")" "-"
row "  dg_gen: admit $AUTHORS, write and ingest $N on A" \
	"$(python3 -c "print('%.1f s' % $GEN_T)")" "-"

result "replication, $N entries of $AUTHORS authors, durable" \
	"$(median $RATES | cut -d. -f1)" entries/s ">=" 100000
result "  entries sent per entry lacked ($AUTHORS authors)" \
	"$(python3 -c "print('%.2f' % ($OUT_N / $LACKED))")" "" - -
