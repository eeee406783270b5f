#!/bin/sh
# bench/net_mesh.sh - convergence of a mesh of M daemons on loopback on
# one new entry, and the resident memory of its idle daemons.
#
#   sh bench/net_mesh.sh build/dugnad            M=30 nodes, RUNS=5
#   M=30 RUNS=5 SEED=7 EXTRA=15 sh bench/net_mesh.sh build/dugnad
#   VERBOSE=1 ...   also shows when each node got the entry (stderr)
#
# Node 0 founds the network and admits the M-1 others through bundles
# (one pre-approved invite with M-1 uses; join requests in, welcome
# bundles out).  Every node runs `dugnad serve` on 127.0.0.1; edges are
# made with `dugnad peer add` on the node of the lower number, which
# dials the other and stays connected (live push).
#
# Two graphs on the same daemons, one after the other:
#   line    0 - 1 - 2 - ... - (M-1), diameter M-1
#   random  a random spanning tree (each node i > 0 to a random j < i)
#           and EXTRA more random edges, seeded (SEED)
# Once every node has all its peers connected and in sync and all hold
# the same entries, `dugnad add contact ...` on node 0 (sent to its
# daemon through the control socket) starts the clock; the clock stops
# when the nodes farthest from node 0 (in hops) show one more entry in
# `dugnad --json status`, polled one after the other without pause
# (about 1.5 ms a poll: a process and a control socket round trip).  The
# other nodes are checked after that, each timed when checked: "all
# seen" is an upper bound that grows by one poll per node.  In a line
# the far end is the last to get the entry, so its time is the
# convergence; in the random graph the upper bound is the figure.
#
# Memory: VmRSS of every daemon after 3 s idle (anonymous and
# file-backed, the LMDB map, apart).
RUNS=${RUNS:-5}
. "$(dirname "$0")/net_lib.sh"

M=${M:-30}
SEED=${SEED:-7}
EXTRA=${EXTRA:-$((M / 2))}

node() { printf '%s/n%02d' "$NT" "$1"; }

i=1
dirs=
while [ "$i" -lt "$M" ]; do
	dirs="$dirs $(node "$i")"
	i=$((i + 1))
done
new_coordinator "$(node 0)"
T0=$(python3 -c 'import time; print(time.monotonic())')
# shellcheck disable=SC2086
add_members "$(node 0)" $dirs
SETUP=$(python3 -c "import time; print('%.0f' % (time.monotonic() - $T0))")

i=0
: >"$NT/ports"
while [ "$i" -lt "$M" ]; do
	start_daemon "$(node "$i")"
	eval "PID_$i=$PID"
	echo "$i $PORT $PID" >>"$NT/ports"
	i=$((i + 1))
done

# The edges of a graph, "a b" a line, a < b.
line_edges() {
	i=0
	while [ "$i" -lt $((M - 1)) ]; do
		echo "$i $((i + 1))"
		i=$((i + 1))
	done
}
random_edges() {
	python3 -c 'import random, sys
m, extra, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
edges = set()
for i in range(1, m):
    edges.add((rng.randrange(i), i))
while len(edges) < m - 1 + extra:
    a, b = sorted(rng.sample(range(m), 2))
    edges.add((a, b))
for a, b in sorted(edges):
    print(a, b)' "$M" "$EXTRA" "$SEED"
}

port_of() { awk -v n="$1" '$1 == n { print $2 }' "$NT/ports"; }

# use_edges FILE: makes the daemons' peers the edges of FILE (removes
# the peers of the previous graph that are not edges of this one).
use_edges() {
	[ -f "$NT/edges" ] || : >"$NT/edges"
	while read -r a b; do
		grep -qx "$a $b" "$1" && continue
		dg --dir "$(node "$a")" peer remove "127.0.0.1:$(port_of "$b")" \
			>/dev/null 2>&1 || die "peer remove failed"
	done <"$NT/edges"
	while read -r a b; do
		grep -qx "$a $b" "$NT/edges" && continue
		dg --dir "$(node "$a")" peer add "127.0.0.1:$(port_of "$b")" \
			>/dev/null 2>&1 || die "peer add failed"
	done <"$1"
	cp "$1" "$NT/edges"
}

# settle: waits until every node has exactly its edges connected and in
# sync and every node holds the same number of entries.
settle() {
	python3 -c 'import json, subprocess, sys, time
bin, nt, m = sys.argv[1], sys.argv[2], int(sys.argv[3])
deg = [0] * m
for line in open(nt + "/edges"):
    a, b = map(int, line.split())
    deg[a] += 1
    deg[b] += 1
end = time.monotonic() + 120
while True:
    ok, counts = True, set()
    for i in range(m):
        out = subprocess.run([bin, "--dir", "%s/n%02d" % (nt, i), "--json",
                              "status"], capture_output=True).stdout
        d = json.loads(out)
        counts.add(d["entries"])
        up = sum(1 for p in d["peers"] if p["connected"] and p["in_sync"])
        if up != deg[i]:
            ok = False
    if ok and len(counts) == 1:
        sys.exit(0)
    if time.monotonic() > end:
        sys.stderr.write("the mesh did not settle: entries %s\n" % counts)
        sys.exit(1)
    time.sleep(0.1)' "$BIN" "$NT" "$M" || die "the mesh did not settle"
}

# converge: RUNS appends on node 0; prints, in ms unless said, "far-median
# far-max all-median all-max diameter add-median nfar": when the nodes
# farthest from node 0 were seen with the entry, when all were.
converge() {
	python3 -c 'import collections, json, statistics, subprocess, sys, time
bin, nt, m, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
verbose = sys.argv[5] == "1"
adj = collections.defaultdict(set)
for line in open(nt + "/edges"):
    a, b = map(int, line.split())
    adj[a].add(b)
    adj[b].add(a)
dist = {0: 0}
q = collections.deque([0])
while q:
    u = q.popleft()
    for v in adj[u]:
        if v not in dist:
            dist[v] = dist[u] + 1
            q.append(v)
assert len(dist) == m, "the graph is not connected"
diam = max(dist.values())
far = [i for i in range(m) if dist[i] == diam]
rest = sorted((i for i in range(m) if dist[i] < diam and i != 0),
              key=lambda i: -dist[i])
def entries(i):
    out = subprocess.run([bin, "--dir", "%s/n%02d" % (nt, i), "--json",
                          "status"], capture_output=True).stdout
    return json.loads(out)["entries"]
fars, alls, adds = [], [], []
for r in range(runs):
    before = entries(m - 1)
    t0 = time.monotonic()
    subprocess.run([bin, "--dir", nt + "/n00", "add", "contact",
                    "name=Probe %d" % r, "phone=+47 400 00 %03d" % r],
                   stdout=subprocess.DEVNULL, check=True)
    adds.append(time.monotonic() - t0)
    seen = {}
    deadline = t0 + 30
    for group in (far, rest):
        pending = list(group)
        while pending and time.monotonic() < deadline:
            for i in list(pending):
                if entries(i) > before:
                    seen[i] = time.monotonic() - t0
                    pending.remove(i)
        if group is far:
            fars.append(max(seen.values()) if seen else 99)
    if len(seen) < m - 1:
        print("run %d: %d nodes never got the entry" % (r, m - 1 - len(seen)),
              file=sys.stderr)
        sys.exit(1)
    alls.append(max(seen.values()))
    if verbose:
        print("run %d: add %.1f ms; seen (hops: ms) %s" % (r, adds[-1] * 1e3,
              " ".join("n%02d(%d):%.1f" % (i, dist[i], seen[i] * 1e3)
                       for i in sorted(seen, key=seen.get))), file=sys.stderr)
    time.sleep(0.2)
ms = lambda v: statistics.median(v) * 1e3
print("%.1f %.1f %.1f %.1f %d %.1f %d" % (ms(fars), max(fars) * 1e3, ms(alls),
      max(alls) * 1e3, diam, ms(adds), len(far)))' \
		"$BIN" "$NT" "$M" "$RUNS" "${VERBOSE:-0}" || die "no convergence"
}

line_edges >"$NT/line"
use_edges "$NT/line"
settle
LINE=$(converge)
NEDGES_LINE=$(wc -l <"$NT/line" | tr -d ' ')

random_edges >"$NT/random"
use_edges "$NT/random"
settle
RANDOM_G=$(converge)
NEDGES_RANDOM=$(wc -l <"$NT/random" | tr -d ' ')
MAXDEG=$(awk '{ d[$1]++; d[$2]++ } END { for (k in d) if (d[k] > m) m = d[k]; print m }' "$NT/random")

sleep 3
: >"$NT/rss"
i=0
while [ "$i" -lt "$M" ]; do
	eval "p=\$PID_$i"
	rss "$p" >>"$NT/rss"
	i=$((i + 1))
done
RSS=$(python3 -c 'import statistics, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1])]
med = [statistics.median(r[k] for r in rows) for k in range(3)]
mx = max(rows)
print("%.1f %.1f %.1f %.1f %.1f %.1f" % tuple(x / 1024 for x in med + mx))' "$NT/rss")

echo
echo "Network: a mesh of $M daemons on loopback (median of $RUNS appends; members made in ${SETUP} s)"
row "benchmark" "measured" "target (DESIGN §5)"
set -- $LINE
row "line, $NEDGES_LINE edges: far end ($5 hops) has it" "$1 ms (max $2)" "< 1000 ms"
row "  per hop" "$(python3 -c "print('%.2f ms' % ($1 / $5))")" "-"
row "  all $M seen (upper bound: +1 poll a node)" "$3 ms (max $4)" "-"
row "  the add command on node 0 (included above)" "$6 ms" "-"
set -- $RANDOM_G
row "random graph, $NEDGES_RANDOM edges: farthest ($7 at $5 hops)" "$1 ms (max $2)" "-"
row "  all $M seen (upper bound: +1 poll a node)" "$3 ms (max $4)" "< 1000 ms"
set -- $RSS
row "idle daemon RSS, median of $M (max degree $MAXDEG)" "$1 MiB" "< 10 MiB"
row "  anonymous / file-backed (median)" "$2 / $3 MiB" "-"
row "  largest RSS (anon / file)" "$4 MiB ($5 / $6)" "-"

set -- $LINE
result "convergence, line of $M: far end ($5 hops)" "$1" ms "<" 1000
set -- $RANDOM_G
result "convergence, random graph of $M: all seen" "$3" ms "<" 1000
set -- $RSS
result "idle daemon RSS, small log (median of $M)" "$1" MiB "<" 10
