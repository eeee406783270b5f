#!/bin/sh
# t_lan.sh - LAN discovery (UDP beacons) between several hosts on one
# machine.  As root: network namespaces joined by a bridge ("the
# segment") with veth pairs, one `dugnad serve` per namespace with the
# default listen and discovery only (no `peer add` anywhere):
#
#   A B C D   members of one network (10.77.0.11-14, and IPv6 link-local)
#   N         a member run with --no-discovery (10.77.0.15), later with
#             --no-listen
#   M         a member listening on 127.0.0.1 only (10.77.0.16)
#   S         a node of another network on the same segment (10.77.0.20)
#   E F       members of a third network on a second bridge, with only
#             IPv6 link-local addresses
#
# It shows that the members find each other and sync records; that S
# connects to nobody and learns nothing; that a capture of the segment
# (tcpdump) holds no node id, network id, network name or record text,
# and only 104-byte beacons, multicast with TTL 1; that N sends no UDP at
# all, and that N (--no-listen) and M send no beacons but still find the
# members; that a flood of junk datagrams and a replayed beacon from
# another address change nothing.  tests/tools/dg_lan sends, captures and
# replays the datagrams and searches the capture.
#
# Needs root, iproute2 (ip netns) and a kernel that lets us make network
# namespaces: otherwise it says "skip:" and passes with nothing run.
# Without tcpdump the capture checks are skipped (said so) and the rest
# runs.  Every daemon, tcpdump and tool started is killed and every
# namespace made is deleted when the test ends, whatever way it ends.
# LAN_TEST_UID=1000 tries the skip path as root; LAN_NO_CAPTURE=1 runs
# without tcpdump.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

LAN_TOOL=${DUGNAD_TOOLS:-$(dirname "$DUGNAD_BIN")/tools}/dg_lan
if [ ! -x "$LAN_TOOL" ]; then
	echo "FAIL $LAN_TOOL is not built (make $(dirname "$DUGNAD_BIN")/tools/dg_lan)"
	echo "0 passed, 1 failed"
	exit 1
fi

# Every name made here carries the process id: two runs never clash.
NETNS_TEST_UID=${LAN_TEST_UID:-}
netns_init dgl
P=$NS_P
SW=$NS_SW     # the switch: bridges br0 (the segment) and br1 (IPv6 only)
LAN_PIDS=""   # tcpdump and tool processes, killed on exit

lan_cleanup() {
	for lc_pid in $LAN_PIDS; do
		kill -9 "$lc_pid" 2>/dev/null
		wait "$lc_pid" 2>/dev/null
	done
	netns_cleanup
}
trap lan_cleanup EXIT

LAN_V6=1
[ -d /proc/sys/net/ipv6 ] || LAN_V6=0
TCPDUMP=""
if [ -z "${LAN_NO_CAPTURE:-}" ] && command -v tcpdump >/dev/null 2>&1; then
	TCPDUMP=$(command -v tcpdump)
fi

cd "$TMP" || exit 1

# --- helpers -----------------------------------------------------------------
json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}

# Node $1's --json status meets the python condition $2 (d: the status,
# disc: d["discovery"], found: {node id: found entry}).
status_is() {
	dg --dir "$1" --json status >"$TMP/status.json" 2>/dev/null &&
		python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
disc = d.get("discovery") or {}
found = {f["node"]: f for f in disc.get("found", [])}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$TMP/status.json" "$2" 2>/dev/null
}

# A counter of node $1's discovery (sent, received, ignored, dropped);
# -1 when the status cannot be read.
disc_stat() {
	dg --dir "$1" --json status 2>/dev/null | python3 -c 'import json, sys
try:
    print(int(json.load(sys.stdin)["discovery"][sys.argv[1]]))
except Exception:
    print(-1)' "$2"
}
# The counter has grown by at least $3 since $2.
disc_grew() {
	[ "$2" -ge 0 ] && [ "$(disc_stat "$1" "$4")" -ge $(($2 + $3)) ]
}
entries_of() {
	dg --dir "$1" --json status 2>/dev/null |
		sed -n 's/^.*"entries":\([0-9]*\)[,}].*$/\1/p'
}

has_name() { dg --dir "$1" --json list 2>/dev/null | grep -qF "\"name\":\"$2\""; }
lacks_name() { ! has_name "$@"; }
all_have() { # name, dir...
	ah_name=$1
	shift
	for ah_d in "$@"; do has_name "$ah_d" "$ah_name" || return 1; done
}
log_has() { grep -qF -- "$2" "$1.log"; }
short_of() { printf %.10s "$1"; }

# Node $1 has found the nodes $2... (full ids), connected to each.
found_all() {
	fa_dir=$1
	shift
	fa_ids=""
	for fa_id in "$@"; do fa_ids="$fa_ids'$fa_id',"; done
	status_is "$fa_dir" "disc.get('on') is True and all(i in found and found[i]['connected'] for i in [$fa_ids])"
}

# --- the segment ---------------------------------------------------------------
# Writes a sysctl in a namespace (through /proc: no procps needed).
ns_sysctl() { # ns, key path under /proc/sys, value
	ip netns exec "$1" sh -c "echo $3 >/proc/sys/$2" 2>/dev/null
}

ns_add() { netns_add "$1"; }

# lan_host NAME BRIDGE [IPV4]: namespace $P-NAME with eth0, whose other
# end NAME-port is a port of BRIDGE in the switch; IPv6 addresses usable at
# once (no duplicate address detection).
lan_host() {
	lh_ns=$P-$1
	ns_add "$lh_ns" || return 1
	if [ "$LAN_V6" -eq 1 ]; then
		ns_sysctl "$lh_ns" net/ipv6/conf/all/accept_dad 0
		ns_sysctl "$lh_ns" net/ipv6/conf/default/accept_dad 0
		# no router solicitations: less noise in the capture
		ns_sysctl "$lh_ns" net/ipv6/conf/default/router_solicitations 0
	fi
	netns_plug "$@"
}

# The link-local address of eth0 in host $1 once it is usable (not
# tentative); empty before.
link_local() {
	ip -n "$P-$1" -6 addr show dev eth0 scope link 2>/dev/null |
		grep -v tentative | sed -n 's/^ *inet6 \(fe80:[0-9a-f:]*\)\/64.*/\1/p' |
		head -n 1
}
ll_ready() { [ -n "$(link_local "$1")" ]; }
mac_of() {
	ip -n "$P-$1" link show dev eth0 | sed -n 's/^ *link\/ether \([0-9a-f:]*\) .*/\1/p'
}

setup_segment() {
	ns_add "$SW" || return 1
	if [ "$LAN_V6" -eq 1 ]; then
		# the switch only bridges: no addresses of its own
		ns_sysctl "$SW" net/ipv6/conf/all/disable_ipv6 1
		ns_sysctl "$SW" net/ipv6/conf/default/disable_ipv6 1
	fi
	for br in br0 br1; do
		ip -n "$SW" link add "$br" type bridge || return 1
		# every port hears every multicast group, whoever joined
		ip -n "$SW" link set "$br" type bridge mcast_snooping 0 &&
			ip -n "$SW" link set "$br" up || return 1
	done
	lan_host a br0 10.77.0.11 && lan_host b br0 10.77.0.12 &&
		lan_host c br0 10.77.0.13 && lan_host d br0 10.77.0.14 &&
		lan_host n br0 10.77.0.15 && lan_host m br0 10.77.0.16 &&
		lan_host s br0 10.77.0.20 ||
		return 1
	if [ "$LAN_V6" -eq 1 ]; then
		lan_host e br1 && lan_host f br1 || return 1
	fi
}

# --- daemons -------------------------------------------------------------------
pid_of() { cat "$1.pid"; }

# Runs the tool in a namespace: lan_tool NAME subcommand args...
lan_tool() {
	lt_ns=$P-$1
	shift
	ip netns exec "$lt_ns" "$LAN_TOOL" "$@"
}
# The same in the background; LT_PID, killed on exit.
lan_tool_bg() { # NAME OUTFILE subcommand args...
	lb_ns=$P-$1
	lb_out=$2
	shift 2
	ip netns exec "$lb_ns" "$LAN_TOOL" "$@" >"$lb_out" 2>"$lb_out.err" </dev/null &
	LT_PID=$!
	LAN_PIDS="$LAN_PIDS $LT_PID"
}
# Waits for a background tool; its exit status in RC.
tool_wait() {
	wait "$1"
	RC=$?
}

# The number of packets in the capture that match a filter; "error"
# when tcpdump cannot read it (a bad filter must not pass a "-eq 0").
pcap_count() {
	if pc_out=$("$TCPDUMP" -r "$PCAP" -n "$1" 2>/dev/null); then
		printf '%s\n' "$pc_out" | grep -c .
	else
		echo error
	fi
}

# === setup =====================================================================
if ! setup_segment; then
	fail "setup: namespaces, bridges and veth pairs"
	finish
fi
pass "setup: namespaces $P-*, bridges br0 and br1 without multicast snooping, veth pairs"
if [ "$LAN_V6" -eq 1 ]; then
	for h in a b c d n s e f; do
		check "setup: $h: IPv6 link-local address usable" wait_for 10 ll_ready "$h"
	done
	check "setup: E and F have no IPv4 address" \
		eval "! ip -n $P-e -4 addr show dev eth0 | grep -q inet && ! ip -n $P-f -4 addr show dev eth0 | grep -q inet"
else
	echo "skip: this machine has no IPv6: the link-local checks are not run"
fi

# The segment carries multicast and broadcast from one host to another
# (and the tool works): a datagram sent from B's namespace is captured in
# S's, once to the group and once to the broadcast address.
for dst in 239.255.73.73 10.77.0.255; do
	head -c 104 /dev/urandom >"$TMP/probe.bin"
	lan_tool_bg s "$TMP/probe.out" capture 10.77.0.20 10.77.0.12 "$TMP/probe.got" 5
	cap=$LT_PID
	lan_tool_bg b "$TMP/probe.sent" replay "$TMP/probe.bin" "$dst" 7373 40 100 10.77.0.12
	rep=$LT_PID
	tool_wait "$cap"
	kill "$rep" 2>/dev/null
	wait "$rep" 2>/dev/null
	check "setup: a datagram from B to $dst:7373 reaches S (dg_lan replay, capture)" \
		cmp -s "$TMP/probe.bin" "$TMP/probe.got"
	rm -f "$TMP/probe.got"
done

# --- the nodes, made offline (files only) ---------------------------------------
A=$TMP/A B=$TMP/B C=$TMP/C D=$TMP/D N=$TMP/N M=$TMP/M S=$TMP/S
E=$TMP/E F=$TMP/F
new_node "$A" "Test network" || { fail "setup: A founds the network"; finish; }
for m in B C D N M; do
	eval "md=\$$m"
	check "setup: $m joins A's network (bundles)" make_member "$A" "$md" "Member $m"
done
check "setup: S founds another network" new_node "$S" "Other network"
SNAME="Sigrid Stranger-$$"
dg --dir "$S" add contact name="$SNAME" phone="+47 955 00 $(printf %03d $(($$ % 1000)))" \
	>/dev/null 2>&1
if [ "$LAN_V6" -eq 1 ]; then
	check "setup: E founds a third network" new_node "$E" "Link-local network"
	check "setup: F joins E's network" make_member "$E" "$F" "Member F"
fi
AID=$(node_id_of "$A") BID=$(node_id_of "$B") CID=$(node_id_of "$C")
DID=$(node_id_of "$D") NID=$(node_id_of "$N") MID=$(node_id_of "$M")
SID=$(node_id_of "$S")
net_id() {
	dg --dir "$1" --json status 2>/dev/null |
		sed -n 's/^.*"network":{"id":"\([a-z0-9]*\)".*$/\1/p'
}
NET1=$(net_id "$A")
NET2=$(net_id "$S")
check "setup: ids of the nodes and networks read" \
	test -n "$AID" -a -n "$BID" -a -n "$CID" -a -n "$DID" -a -n "$NID" \
	-a -n "$MID" -a -n "$SID" -a -n "$NET1" -a -n "$NET2"
S_ENTRIES=$(entries_of "$S")

# --- capture, then start every daemon ---------------------------------------------
PCAP=$TMP/segment.pcap
if [ -n "$TCPDUMP" ]; then
	ip netns exec "$SW" "$TCPDUMP" -i br0 -n -U -Z root -w "$PCAP" \
		</dev/null >"$TMP/tcpdump.out" 2>"$TMP/tcpdump.err" &
	TD_PID=$!
	LAN_PIDS="$LAN_PIDS $TD_PID"
	check "tcpdump: capturing on the segment (br0)" \
		wait_for 10 grep -q "listening on" "$TMP/tcpdump.err"
else
	echo "skip: tcpdump is not installed (or LAN_NO_CAPTURE is set): the checks on the captured traffic are not run (the rest is)"
fi

netns_spawn a "$A"
netns_spawn b "$B"
netns_spawn c "$C"
netns_spawn d "$D"
netns_spawn n "$N" --no-discovery
netns_spawn s "$S"
NODES="A B C D N S"
if [ "$LAN_V6" -eq 1 ]; then
	netns_spawn e "$E"
	netns_spawn f "$F"
	NODES="$NODES E F"
fi
for n in $NODES; do
	eval "nd=\$$n"
	check "$n: serve starts in its namespace (default listen, no peers)" \
		wait_for 10 net_ready "$nd" 0
done
N_READY=$(net_now_ms)
# The default listen: dual-stack, or IPv4 only on a machine without IPv6.
LISTEN='[::]:7373'
[ "$LAN_V6" -eq 1 ] || LISTEN=0.0.0.0:7373
for n in A B C D S; do
	eval "nd=\$$n"
	check "$n: listens on $LISTEN (the default)" log_has "$nd" "listening on $LISTEN"
	check "$n: logs 'discovery on UDP port 7373'" log_has "$nd" "discovery on UDP port 7373"
done

# === 1. the members find each other and sync ======================================
check "A finds B, C and D and is connected to each" \
	wait_for 30 found_all "$A" "$BID" "$CID" "$DID"
check "B finds A, C and D and is connected to each" \
	wait_for 30 found_all "$B" "$AID" "$CID" "$DID"
check "C finds A, B and D and is connected to each" \
	wait_for 30 found_all "$C" "$AID" "$BID" "$DID"
check "D finds A, B and C and is connected to each" \
	wait_for 30 found_all "$D" "$AID" "$BID" "$CID"
B_ADDRS="'10.77.0.12:7373'"
[ "$LAN_V6" -eq 1 ] && B_ADDRS="$B_ADDRS, '[$(link_local b)%eth0]:7373'"
check "A: B found at one of its own addresses ($B_ADDRS)" \
	status_is "$A" "found['$BID']['address'] in [$B_ADDRS]"
check "A: found entries have address, node, connected, last_beacon" \
	status_is "$A" "all(set(f) >= {'address', 'node', 'connected', 'last_beacon'} for f in found.values())"
check "A: inbound IPv4 peers shown as plain IPv4 (no ::ffff:)" \
	eval "! dg --dir '$A' --json status | grep -q '::ffff:'"
check "A: logs 'discovered $(short_of "$BID") at ...'" \
	log_has "$A" "discovered $(short_of "$BID") at "
run dg --dir "$A" status
check_out "discovery on: 3 found; beacons " "A status (text): 'discovery on: 3 found; beacons ...'"
check_out "$(short_of "$CID")" "A status (text): a 'found' line for C"

RNAME="Amina Lanstest-$$"
RPHONE="+47 912 $(printf %05d $(($$ % 100000)))"
run dg --dir "$A" add contact name="$RNAME" phone="$RPHONE"
check_rc 0 "add a contact on A (through its daemon)"
check "A's record reaches B, C and D" wait_for 15 all_have "$RNAME" "$B" "$C" "$D"
DNAME="Dagny Lanstest-$$"
run dg --dir "$D" add contact name="$DNAME" phone="+47 913 00 000"
check_rc 0 "add a contact on D"
check "D's record reaches A, B and C" wait_for 15 all_have "$DNAME" "$A" "$B" "$C"

# A member that meets a newer member before it has learnt of the join
# refuses it once ("not a member ... or its admission has not reached
# this node yet"); that alert goes once the two are connected.
no_member_alert() {
	dg --dir "$1" --json status 2>/dev/null | python3 -c 'import json, sys
sys.exit(1 if any("not a member" in a for a in json.load(sys.stdin).get("alerts", [])) else 0)'
}
for n in A B C D; do
	eval "nd=\$$n"
	check "$n: no alert left about a member met before its admission" \
		wait_for 10 no_member_alert "$nd"
done

# === 2. the node of another network ================================================
check "S: hears beacons it cannot open ('ignored' > 0)" \
	wait_for 15 status_is "$S" "disc['ignored'] > 0"
check "S: found nobody, connected to nobody" \
	status_is "$S" "disc['on'] is True and disc['found'] == [] and not any(p.get('connected') for p in d['peers'])"
check "S: its entries unchanged (its own only)" test "$(entries_of "$S")" = "$S_ENTRIES"
check "S: learnt none of the members' records" \
	eval "lacks_name '$S' '$RNAME' && lacks_name '$S' '$DNAME'"
for n in A B C D; do
	eval "nd=\$$n"
	check "$n: no connection with S, S not found; 'ignored' > 0" \
		status_is "$nd" "'$SID' not in found and not any(p.get('node') == '$SID' for p in d['peers']) and disc['ignored'] > 0"
done
check "A: S's record did not come" lacks_name "$A" "$SNAME"

# === 3. --no-discovery ==============================================================
check "N (--no-discovery): status says discovery off, nothing found" \
	status_is "$N" "disc.get('on') is False and disc.get('found', []) == []"
run dg --dir "$N" status
check_out "discovery off" "N status (text): 'discovery off'"
check "N: no UDP socket on port 7373" \
	eval "! ip netns exec $P-n ss -Hnua 2>/dev/null | grep -q ':7373 '"
check "N: not found by A, B, C, D" \
	eval "! dg --dir '$A' --json status | grep -qF '$NID' && ! dg --dir '$B' --json status | grep -qF '$NID' && ! dg --dir '$C' --json status | grep -qF '$NID' && ! dg --dir '$D' --json status | grep -qF '$NID'"

# === 4. IPv6 link-local only ========================================================
if [ "$LAN_V6" -eq 1 ]; then
	EID=$(node_id_of "$E") FID=$(node_id_of "$F")
	check "E (IPv6 only) finds F and is connected" wait_for 30 found_all "$E" "$FID"
	check "F (IPv6 only) finds E and is connected" wait_for 30 found_all "$F" "$EID"
	ELL=$(link_local e)
	FLL=$(link_local f)
	check "F: E found at [$ELL%eth0]:7373" \
		status_is "$F" "found['$EID']['address'] == '[$ELL%eth0]:7373'"
	check "E: F found at [$FLL%eth0]:7373" \
		status_is "$E" "found['$FID']['address'] == '[$FLL%eth0]:7373'"
	ENAME="Eirik Linklocal-$$"
	run dg --dir "$E" add contact name="$ENAME"
	check_rc 0 "add a contact on E"
	check "E's record reaches F over IPv6 link-local" wait_for 15 has_name "$F" "$ENAME"
fi

# === 5. the captured traffic ========================================================
if [ -n "$TCPDUMP" ]; then
	# N has run long enough to have sent beacons, were it to send any
	# (the first comes within 1 s, then every 5 s).
	wait_for 10 eval "[ \$((\$(net_now_ms) - $N_READY)) -ge 6500 ]"
	kill -INT "$TD_PID" 2>/dev/null
	wait_for 10 proc_gone "$TD_PID"
	wait "$TD_PID" 2>/dev/null
	check "tcpdump: stopped, the capture is not empty" \
		test "$(wc -c <"$PCAP")" -gt 1000
	check "capture: IPv4 beacons to 239.255.73.73:7373" \
		test "$(pcap_count 'udp and dst host 239.255.73.73 and dst port 7373')" -gt 0
	check "capture: IPv4 beacons to the broadcast address 10.77.0.255:7373" \
		test "$(pcap_count 'udp and dst host 10.77.0.255 and dst port 7373')" -gt 0
	if [ "$LAN_V6" -eq 1 ]; then
		check "capture: IPv6 beacons to ff02::7373 port 7373" \
			test "$(pcap_count 'ip6 and udp and dst host ff02::7373 and dst port 7373')" -gt 0
	fi
	check "capture: TCP traffic on port 7373 (the syncs)" \
		test "$(pcap_count 'tcp port 7373')" -gt 10
	"$TCPDUMP" -r "$PCAP" -n 'udp dst port 7373' 2>/dev/null >"$OUT"
	check "capture: every datagram to port 7373 is 104 bytes" \
		eval "[ -s '$OUT' ] && ! grep -v 'UDP, length 104\$' '$OUT' | grep -q ."
	check "capture: multicast beacons have TTL 1 (IPv4) and hop limit 1 (IPv6)" \
		test "$(pcap_count '(ip and dst host 239.255.73.73 and udp dst port 7373 and ip[8] != 1) or (ip6 and udp dst port 7373 and ip6[7] != 1)')" -eq 0
	check "capture: broadcast beacons have TTL 1 too" \
		test "$(pcap_count 'ip and dst host 10.77.0.255 and udp dst port 7373 and ip[8] != 1')" = 0
	N_MAC=$(mac_of n)
	check "capture: no UDP at all from N (--no-discovery, MAC $N_MAC)" \
		test -n "$N_MAC" -a "$(pcap_count "udp and ether src $N_MAC")" = 0
	RC=0
	"$LAN_TOOL" grep "$PCAP" \
		--id "$AID" --id "$BID" --id "$CID" --id "$DID" --id "$NID" --id "$SID" \
		--id "$NET1" --id "$NET2" \
		--text "Test network" --text "Other network" \
		--text "$RNAME" --text "$RPHONE" --text "$DNAME" --text "$SNAME" \
		--text "Lanstest-$$" --text "Member B" >"$OUT" 2>"$ERR" || RC=$?
	check_rc 0 "capture: no node id, network id, network name or record text (text or raw)"
fi

# === 6. hearing without beacons: --no-listen, a loopback listener =================
# N again, now with --no-listen, and M with --listen 127.0.0.1:0: neither
# can be dialled on the segment, so neither sends a beacon; both still
# hear the members' beacons and dial them.
stop_daemon "$N"
RC=$SD_RC
check_rc 0 "N (--no-discovery): SIGTERM: exit 0"
netns_spawn n "$N" --no-listen
netns_spawn m "$M" --listen 127.0.0.1:0
check "N: serve --no-listen starts" wait_for 10 status_is "$N" "d['running'] is True"
check "M: serve --listen 127.0.0.1:0 starts" wait_for 10 net_ready "$M" 0
check "N (--no-listen) finds A, B, C, D and is connected to each" \
	wait_for 20 found_all "$N" "$AID" "$BID" "$CID" "$DID"
check "M (listens on 127.0.0.1) finds A, B, C, D and is connected to each" \
	wait_for 20 found_all "$M" "$AID" "$BID" "$CID" "$DID"
check "N (--no-listen): sent no beacon" status_is "$N" "disc['sent'] == 0"
check "M (listens on 127.0.0.1): sent no beacon" status_is "$M" "disc['sent'] == 0"
check "A: neither N nor M found (no beacons from them)" \
	status_is "$A" "'$NID' not in found and '$MID' not in found"
check "N and M got the members' records" \
	wait_for 10 all_have "$DNAME" "$N" "$M"

# === 7. a flood of junk datagrams ===================================================
# 200000 random datagrams from S's namespace (half of them 104 bytes), to
# the group, the broadcast address and (IPv6) ff02::7373; meanwhile a
# record from B must still reach A.
A_JUNK=$(($(disc_stat "$A" ignored) + $(disc_stat "$A" dropped)))
A_SENT=$(disc_stat "$A" sent)
check "flood: A's counters 'ignored' and 'dropped' read ($A_JUNK)" test "$A_JUNK" -ge 0
lan_tool_bg s "$TMP/flood1.out" flood 239.255.73.73 7373 100000 10.77.0.20
F1=$LT_PID
lan_tool_bg s "$TMP/flood2.out" flood 10.77.0.255 7373 80000
F2=$LT_PID
F3=""
if [ "$LAN_V6" -eq 1 ]; then
	lan_tool_bg s "$TMP/flood3.out" flood "ff02::7373%eth0" 7373 20000
	F3=$LT_PID
fi
FLOOD_T0=$(net_now_ms)
junk_grew() { # dir, before, by
	[ $(($(disc_stat "$1" ignored) + $(disc_stat "$1" dropped))) -ge $(($2 + $3)) ]
}
check "flood: under way (A's 'ignored' + 'dropped' up by 1000)" \
	wait_for 10 junk_grew "$A" "$A_JUNK" 1000
FNAME="Bente Flood-$$"
run dg --dir "$B" add contact name="$FNAME"
check_rc 0 "flood: add a contact on B during the flood"
check "flood: B's record reaches A" wait_for 20 has_name "$A" "$FNAME"
FLOOD_T1=$(net_now_ms)
proc_alive "$F1" && FLOOD_ON="still on" || FLOOD_ON="over"
F_RC=0
for fp in $F1 $F2 $F3; do
	tool_wait "$fp"
	[ "$RC" -eq 0 ] || F_RC=$RC
done
FLOOD_MS=$(($(net_now_ms) - FLOOD_T0))
echo "note: the flood lasted $FLOOD_MS ms; B's record was at A $((FLOOD_T1 - FLOOD_T0)) ms after it began (flood then $FLOOD_ON)"
# Beacons go out on a timer (at least 3.75 s apart), never in answer: in
# the flood's time A sent at most one round more than the timer allows,
# 3 datagrams a round (IPv4 group and broadcast, IPv6 group).
A_SENT2=$(disc_stat "$A" sent)
SENT_MAX=$((3 * (FLOOD_MS / 3750 + 2)))
check "flood: no beacons in answer (A's 'sent' $A_SENT -> $A_SENT2, at most +$SENT_MAX)" \
	test "$A_SENT" -ge 0 -a "$A_SENT2" -le $((A_SENT + SENT_MAX))
check "flood: dg_lan flood ran (exit 0) and sent datagrams" \
	eval "[ $F_RC -eq 0 ] && grep -q '^sent [1-9]' '$TMP/flood1.out' && grep -q '^sent [1-9]' '$TMP/flood2.out'"
for n in A B C D; do
	eval "nd=\$$n"
	check "flood: $n still runs" proc_alive "$(pid_of "$nd")"
done
run dg --dir "$A" --json status
check "flood: A's status answers" json_ok "$OUT" "d['running'] is True"
A_JUNK2=$(($(disc_stat "$A" ignored) + $(disc_stat "$A" dropped)))
check "flood: A's 'ignored' + 'dropped' grew by more than 100 ($A_JUNK -> $A_JUNK2)" \
	test "$A_JUNK" -ge 0 -a "$A_JUNK2" -gt $((A_JUNK + 100))
check "flood: A still has B, C, D found and connected" \
	wait_for 15 found_all "$A" "$BID" "$CID" "$DID"
check "flood: C's record still reaches D" eval \
	"dg --dir '$C' add contact name='Cato After-$$' >/dev/null 2>&1 && wait_for 15 has_name '$D' 'Cato After-$$'"

# === 8. a genuine beacon replayed from another address =============================
# S's daemon stops (its TCP 7373 is then free); S captures one of B's
# beacons, listens on TCP 7373 and sends the beacon again, from its own
# address, 16 times to the group and 16 to the broadcast address.  The
# address inside the beacon is B's: nobody may take it, nobody may dial S.
# Then S forges beacons with the network's key for made-up nodes.
stop_daemon "$S"
RC=$SD_RC
check_rc 0 "S: SIGTERM: exit 0"
run lan_tool s capture 10.77.0.20 10.77.0.12 "$TMP/beacon.bin" 15
check_rc 0 "replay: S captured one of B's beacons (104 bytes from 10.77.0.12)"
if [ -s "$TMP/beacon.bin" ]; then
	lan_tool_bg s "$TMP/listen.out" listen 7373 18
	LP=$LT_PID
	check "replay: S listens on TCP 7373" \
		wait_for 5 grep -q "listening on port" "$TMP/listen.out.err"
	for n in A B C D; do
		eval "nd=\$$n"
		eval "IGN_$n=\$(disc_stat '$nd' ignored)"
	done
	lan_tool_bg s "$TMP/replay1.out" replay "$TMP/beacon.bin" 239.255.73.73 7373 16 500 10.77.0.20
	R1=$LT_PID
	lan_tool_bg s "$TMP/replay2.out" replay "$TMP/beacon.bin" 10.77.0.255 7373 16 500
	R2=$LT_PID
	tool_wait "$R1"
	tool_wait "$R2"
	# A key holder's forgeries: beacons sealed with the network's key
	# (D's), from S's own address (so they pass the source check), each
	# naming a made-up node: nobody may keep them or dial them.
	A_JUNK=$(($(disc_stat "$A" ignored) + $(disc_stat "$A" dropped)))
	run lan_tool s forge "$D" 10.77.0.20 40 100
	check_rc 0 "forge: S sent 40 beacons sealed with the network key, made-up nodes"
	check "forge: A ignored or dropped every one" \
		wait_for 5 junk_grew "$A" "$A_JUNK" 40
	check "forge: A found only B, C and D" \
		status_is "$A" "sorted(found) == sorted(['$BID', '$CID', '$DID'])"
	tool_wait "$LP"
	check "replay: the listener ran to its end" test "$RC" -eq 0
	check "replay, forge: nobody dialled S's address (0 connections)" \
		test "$(cat "$TMP/listen.out")" = 0
	for n in A B C D; do
		eval "nd=\$$n; before=\$IGN_$n"
		check "replay: $n ignored each of the 32 copies ('ignored' $before -> at least +32)" \
			wait_for 5 disc_grew "$nd" "$before" 32 ignored
		check "replay: $n has no node found at S's address" \
			status_is "$nd" "not any(f['address'].startswith('10.77.0.20:') for f in found.values())"
	done
	check "replay: A found B still at B's own address" \
		status_is "$A" "found['$BID']['address'] in [$B_ADDRS]"
fi

# === 9. shutdown ===================================================================
for n in A B C D N M E F; do
	eval "nd=\${$n:-}"
	[ -f "$nd.pid" ] || continue
	stop_daemon "$nd"
	RC=$SD_RC
	check_rc 0 "$n: SIGTERM: exit 0"
done
run dg --dir "$A" --json status
check "A stopped: status says \"discovery\": null" json_ok "$OUT" "d['discovery'] is None"

dump_logs 30 "${NET_KEEP:-}"
finish
