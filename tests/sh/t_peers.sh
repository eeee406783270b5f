#!/bin/sh
# t_peers.sh - the address book of static peers: peer add, list (table
# and --json), remove; duplicates in any spelling, bad addresses and
# unknown ones refused; the addresses are not in clear text on disk.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1

json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
# Counts occurrences of a text in a file, binary or not.
count_in() { grep -c -a -F -- "$1" "$2"; }
lines() { wc -l <"$1" | tr -d ' '; }

D=$TMP/node
new_node "$D" || { echo "FAIL cannot make a node"; exit 1; }

# --- an empty book ----------------------------------------------------------
run dg --dir "$D" peer list
check_rc 0 "peer list, empty: exit 0"
check_out "no peers yet" "peer list, empty: says so"
run dg --dir "$D" --json peer list
check_rc 0 "--json peer list, empty: exit 0"
check "--json peer list, empty: an empty array" json_ok "$OUT" "d == []"

# --- add --------------------------------------------------------------------
run dg --dir "$D" peer add Zyxwvu-Peer.Example.ORG:7000
check_rc 0 "peer add DNS name: exit 0"
check_out "added peer zyxwvu-peer.example.org:7000" \
	"peer add: shows the canonical address (lowercase)"
run dg --dir "$D" peer add '[2001:DB8:0:0::7]:7001'
check_rc 0 "peer add IPv6: exit 0"
check_out "[2001:db8::7]:7001" "peer add IPv6: shows the canonical form"
run dg --dir "$D" --json peer add 192.0.2.77:7002
check_rc 0 "--json peer add IPv4: exit 0"
check "--json peer add: one document with the address" \
	json_ok "$OUT" "d == {'address': '192.0.2.77:7002', 'added': True}"

# --- duplicates, in any spelling --------------------------------------------
SUM=$(store_sum "$D")
for a in zyxwvu-peer.example.org:7000 ZYXWVU-PEER.EXAMPLE.ORG:7000 \
	'[2001:db8::7]:7001' '[2001:0db8:0000::0007]:7001'; do
	run dg --dir "$D" peer add "$a"
	check_rc 65 "peer add $a again: exit 65"
	check_err "already in the list" "peer add $a again: says so"
done
check "duplicates: the store is unchanged" test "$(store_sum "$D")" = "$SUM"

# --- bad addresses: exit 64, one line, nothing stored -----------------------
for a in zyxwvu-peer.example.org 'zyx wvu.example.org:7000' \
	zyxwvu.example.org:0 zyxwvu.example.org:65536 zyxwvu.example.org:+7000 \
	'zyxwvu.example.org: 7000' '::1:7000' '[::1]' 256.1.2.3:7000 \
	1.2.3:7000 -zyxwvu.example.org:7000 'zyxwvu_1.example.org:7000' ''; do
	run dg --dir "$D" peer add "$a"
	check_rc 64 "peer add '$a': exit 64"
	check_err "HOST:PORT" "peer add '$a': says the form HOST:PORT"
	check "peer add '$a': one line on stderr" test "$(lines "$ERR")" -eq 1
	check "peer add '$a': nothing on stdout" test ! -s "$OUT"
done
check "bad addresses: the store is unchanged" test "$(store_sum "$D")" = "$SUM"
# Control characters in a bad address are not echoed to the terminal.
run dg --dir "$D" peer add "$(printf 'a\033[2Jb:1')"
check_rc 64 "peer add with an escape sequence: exit 64"
check "peer add with an escape sequence: not echoed" \
	test "$(count_in "$(printf '\033')" "$ERR")" -eq 0

# --- list -------------------------------------------------------------------
run dg --dir "$D" peer list
check_rc 0 "peer list: exit 0"
check_out "ADDRESS" "peer list: a table with a header"
check_out "LAST SYNC" "peer list: the last sync column"
check_out "zyxwvu-peer.example.org:7000" "peer list: the DNS name"
check_out "[2001:db8::7]:7001" "peer list: the IPv6 address"
check_out "192.0.2.77:7002" "peer list: the IPv4 address"
check_out "never" "peer list: never synced"
check "peer list: a header and three rows" test "$(lines "$OUT")" -eq 4
check "peer list: in order of the address" \
	test "$(awk 'NR > 1 { printf "%s ", $1 }' "$OUT")" = \
	"192.0.2.77:7002 [2001:db8::7]:7001 zyxwvu-peer.example.org:7000 "

run dg --dir "$D" --json peer list
check_rc 0 "--json peer list: exit 0"
check "--json peer list: three objects with the four fields" \
	json_ok "$OUT" "len(d) == 3 and all(sorted(p) == ['address', 'failures', 'last_sync', 'node'] for p in d)"
check "--json peer list: addresses in order" \
	json_ok "$OUT" "[p['address'] for p in d] == ['192.0.2.77:7002', '[2001:db8::7]:7001', 'zyxwvu-peer.example.org:7000']"
check "--json peer list: never synced, no node, no failures" \
	json_ok "$OUT" "all(p['node'] is None and p['last_sync'] is None and p['failures'] == 0 for p in d)"

# --- the addresses are not in clear text on disk ----------------------------
for s in zyxwvu zyxwvu-peer.example.org Zyxwvu-Peer 2001:db8::7 \
	2001:DB8 192.0.2.77; do
	check "'$s' is not in data.mdb" \
		test "$(count_in "$s" "$D/data.mdb")" -eq 0
done

# --- remove -----------------------------------------------------------------
run dg --dir "$D" peer remove ZYXWVU-PEER.example.org:7000
check_rc 0 "peer remove (other spelling): exit 0"
check_out "removed peer zyxwvu-peer.example.org:7000" "peer remove: says so"
run dg --dir "$D" --json peer remove '[2001:db8::7]:7001'
check_rc 0 "--json peer remove: exit 0"
check "--json peer remove: one document" \
	json_ok "$OUT" "d == {'address': '[2001:db8::7]:7001', 'removed': True}"
run dg --dir "$D" --json peer list
check "after remove: one peer left" \
	json_ok "$OUT" "[p['address'] for p in d] == ['192.0.2.77:7002']"

SUM=$(store_sum "$D")
run dg --dir "$D" peer remove zyxwvu-peer.example.org:7000
check_rc 65 "peer remove unknown: exit 65"
check_err "not in the list" "peer remove unknown: says so"
run dg --dir "$D" peer remove zyxwvu-peer.example.org
check_rc 64 "peer remove bad address: exit 64"
check_err "HOST:PORT" "peer remove bad address: says the form"
check "remove refused: the store is unchanged" test "$(store_sum "$D")" = "$SUM"

# --- usage ------------------------------------------------------------------
run dg --dir "$D" peer --help
check_rc 0 "peer --help: exit 0"
check_out "peer add HOST:PORT" "peer --help: usage on stdout"
run dg --dir "$D" peer add --help
check_rc 0 "peer add --help: exit 0"
check_out "usage: dugnad peer" "peer add --help: usage on stdout"
for args in "" "list x" "add" "add a:1 b:2" "remove" "frobnicate"; do
	# shellcheck disable=SC2086
	run dg --dir "$D" peer $args
	check_rc 64 "peer $args: exit 64"
	check_err "usage: dugnad peer" "peer $args: shows the usage"
done

# --- a node without a network -----------------------------------------------
E=$TMP/bare
dg --dir "$E" init >/dev/null 2>&1
run dg --dir "$E" peer list
check_rc 78 "peer list without a network: exit 78"

finish
