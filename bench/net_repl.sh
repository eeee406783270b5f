#!/bin/sh
# bench/net_repl.sh - replication between two nodes over loopback TCP,
# reconnection of two peers in sync, and the idle daemon's memory.
#
#   sh bench/net_repl.sh build/dugnad           N=100000 entries, 3 runs
#   N=1000000 RUNS=1 sh bench/net_repl.sh build/dugnad   the target's size
#
# Setup: A founds a network; B joins through bundles before A writes
# anything, and is kept as an empty member (a copy per run).  A imports
# N contacts of about 130 bytes of CSV each (5 fields; about 460 bytes
# an entry on the wire, signature and encryption included), then runs
# `dugnad serve` on 127.0.0.1.
#
# 1. replication: `dugnad --json sync A` from a fresh copy of B, timed
#    from the start of the process to its exit (passphrase derivation,
#    handshake and the durable commit of everything on B included);
#    entries/s = entries received / that time.  The CPU time of the
#    receiver (the sync process) and of the sender (A's daemon) are
#    shown to tell where the time goes.
# 2. reconnect: A's `status` bytes_in + bytes_out before and after one
#    `sync` from a B already in sync: every byte of both directions,
#    TCP payload from the first handshake message on.  For a small log
#    (before the import) and a large one (after).  Round trips are
#    counted from an strace of the sync process (connect, then each
#    wait for the peer's answer) when strace is installed.
# 3. memory: VmRSS of A's daemon, idle for 3 s with PEERS daemons of
#    other members connected to it (live, in sync with all N entries).
. "$(dirname "$0")/net_lib.sh"

N=${N:-100000}
PEERS=${PEERS:-2}
CHUNK=200000 # records per CSV file (import takes files up to 64 MiB)

A=$NT/A
B0=$NT/B0
new_coordinator "$A"
members="$B0"
i=1
while [ "$i" -le "$PEERS" ]; do
	members="$members $NT/P$i"
	i=$((i + 1))
done
# shellcheck disable=SC2086
add_members "$A" $members

# --- reconnect with a small log ---------------------------------------------
dg --dir "$A" add contact name="Amina Warsame" phone="+47 912 34 567" \
	>/dev/null 2>&1 || die "cannot add to A"
start_daemon "$A"
APID=$PID
APORT=$PORT
ADDR=127.0.0.1:$APORT
cp -r "$B0" "$NT/Bs"
dg --dir "$NT/Bs" sync "$ADDR" >/dev/null 2>&1 || die "small sync failed"

traffic() { # bytes_in + bytes_out of A's daemon so far
	dg --dir "$A" --json status | json - 'd["bytes_in"] + d["bytes_out"]'
}
# reconnect_bytes DIR: median bytes of $RUNS in-sync syncs of DIR with A.
reconnect_bytes() {
	rb_all=
	rb_i=0
	while [ "$rb_i" -lt "$RUNS" ]; do
		rb_0=$(traffic)
		dg --dir "$1" --json sync "$ADDR" >"$NT/out" 2>&1 ||
			die "sync failed: $(cat "$NT/out")"
		[ "$(json "$NT/out" 'd["in_sync"]')" = True ] ||
			die "$1 is not in sync with A"
		rb_all="$rb_all $(($(traffic) - rb_0))"
		rb_i=$((rb_i + 1))
	done
	# shellcheck disable=SC2086
	median $rb_all | sed 's/\.0$//'
}
SMALL_ENTRIES=$(entries "$A")
SMALL_BYTES=$(reconnect_bytes "$NT/Bs")

# Round trips of one in-sync sync, from the client's system calls:
# connect is one, then every time the client, having written, reads the
# peer's answer.  Prints "total after-connect".
RTT=
if command -v strace >/dev/null 2>&1; then
	if strace -f -qq -e trace=connect,read,write,writev,readv \
		-o "$NT/strace" "$BIN" --dir "$NT/Bs" sync "$ADDR" >/dev/null 2>&1; then
		RTT=$(python3 -c 'import re, sys
fd = None; last = None; waits = 0
for line in open(sys.argv[1]):
    m = re.search(r"connect\((\d+), \{sa_family=AF_INET", line)
    if m:
        fd = m.group(1)
        continue
    m = re.search(r"\b(read|readv|write|writev)\((\d+),.*= (\d+)$", line)
    if fd is None or not m or m.group(2) != fd or int(m.group(3)) == 0:
        continue
    op = "w" if m.group(1).startswith("w") else "r"
    if op == "r" and last == "w":
        waits += 1
    last = op
print(waits + 1, waits)' "$NT/strace")
	fi
fi

# --- N entries --------------------------------------------------------------
stop_daemon "$APID"
python3 -c 'import sys
n, chunk, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
langs = ["nb,so,ar", "nb,ti", "so,nb", "ar,en,nb", "pl,nb"]
f = None
for i in range(n):
    if i % chunk == 0:
        if f:
            f.close()
        f = open("%s.%04d.csv" % (base, i // chunk), "w")
        f.write("name,phone,email,lang,note\n")
    f.write("Volunteer %07d Nordmann-Hassan,+47 9%02d %02d %03d,"
            "volunteer.%d@example.org,\"%s\","
            "Meets on Tuesdays at the library; speaks Somali.\n"
            % (i, i % 100, i % 97, i % 1000, i, langs[i % 5]))
f.close()' "$N" "$CHUNK" "$NT/recs"
IMPORT_T=0
for f in "$NT"/recs.*.csv; do
	t=$(timed "$NT/out" "$BIN" --dir "$A" import "$f" --type contacts) ||
		die "import failed"
	IMPORT_T=$(python3 -c "print($IMPORT_T + ${t%% *})")
	rm -f "$f"
done
start_daemon "$A"
APID=$PID
APORT=$PORT
ADDR=127.0.0.1:$APORT
A_ENTRIES=$(entries "$A")

sync_runs "$B0" "$ADDR" "$APID" "$A_ENTRIES"
WIRE=$(dg --dir "$A" --json status | json - 'd["bytes_out"]')

# The fixed cost of a sync: process start, passphrase, handshake.
fixed=
r=1
while [ "$r" -le "$RUNS" ]; do
	t=$(timed "$NT/out" "$BIN" --dir "$NT/B" --json sync "$ADDR") ||
		die "in-sync sync failed"
	fixed="$fixed ${t%% *}"
	r=$((r + 1))
done
LARGE_BYTES=$(reconnect_bytes "$NT/B")

# One new entry on A: what a reconnect costs when there is something.
dg --dir "$A" add contact name="Fadumo Abdi" >/dev/null 2>&1
b0=$(traffic)
dg --dir "$NT/B" sync "$ADDR" >/dev/null 2>&1 || die "sync of 1 entry failed"
ONE_BYTES=$(($(traffic) - b0))

# --- memory: idle daemon with peers ------------------------------------------
ppids=
i=1
while [ "$i" -le "$PEERS" ]; do
	start_daemon "$NT/P$i"
	ppids="$ppids $PID"
	dg --dir "$NT/P$i" peer add "$ADDR" >/dev/null 2>&1 ||
		die "peer add failed"
	i=$((i + 1))
done
# wait until A has PEERS connected peers in sync and each holds all
want=$(entries "$A")
i=0
while :; do
	ok=$(dg --dir "$A" --json status |
		json - 'sum(1 for p in d["peers"] if p["connected"] and p["in_sync"])')
	if [ "$ok" -ge "$PEERS" ]; then
		all=1
		j=1
		while [ "$j" -le "$PEERS" ]; do
			[ "$(entries "$NT/P$j")" = "$want" ] || all=0
			j=$((j + 1))
		done
		[ "$all" = 1 ] && break
	fi
	i=$((i + 1))
	[ "$i" -gt 6000 ] && die "the peers did not catch up with A"
	sleep 0.05
done
sleep 3
set -- $(rss "$APID")
A_RSS=$1 A_ANON=$2 A_FILE=$3
peer_rss=
for p in $ppids; do
	set -- $(rss "$p")
	peer_rss="$peer_rss $1:$2:$3"
done

# --- the table -----------------------------------------------------------------
kib() { python3 -c "print('%.1f MiB' % ($1 / 1024))"; }
echo
echo "Network: two nodes on loopback, $N entries (median of $RUNS runs)"
row "benchmark" "measured" "target (DESIGN §5)"
sync_rows "replication, $N entries, durable on the receiver"
row "  bytes on the wire per entry (A to B)" \
	"$(python3 -c "print('%.0f B' % ($WIRE / ($N * $RUNS)))")" "-"
row "  fixed cost of a sync (in sync, nothing moved)" \
	"$(python3 -c "print('%.0f ms' % ($(median $fixed) * 1000))")" "-"
row "  import of the $N entries on A (for scale)" \
	"$(python3 -c "print('%.0f entries/s' % ($N / $IMPORT_T))")" "-"
row "reconnect in sync, small log ($SMALL_ENTRIES entries)" "$SMALL_BYTES B" "< 1024 B"
row "reconnect in sync, large log ($A_ENTRIES entries)" "$LARGE_BYTES B" "< 1024 B"
row "reconnect, 1 new entry on A" "$ONE_BYTES B" "-"
if [ -n "$RTT" ]; then
	set -- $RTT
	row "round trips of an in-sync sync (strace)" \
		"$1 ($2 after connect)" "1 after handshake"
else
	row "round trips of an in-sync sync (protocol)" \
		"3 (2 after connect)" "1 after handshake"
fi
row "idle daemon RSS, $A_ENTRIES entries, $PEERS peers" "$(kib "$A_RSS")" "< 10 MiB"
row "  of which anonymous / file-backed (LMDB map)" \
	"$(kib "$A_ANON") / $(kib "$A_FILE")" "-"
for pr in $peer_rss; do
	row "  a receiving peer daemon: RSS (anon / file)" "$(echo "$pr" |
		awk -F: '{ printf "%.1f MiB (%.1f / %.1f)", $1 / 1024, $2 / 1024, $3 / 1024 }')" "-"
done

# --- for the summary of bench/run ----------------------------------------------
result "replication, $N entries of one author, durable" \
	"$(median $RATES | cut -d. -f1)" entries/s ">=" 100000
result "reconnect in sync, $SMALL_ENTRIES entries: bytes" "$SMALL_BYTES" B "<" 1024
result "reconnect in sync, $A_ENTRIES entries: bytes" "$LARGE_BYTES" B "<" 1024
if [ -n "$RTT" ]; then
	set -- $RTT
	# after connect: msg1 -> msg2 (the handshake's), then msg3 + HELLO -> HELLO
	result "reconnect in sync: round trips after the handshake" \
		"$(($2 - 1))" "" "<=" 1
fi
result "idle daemon RSS, $A_ENTRIES entries, $PEERS peers" \
	"$(python3 -c "print('%.1f' % ($A_RSS / 1024))")" MiB "<" 10
result "idle daemon RSS after receiving $A_ENTRIES entries live (largest of $PEERS)" \
	"$(echo "$peer_rss" | tr ' ' '\n' | awk -F: 'NF { if ($1 > m) m = $1 } END { printf "%.1f", m / 1024 }')" \
	MiB "<" 10
