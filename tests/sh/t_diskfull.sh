#!/bin/sh
# t_diskfull.sh - a full disk and a full LMDB map (issue 6).  A full disk
# (a small tmpfs, as root only) gives exit 74 and one clear line, loses
# nothing that was said "added", leaves reads working, and the node
# recovers by itself when space comes back, with or without a daemon.  A
# tiny map (DUGNAD_MAP_SIZE) grows by itself, also under a daemon whose
# map another process grew; bad DUGNAD_MAP_SIZE values are refused.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1

# Mount points still mounted, unmounted on any exit (also Ctrl-C): the
# daemons first, or the mounts are busy.  rm -rf "$TMP" must never run
# into a mounted tmpfs.
MOUNTS=""
unmount_all() {
	for um_m in $MOUNTS; do
		umount "$um_m" 2>/dev/null || umount -l "$um_m" 2>/dev/null
	done
	MOUNTS=""
}
trap 'kill_daemons; unmount_all; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP

# unmount M: unmounts one mount point now; true if it is gone.
unmount() {
	um_rest=""
	for um_m in $MOUNTS; do
		[ "$um_m" = "$1" ] || um_rest="$um_rest $um_m"
	done
	MOUNTS=$um_rest
	umount "$1" 2>/dev/null
}

# dg_nopass: the command without a passphrase.  With a daemon it is
# forwarded and needs none; without one it would fail (exit 77), so a
# success shows the daemon did the work.
dg_nopass() { (unset DUGNAD_PASSPHRASE; "$DUGNAD_BIN" "$@"); }

# Number of records listed (removed ones too).
count() { dg --dir "$1" --json list --all 2>/dev/null | grep -c '"id":'; }

# What a node holds, for "nothing changed": the records and the log.
# (data.mdb's bytes are no measure after a failed write: LMDB may have
# written some pages past the last committed one before the disk ran out.)
snap() {
	{ dg --dir "$1" --json list --all; dg --dir "$1" log; } 2>&1
}

# check_no_err TEXT: stderr does not hold TEXT (any case).
check_no_err() { ! grep -qi -- "$1" "$ERR"; }

# one_line NAME: the failing command printed exactly one line on stderr,
# nothing on stdout.
one_line() {
	check "$1: one line on stderr" test "$(wc -l <"$ERR")" -eq 1
	check "$1: nothing on stdout" test ! -s "$OUT"
}

# A note of 4000 bytes: each add then needs a few pages, so a small disk
# fills in seconds.
NOTE=$(awk 'BEGIN { for (i = 0; i < 100; i++) printf "Notat linje %03d, ganske lang tekst. ", i }' | cut -c1-4000)

# Own daemon starter: logs outside the (full) tmpfs, no discovery.  Sets
# DPID; true when it listens and its control socket is there.
serve_ready() { grep -q ' listening on ' "$1" && [ -S "$2/ctl" ]; }
serve_start() { # DIR LOG
	: >"$2"
	"$DUGNAD_BIN" --dir "$1" serve --listen 127.0.0.1:0 --no-discovery \
		</dev/null >>"$2" 2>>"$2" &
	DPID=$!
	NET_PIDS="$NET_PIDS $DPID"
	wait_for 10 serve_ready "$2" "$1"
}

# fill DIR MAX ADD-COMMAND-PREFIX...: adds contacts with the long note
# until one fails (at most MAX tries).  The ids said "added" go to
# $TMP/said; the failing run's RC, OUT and ERR are kept.  Sets TRIES.
fill() {
	fl_dir=$1
	fl_max=$2
	shift 2
	: >"$TMP/said"
	TRIES=0
	while [ "$TRIES" -lt "$fl_max" ]; do
		TRIES=$((TRIES + 1))
		run "$@" --dir "$fl_dir" add contact name="Deltaker $TRIES" \
			phone="+47 400 00 $((100 + TRIES))" note="$NOTE"
		[ "$RC" -ne 0 ] && return 0
		awk '$1 == "added" { print $3 }' "$OUT" >>"$TMP/said"
	done
	return 1
}

# reserve MOUNT: keeps back 6 pages of the disk as 6 files, for nearly_full.
reserve() {
	for rs_i in 1 2 3 4 5 6; do
		dd if=/dev/zero of="$1/reserve.$rs_i" bs=4096 count=1 2>/dev/null
	done
}

# nearly_full DIR MOUNT LABEL ADD-COMMAND-PREFIX...: once the disk is full,
# gives back one page at a time and tries a big add each time.  An add
# needs several pages: LMDB writes those that fit and gets a short write,
# which it reports as EIO (mdb_page_flush), or no page fits and the write
# fails with ENOSPC.  Both are the disk being full: every refusal must
# exit 74 with the one line that says so, print nothing on stdout and
# change nothing.  Adds that fit go to $TMP/said.
nearly_full() {
	nf_dir=$1
	nf_mnt=$2
	nf_label=$3
	shift 3
	nf_refused=0
	: >"$TMP/nf.bad"
	for nf_i in 1 2 3 4 5 6; do
		rm -f "$nf_mnt/reserve.$nf_i"
		nf_before=$(snap "$nf_dir")
		run "$@" --dir "$nf_dir" add contact name="Nesten full $nf_i" note="$NOTE"
		if [ "$RC" -eq 0 ]; then
			awk '$1 == "added" { print $3 }' "$OUT" >>"$TMP/said"
			continue
		fi
		nf_refused=$((nf_refused + 1))
		if [ "$RC" -ne 74 ] || [ "$(wc -l <"$ERR")" -ne 1 ] || [ -s "$OUT" ] ||
			! grep -qF "the disk is full" "$ERR" ||
			[ "$(snap "$nf_dir")" != "$nf_before" ]; then
			{ echo "page $nf_i: exit $RC"; cat "$OUT" "$ERR"; } >>"$TMP/nf.bad"
		fi
	done
	echo "#    ${nf_label}nearly full: $nf_refused of 6 adds refused"
	RC=0
	: >"$OUT"
	cp "$TMP/nf.bad" "$ERR"
	check "${nf_label}nearly full: some adds were refused" test "$nf_refused" -ge 1
	check "${nf_label}nearly full: every refusal exits 74 with one line saying the disk is full, nothing on stdout, nothing changed" \
		test ! -s "$TMP/nf.bad"
}

# all_listed DIR: every id in $TMP/said is listed in DIR.
all_listed() {
	al_list=$(dg --dir "$1" --json list --all 2>/dev/null)
	al_missing=""
	for al_id in $(cat "$TMP/said"); do
		case $al_list in *"\"id\":\"$al_id"*) ;; *) al_missing="$al_missing $al_id" ;; esac
	done
	RC=0
	printf 'missing:%s\n' "$al_missing" >"$ERR"
	: >"$OUT"
	test -z "$al_missing"
}

# === 1. disk full =============================================================
can_mount=0
mounted2=0
if [ "$(id -u)" -ne 0 ]; then
	echo "skip: the disk-full part needs root (it mounts a tmpfs)"
else
	mkdir -p "$TMP/small"
	if mount -t tmpfs -o size=1m,mode=0700 tmpfs "$TMP/small" 2>"$ERR"; then
		MOUNTS="$MOUNTS $TMP/small"
		can_mount=1
	else
		echo "skip: the disk-full part cannot mount a tmpfs here: $(cat "$ERR")"
	fi
fi

if [ "$can_mount" -eq 1 ]; then
	S=$TMP/small/node
	check "disk: a node on a 1 MiB tmpfs" new_node "$S"
	reserve "$TMP/small"
	fill "$S" 400 dg
	said=$(wc -l <"$TMP/said")
	echo "#    disk full after $said adds (try $TRIES)"
	check_rc 74 "disk full: the add that did not fit exits 74"
	one_line "disk full"
	check_err "the disk is full" "disk full: the message says the disk is full"
	check_err "nothing was changed" "disk full: the message says nothing was changed"
	check_err "dugnad: add: " "disk full: the message is 'dugnad: add: ...'"
	check "disk full: no talk of damage" check_no_err "damaged"
	check "disk full: it filled up at all (some adds first)" \
		test "$said" -ge 5 -a "$TRIES" -lt 400
	check "disk full: the tmpfs is full" \
		test "$(df -Pk "$TMP/small" | awk 'NR == 2 { print $4 }')" -lt 64

	# Nothing lost: every add that said "added", and nothing more.
	check "disk full: every add that said 'added' is listed" all_listed "$S"
	n=$(count "$S")
	RC=0
	echo "listed $n, said $said" >"$ERR"
	check "disk full: as many records as adds that said 'added' ($said)" \
		test "$n" -eq "$said"

	# Reads work while the disk is full.
	run dg --dir "$S" verify
	check_rc 0 "disk full: verify passes"
	check_out "no problems" "disk full: verify says no problems"
	run dg --dir "$S" list
	check_rc 0 "disk full: list works"
	check_out "Deltaker 1" "disk full: list shows the first record"
	run dg --dir "$S" status
	check_rc 0 "disk full: status works"
	check_out "entries" "disk full: status shows the entries"
	first=$(head -n 1 "$TMP/said")
	run dg --dir "$S" show "$first"
	check_rc 0 "disk full: show works"
	check_out "Notat linje 000" "disk full: show has the note"

	# Trying again while still full: the same clear refusal, no change.
	before=$(snap "$S")
	run dg --dir "$S" add contact name="Enda en" note="$NOTE"
	check_rc 74 "still full: add again exits 74"
	one_line "still full"
	check_err "the disk is full" "still full: the message says the disk is full"
	check "still full: records and log unchanged" test "$(snap "$S")" = "$before"

	nearly_full "$S" "$TMP/small" "" dg
	run dg --dir "$S" verify
	check_rc 0 "nearly full: verify passes"
	said=$(wc -l <"$TMP/said")

	# Space comes back: no repair command, the next add just works.
	check "disk: give space back (remount 64 MiB)" \
		mount -o remount,size=64m "$TMP/small"
	run dg --dir "$S" add contact name="Etter plass" note="$NOTE"
	check_rc 0 "space back: the next add succeeds"
	check_out "added contact " "space back: it says 'added'"
	awk '$1 == "added" { print $3 }' "$OUT" >>"$TMP/said"
	run dg --dir "$S" verify
	check_rc 0 "space back: verify passes"
	RC=0
	echo "listed $(count "$S"), want $((said + 1))" >"$ERR"
	check "space back: $((said + 1)) records" test "$(count "$S")" -eq $((said + 1))
	check "space back: every add that said 'added' is listed" all_listed "$S"
	i=0
	ok=0
	while [ "$i" -lt 5 ]; do
		i=$((i + 1))
		dg --dir "$S" add contact name="Mer $i" note="$NOTE" >/dev/null 2>&1 &&
			ok=$((ok + 1))
	done
	check "space back: 5 more big adds succeed" test "$ok" -eq 5
	check "disk: unmount (nothing holds the tmpfs)" unmount "$TMP/small"

	# --- the same with a daemon --------------------------------------------
	mkdir -p "$TMP/small2"
	if mount -t tmpfs -o size=1m,mode=0700 tmpfs "$TMP/small2" 2>"$ERR"; then
		MOUNTS="$MOUNTS $TMP/small2"
		mounted2=1
	fi
	RC=0
	check "daemon: mount a second 1 MiB tmpfs" test "$mounted2" -eq 1
fi
if [ "$mounted2" -eq 1 ]; then
	N=$TMP/small2/node
	check "daemon: a node on it" new_node "$N"
	check "daemon: serve starts (log outside the tmpfs)" serve_start "$N" "$TMP/n.log"
	NPID=$DPID
	reserve "$TMP/small2"
	fill "$N" 400 dg_nopass
	said=$(wc -l <"$TMP/said")
	echo "#    daemon: disk full after $said adds (try $TRIES)"
	check_rc 74 "daemon, disk full: the add that did not fit exits 74"
	one_line "daemon, disk full"
	check_err "the disk is full" "daemon, disk full: the message says the disk is full"
	check "daemon, disk full: no talk of damage" check_no_err "damaged"
	check "daemon, disk full: it filled up at all (forwarded adds first)" \
		test "$said" -ge 5 -a "$TRIES" -lt 400
	check "daemon, disk full: the daemon is still running" proc_alive "$NPID"
	run dg_nopass --dir "$N" status
	check_rc 0 "daemon, disk full: status answers"
	check_out "daemon    running" "daemon, disk full: status comes from the daemon"
	check "daemon, disk full: every add that said 'added' is listed" all_listed "$N"
	RC=0
	echo "listed $(count "$N"), said $said" >"$ERR"
	check "daemon, disk full: as many records as adds that said 'added'" \
		test "$(count "$N")" -eq "$said"
	run dg_nopass --dir "$N" verify
	check_rc 0 "daemon, disk full: verify passes"

	nearly_full "$N" "$TMP/small2" "daemon, " dg_nopass
	check "daemon, nearly full: the daemon is still running" proc_alive "$NPID"
	said=$(wc -l <"$TMP/said")

	check "daemon: give space back (remount 64 MiB)" \
		mount -o remount,size=64m "$TMP/small2"
	run dg_nopass --dir "$N" add contact name="Etter plass" note="$NOTE"
	check_rc 0 "daemon, space back: the next add through the daemon succeeds"
	check_out "added contact " "daemon, space back: it says 'added'"
	run dg_nopass --dir "$N" verify
	check_rc 0 "daemon, space back: verify passes"
	RC=0
	echo "listed $(count "$N"), want $((said + 1))" >"$ERR"
	check "daemon, space back: $((said + 1)) records" \
		test "$(count "$N")" -eq $((said + 1))
	check "daemon: stops on TERM with exit 0" stop_pid "$NPID"
	check "daemon: unmount (nothing holds the tmpfs)" unmount "$TMP/small2"
fi

# === 2. map full: a tiny map grows by itself ==================================
M=$TMP/map
export DUGNAD_MAP_SIZE=65536
check "map: init and network create with the smallest map (65536)" new_node "$M"
i=0
ok=0
while [ "$i" -lt 20 ]; do
	i=$((i + 1))
	dg --dir "$M" add contact name="Kart $i" note="$NOTE" >/dev/null 2>"$ERR" &&
		ok=$((ok + 1))
done
RC=0
check "map 65536: 20 big adds all succeed" test "$ok" -eq 20
run dg --dir "$M" verify
check_rc 0 "map 65536: verify passes"
check "map 65536: 20 records" test "$(count "$M")" -eq 20
RC=0
sz=$(wc -c <"$M/data.mdb")
echo "data.mdb is $sz bytes" >"$ERR"
check "map 65536: the store outgrew the initial map" test "$sz" -gt 65536

# One transaction far larger than the map: an import batch of 1000
# records grows the map many times over and is run again each time; the
# count must not double.
awk 'BEGIN {
	print "name,phone,note"
	for (i = 1; i <= 2500; i++)
		printf "Importert %d,+47 9%07d,\"Notat %d, med litt tekst for å fylle sidene\"\n", i, i, i
}' >"$TMP/many.csv"
run dg --dir "$M" import "$TMP/many.csv" --type contacts
check_rc 0 "map 65536: import of 2500 records succeeds"
check_out "imported 2500 records" "map 65536: it says 2500 imported"
check "map 65536: 2520 records, none twice" test "$(count "$M")" -eq 2520
run dg --dir "$M" verify
check_rc 0 "map 65536: verify passes after the import"

# A daemon with a tiny map; another process (import runs in its own)
# grows the map beyond the daemon's; the daemon adopts the new size.
P=$TMP/mapd
check "map, daemon: a node with the smallest map" new_node "$P"
check "map, daemon: serve starts with DUGNAD_MAP_SIZE=65536" \
	serve_start "$P" "$TMP/p.log"
PPID_D=$DPID
i=0
ok=0
while [ "$i" -lt 20 ]; do
	i=$((i + 1))
	dg_nopass --dir "$P" add contact name="Daemon $i" note="$NOTE" \
		>/dev/null 2>"$ERR" && ok=$((ok + 1))
done
RC=0
check "map, daemon: 20 big adds through the daemon (it grows its map)" \
	test "$ok" -eq 20
run dg --dir "$P" import "$TMP/many.csv" --type contacts
check_rc 0 "map, daemon: an import beside it grows the map further"
run dg_nopass --dir "$P" add contact name="Etter import" note="$NOTE"
check_rc 0 "map, daemon: an add through the daemon then succeeds (map adopted)"
check "map, daemon: the daemon is still running" proc_alive "$PPID_D"
RC=0
check "map, daemon: 2521 records" test "$(count "$P")" -eq 2521
run dg_nopass --dir "$P" verify
check_rc 0 "map, daemon: verify passes"
check "map, daemon: stops on TERM with exit 0" stop_pid "$PPID_D"
RC=0
check "map, daemon: no 'damaged' in its log" \
	sh -c '! grep -qi damaged "$1"' sh "$TMP/p.log"

# Accepted edge values: the largest, one that is rounded down, empty (unset).
for v in 1099511627776 65537 ""; do
	DUGNAD_MAP_SIZE=$v
	run dg --dir "$M" add contact name="Kant $v"
	check_rc 0 "DUGNAD_MAP_SIZE='$v' is accepted (add)"
done
unset DUGNAD_MAP_SIZE

# Invalid values: one line, exit 64, nothing written.
for v in 0 -1 -65536 65535 abc 64k " 65536" "65536 " 0x10000 +65536 \
	1099511627777 18446744073709551616 99999999999999999999999; do
	before=$(store_sum "$M")
	run env DUGNAD_MAP_SIZE="$v" "$DUGNAD_BIN" --dir "$M" add contact name=Ugyldig
	check_rc 64 "DUGNAD_MAP_SIZE='$v': exit 64"
	check_err "DUGNAD_MAP_SIZE must be a number of bytes between 65536 and 2^40" \
		"DUGNAD_MAP_SIZE='$v': the message names the range"
	one_line "DUGNAD_MAP_SIZE='$v'"
	check "DUGNAD_MAP_SIZE='$v': store unchanged" test "$(store_sum "$M")" = "$before"
done
run env DUGNAD_MAP_SIZE=0 "$DUGNAD_BIN" --dir "$M" list
check_rc 64 "DUGNAD_MAP_SIZE=0: a read is refused too (exit 64)"
one_line "DUGNAD_MAP_SIZE=0 list"

finish
