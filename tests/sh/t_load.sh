#!/bin/sh
# t_load.sh - many authors: LOAD_ENTRIES entries (30,000) written by
# LOAD_AUTHORS members (1,000) reach a fresh member over TCP, each entry
# once, with the receiver's memory bounded throughout.
# soak: SOAK=1 (make soak) sends 1,000,000 entries from 1,000 authors.
#
# A founds a network and admits B (bundles) before anyone writes.  The
# authors are made by tests/tools/dg_gen on A's store: one approved
# invite, a join request bundle that A ingests (every author admitted,
# each given the content keys), then the entries, signed and sealed by
# their authors, in bundles that A ingests.  Then A and B run `dugnad
# serve` on 127.0.0.1 and B dials A (`peer add`): B's real ingest takes
# everything over the network.  Checked: B ends with A's entries and
# authors, A sent each entry once and B stored each once (per-peer
# counters of both daemons), B refused nothing, no alert, both stores
# verify and hold the same records, and a one-shot `sync` afterwards
# finds the two in sync (same digest: the same heads).  B's resident
# memory is sampled every 10 ms from before the dial to the end of the
# transfer (VmRSS, and its anonymous part: heap, not the LMDB map) and
# must stay under LOAD_RSS_MAX_KIB and LOAD_ANON_MAX_KIB.
. "$(dirname "$0")/lib.sh"

net_trap
cd "$TMP" || exit 1
if [ "${SOAK:-0}" = 1 ]; then
	N=${LOAD_ENTRIES:-1000000}
	RSS_MAX=${LOAD_RSS_MAX_KIB:-3145728}
	ANON_MAX=${LOAD_ANON_MAX_KIB:-262144}
else
	N=${LOAD_ENTRIES:-30000}
	RSS_MAX=${LOAD_RSS_MAX_KIB:-163840}
	ANON_MAX=${LOAD_ANON_MAX_KIB:-65536}
fi
AUTHORS=${LOAD_AUTHORS:-1000}
# time limits: a generous rate on a slow, shared machine (or under
# sanitizers), never a figure: bench/ measures
LIMIT=$((60 + N / 1000))
GEN="$DUGNAD_TOOLS/dg_gen"
[ -x "$GEN" ] || { fail "setup: $GEN is not built (make test builds it)"; finish; }

A=$TMP/A
B=$TMP/B
new_node "$A" && make_member "$A" "$TMP/B0" "Receiver" ||
	{ fail "setup: A and its member B"; finish; }

stat_of() { # dir key: a number of the node's --json status
	dg --dir "$1" --json status 2>/dev/null |
		sed -n "s/^.*\"$2\":\\([0-9]*\\)[,}].*\$/\\1/p"
}
json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
# The counters of node $1's connected peer $2 (address or node id):
# "entries_in entries_out", empty when not connected.
peer_counts() {
	dg --dir "$1" --json status 2>/dev/null | python3 -c 'import json, sys
for p in json.load(sys.stdin)["peers"]:
    if p["connected"] and sys.argv[1] in (p["address"], p["node"]):
        print(p["entries_in"], p["entries_out"])' "$2" 2>/dev/null
}
# The sorted ids of the records node $1 lists (--json list prints one
# record a line), to $2.
record_ids() {
	dg --dir "$1" --json list 2>/dev/null |
		sed -n 's/^{"id":"\([a-z0-9]*\)".*/\1/p' | sort >"$2"
}

BASE=$(stat_of "$A" entries)
run "$GEN" --dir "$A" --authors "$AUTHORS" --entries "$N"
check_rc 0 "dg_gen: $AUTHORS authors admitted on A, $N entries ingested"
sed 's/^/note: dg_gen: /' "$OUT"
# the invite, then an admission and a key delivery per author
WANT=$((BASE + 1 + 2 * AUTHORS + N))
check "A holds $WANT entries from $((AUTHORS + 1)) authors" \
	test "$(stat_of "$A" entries)" = "$WANT" -a \
	"$(stat_of "$A" authors)" = "$((AUTHORS + 1))"

# A bundle for every member is sealed to each of them, 400 at most:
# with more, none is written (never a file some members cannot open).
if [ "$AUTHORS" -ge 400 ]; then
	SUM=$(store_sum "$A")
	run dg --dir "$A" bundle export "$TMP/all.bundle"
	check_rc 65 "bundle export for all $((AUTHORS + 1)) members: refused (exit 65)"
	check_err "too many for one bundle" "… says there are too many members for one bundle"
	check "… and writes no file" test ! -e "$TMP/all.bundle"
	check "… and leaves A's store unchanged" test "$(store_sum "$A")" = "$SUM"
fi

start_daemon "$A" || { fail "setup: A's daemon"; finish; }
ADDR_A=$DADDR
cp -r "$TMP/B0" "$B"
B_BEFORE=$(stat_of "$B" entries)
start_daemon "$B" || { fail "setup: B's daemon"; finish; }
B_PID=$DPID
B_ID=$(node_id_of "$B")
EXPECT=$((WANT - B_BEFORE))

# B's memory every 10 ms until TERM (or B's end): the largest VmRSS,
# RssAnon and RssFile seen, and the number of samples, to $TMP/mem.
python3 -c 'import signal, sys, time
pid, out = sys.argv[1], sys.argv[2]
peak = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
n = 0
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
try:
    while True:
        try:
            with open("/proc/%s/status" % pid) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in peak:
                        peak[k] = max(peak[k], int(v.split()[0]))
        except (OSError, ValueError):
            break
        n += 1
        time.sleep(0.01)
finally:
    with open(out, "w") as f:
        f.write("%d %d %d %d\n" % (peak["VmRSS"], peak["RssAnon"],
                                  peak["RssFile"], n))' "$B_PID" "$TMP/mem" &
SAMPLER=$!
NET_PIDS="$NET_PIDS $SAMPLER"

T0=$(net_now_ms)
run dg --dir "$B" peer add "$ADDR_A"
check_rc 0 "B: peer add A (B dials A)"
all_in() {
	[ "$(stat_of "$B" entries)" = "$WANT" ] &&
		dg --dir "$B" --json status >"$TMP/b.json" 2>/dev/null &&
		json_ok "$TMP/b.json" "any(p['connected'] and p['in_sync'] for p in d['peers'])"
}
check "B gets all $EXPECT entries from A over TCP, in sync" \
	wait_for "$LIMIT" all_in
T1=$(net_now_ms)
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
echo "note: $EXPECT entries from $AUTHORS authors in $((T1 - T0)) ms (dial, polling every 0.1 s included)"

# shellcheck disable=SC2046
set -- $(cat "$TMP/mem" 2>/dev/null) 0 0 0 0
echo "note: receiver B, largest seen in $4 samples: VmRSS $1 KiB, RssAnon $2 KiB, RssFile $3 KiB; VmHWM $(awk '/^VmHWM:/ { print $2 }' "/proc/$B_PID/status") KiB (Argon2id at start included)"
case "${BUILD:-build}" in
*san*) # AddressSanitizer's shadow memory and quarantine are not the node's
	echo "skip: memory bounds under sanitizers (measured in the plain build)" ;;
*)
	check "B's memory was sampled during the transfer ($4 samples)" \
		test "$4" -ge 5
	check "B's resident size stays under $RSS_MAX KiB ($1 KiB)" \
		test "$1" -gt 0 -a "$1" -lt "$RSS_MAX"
	check "B's anonymous memory stays under $ANON_MAX KiB ($2 KiB)" \
		test "$2" -gt 0 -a "$2" -lt "$ANON_MAX" ;;
esac

# Each entry once: what A sent to B, what B stored from A.
# shellcheck disable=SC2046
set -- $(peer_counts "$A" "$B_ID") - -
echo "note: A sent B $2 entries for the $EXPECT B lacked"
check "A sent each entry once ($2 sent, $EXPECT wanted)" test "$2" = "$EXPECT"
# shellcheck disable=SC2046
set -- $(peer_counts "$B" "$ADDR_A") - -
check "B stored each entry once ($1 stored, $EXPECT wanted)" test "$1" = "$EXPECT"
check "B refused nothing (no 'refused' line in its log)" \
	eval "! grep -q ' refused ' '$B.log'"
check "B holds A's $((AUTHORS + 1)) authors" \
	test "$(stat_of "$B" authors)" = "$(stat_of "$A" authors)"
no_alert() {
	dg --dir "$1" --json status >"$TMP/s.json" 2>/dev/null &&
		json_ok "$TMP/s.json" "d['alerts'] == []"
}
check "no alert on A or B" eval 'no_alert "$A" && no_alert "$B"'
stop_daemon "$B"
RC=$SD_RC
check_rc 0 "B's daemon stops on SIGTERM with exit 0"
run dg --dir "$B" --json sync "$ADDR_A"
check_rc 0 "B sync A once more: exit 0"
check "B sync A once more: in sync at once (same digest), nothing moved" \
	json_ok "$OUT" "d['in_sync'] and d['received'] == 0 and d['sent'] == 0"
stop_daemon "$A"
RC=$SD_RC
check_rc 0 "A's daemon stops on SIGTERM with exit 0"
run dg --dir "$A" verify
check_rc 0 "A: verify passes"
run dg --dir "$B" verify
check_rc 0 "B: verify passes"
check_out "$WANT entries checked" "B: verify checked all $WANT entries"
# (without the daemons: an answer through the control socket holds at
# most 16 MiB, about 50,000 records)
record_ids "$A" "$TMP/a.ids"
record_ids "$B" "$TMP/b.ids"
check "A and B list the same $N records" eval \
	'[ "$(wc -l <"$TMP/a.ids")" -eq "$N" ] && cmp -s "$TMP/a.ids" "$TMP/b.ids"'
dump_logs 20
finish
