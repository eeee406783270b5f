#!/bin/sh
# tests/demo.sh - `make demo`: the main job on temporary data, start to
# end, then a clean exit.  One node founds a network, adds records in
# several languages, lists, searches and exports them.
set -eu
BUILD=${BUILD:-build}
D=$(mktemp -d "${TMPDIR:-/tmp}/dugnad-demo.XXXXXX")
trap 'rm -rf "$D"' EXIT
BIN="$(cd "$(dirname "$0")/.." && pwd)/$BUILD/dugnad"
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
printf '\nThe demo node is removed again. Run "make test" for the test suite.\n'
