#!/bin/sh
# tests/demo.sh - `make demo`: the main job on temporary data, start to
# end, then a clean exit.  One node founds a network, adds records in
# several languages, lists, searches and exports them; then three nodes
# on this machine's loopback run `dugnad serve`, two join over the
# network, and a record added on one appears on the others.
set -eu
BUILD=${BUILD:-build}
D=$(mktemp -d "${TMPDIR:-/tmp}/dugnad-demo.XXXXXX")
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || :; done
	for p in $PIDS; do wait "$p" 2>/dev/null || :; done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
BIN="$(cd "$(dirname "$0")/.." && pwd)/$BUILD/dugnad"
# the messages in your language (LANG), from this build's catalogs
export DUGNAD_LOCALEDIR="$(cd "$(dirname "$BIN")" && pwd)/locale"
export DUGNAD_PASSPHRASE="demo passphrase"   # scripts may set it; people type it
export TZ=Europe/Oslo
if [ -t 1 ]; then B=$(printf '\033[1m') N=$(printf '\033[0m'); else B= N=; fi
step() { printf '\n%s$ dugnad %s%s\n' "$B" "$*" "$N"; "$BIN" --dir "$D/node" "$@"; }

echo "dugnad demo: one volunteer's node, on temporary data in $D"
step init
step network create "IKKG Oslo"
step add meeting title="Kvinnegruppa" title@so="Kooxda haweenka" \
	title@ar="مجموعة النساء" lang=nb,so,ar starts=2026-12-04T18:00 \
	repeat=weekly duration=2h place="Frivilligsentralen, Oslo" capacity=10
step add meeting title="Somali mother-tongue group" lang=so \
	starts=2026-12-02T17:30 repeat=weekly:mo,we place="Tøyen bibliotek"
step add contact name="Amina Hassan" lang=so,nb phone="+47 912 34 567" \
	email=amina@example.org role="Outreach volunteer" area="Grønland"
step add contact name="ፀጋ ተስፋይ" name@en="Tsega Tesfay" lang=ti,nb \
	phone="+47 400 11 222" role="Contact person"
step add referral name="Legevakten Tromsø" category=health lang=nb,en \
	phone=116117 hours="24/7" cost="Egenandel"
step add referral name="Krisesenteret" category=violence \
	helps="Shelter and advice for women" lang=nb,en,so,ar phone="+47 22 48 03 80"
step list
step list meetings --upcoming
step search tromso
step search AMINA
step export --format ics -o "$D/meetings.ics"
head -n 12 "$D/meetings.ics" | tr -d '\r'
echo "..."
step export --format vcf -o "$D/contacts.vcf"
step export --format csv referrals
step verify

# --- three nodes on the network ----------------------------------------
on() { n=$1; shift; printf '\n%s[%s]$ dugnad %s%s\n' "$B" "$n" "$*" "$N"; \
	"$BIN" --dir "$D/$n" "$@"; }
# Starts `dugnad serve` for node $1 on a free port; sets PORT.
serve() {
	# its log is read here for the port: in English
	LC_ALL=C "$BIN" --dir "$D/$1" serve --listen 127.0.0.1:0 \
		2>"$D/$1.log" &
	PIDS="$PIDS $!"
	i=0
	until PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$D/$1.log") && [ -n "$PORT" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$D/$1.log"; exit 1; }
		sleep 0.1
	done
	printf '%s(node %s serves on 127.0.0.1:%s)%s\n' "$B" "$1" "$PORT" "$N"
}
# Waits until node $1 lists text $2 (at most 10 s).
wait_list() {
	i=0
	until "$BIN" --dir "$D/$1" list 2>/dev/null | grep -q "$2"; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "timed out"; exit 1; }
		sleep 0.1
	done
}

printf '\n--- Three nodes on this machine: the coordinator in Oslo, two outreach\n'
printf 'volunteers.  Each runs "dugnad serve"; they find each other by address.\n'
mv "$D/node" "$D/oslo"
serve oslo
OSLO=$PORT
for v in grorud tromso; do
	"$BIN" --dir "$D/$v" init >/dev/null
	CODE=$("$BIN" --dir "$D/oslo" --json invite --approved |
	    sed -n 's/.*"code": *"\([^"]*\)".*/\1/p')
	printf '\n%s[oslo]$ dugnad invite --approved%s\n%s\n' "$B" "$N" "$CODE"
	on "$v" join "$CODE" --name "Volunteer $v" --peer "127.0.0.1:$OSLO"
	serve "$v"
	on "$v" peer add "127.0.0.1:$OSLO"
done
on tromso add referral name="Kirkens SOS" category=health lang=nb,en \
	phone=22400040 hours="24/7"
printf '\n(waiting for the record to reach the other nodes...)\n'
wait_list oslo "Kirkens SOS"
wait_list grorud "Kirkens SOS"
on grorud list referrals
on oslo status
on grorud members
for p in $PIDS; do kill -TERM "$p"; done
for p in $PIDS; do wait "$p"; done
PIDS=
printf '\nAll three nodes stopped cleanly.  The demo data is removed again.\n'
printf 'Run "make test" for the test suite.\n'
