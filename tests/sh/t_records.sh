#!/bin/sh
# t_records.sh - add, show, edit, remove, history, list and search, with
# translations and text in many scripts.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
D=$TMP/node
new_node "$D" "IKKG Oslo" || { echo "FAIL cannot make a node"; exit 1; }

# A JSON check: python3 evaluates the expression with d = the document.
json_ok() { # file, python expression
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
# The short id printed by add ("added contact k3x9abcd").
added_id() { awk '$1 == "added" { print $3 }' "$OUT"; }
# Line number of the first stdout line holding a text (0 if none).
line_of() { grep -n -F -- "$1" "$OUT" | head -n 1 | cut -d: -f1 | grep . || echo 0; }

# --- add ---------------------------------------------------------------
run dg --dir "$D" add meeting title="Kvinnegruppa" title@so="Kooxda haweenka" \
	title@ar="مجموعة النساء" lang=nb,so starts=2026-12-04T18:00 repeat=weekly \
	place="Frivilligsentralen, Tromsø" capacity=10 duration=90m \
	description="Vi lager mat, syr og prater. Alt som sies blir i rommet."
check_rc 0 "add meeting: exit 0"
check_out "added meeting" "add meeting: says added"
MEET=$(added_id)
check "add meeting: prints an 8-character id" test "${#MEET}" -eq 8

run dg --dir "$D" add contact name="Amina Warsame" lang=so,nb \
	phone="+47 912 34 567" email=amina@example.org org="Røde Kors" \
	role=Likeperson role@so="Caawiye" area="Tromsø"
check_rc 0 "add contact: exit 0"
AMINA=$(added_id)

run dg --dir "$D" add referral name="مركز المساعدة القانونية" \
	name@nb="Juridisk hjelpesenter" name@ti="ማእከል ሕጋዊ ሓገዝ" \
	category=legal,violence lang=ar,ti,nb phone="22 33 44 55" \
	helps="استشارات قانونية مجانية" hours="Man-fre 09-15" cost=Gratis \
	web=https://example.org/hjelp
check_rc 0 "add referral: exit 0"
REF=$(added_id)

run dg --dir "$D" add contact name="ተስፋይ ገብረመድህን" lang=ti,nb phone=+4795555555 \
	note="東京と北京の会議で通訳をしました"
check_rc 0 "add contact in Tigrinya with a CJK note: exit 0"
TES=$(added_id)

run dg --dir "$D" add referral name="Helsestasjon for ungdom" category=health \
	lang=nb,pl helps="Zdrowie młodzieży; Łódź-kontor" area="Grünerløkka"
check_rc 0 "add referral in Norwegian and Polish: exit 0"
HEALTH=$(added_id)

run dg --dir "$D" --json add contact name="Hodan Ali" lang=so
check_rc 0 "--json add: exit 0"
check "--json add: an object with id and short" \
	json_ok "$OUT" "len(d['id']) == 26 and d['id'].startswith(d['short'])"

# --- show --------------------------------------------------------------
run dg --dir "$D" show "$MEET"
check_rc 0 "show: exit 0"
check_out "meeting $MEET" "show: type and id"
check_out "Kvinnegruppa" "show: title"
check_out "title@so" "show: the Somali translation key"
check_out "Kooxda haweenka" "show: the Somali translation"
check_out "مجموعة النساء" "show: the Arabic translation"
check_out "Frivilligsentralen, Tromsø" "show: Norwegian letters kept"
check_out "2026-12-04T18:00+01:00" "show: start read in the local zone"
check_out "Europe/Oslo" "show: the local time zone is kept"
check_out "created" "show: created time"

run dg --dir "$D" --json show "$MEET"
check_rc 0 "--json show: exit 0"
check "--json show: an object with id, type and fields" \
	json_ok "$OUT" "d['id'].startswith('$MEET') and d['type'] == 'meeting' and d['title'] == 'Kvinnegruppa' and d['title@so'] == 'Kooxda haweenka' and d['capacity'] == '10' and d['lang'] == 'nb,so' and d['repeat'] == 'weekly'"
run dg --dir "$D" --json show "$REF"
check "--json show: Arabic, Tigrinya and Norwegian names" \
	json_ok "$OUT" "d['type'] == 'referral' and d['name'] == 'مركز المساعدة القانونية' and d['name@ti'] == 'ማእከል ሕጋዊ ሓገዝ' and d['name@nb'] == 'Juridisk hjelpesenter' and d['category'] == 'legal,violence'"
run dg --dir "$D" --json show "$TES"
check "--json show: Tigrinya name and CJK note" \
	json_ok "$OUT" "d['name'] == 'ተስፋይ ገብረመድህን' and d['note'] == '東京と北京の会議で通訳をしました'"

# --- short ids -----------------------------------------------------------
p4=$(printf '%s' "$AMINA" | cut -c1-4)
run dg --dir "$D" show "$p4"
check_rc 0 "a 4-character prefix: exit 0"
check_out "Amina Warsame" "a 4-character prefix finds the record"
run dg --dir "$D" show "$(printf '%s' "$AMINA" | tr 'a-z' 'A-Z')"
check_out "Amina Warsame" "an id in capitals finds the record"
run dg --dir "$D" --json show "$AMINA"
full=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$OUT")
run dg --dir "$D" show "$full"
check_rc 0 "the full 26-character id: exit 0"
check_out "Amina Warsame" "the full id finds the record"

# --- edit --------------------------------------------------------------
run dg --dir "$D" edit "$p4" phone="+47 400 00 000" org= note="Snakker også arabisk"
check_rc 0 "edit: exit 0"
check_out "changed contact $AMINA" "edit: says changed"
run dg --dir "$D" --json show "$AMINA"
check "edit: changed, added and unset fields" \
	json_ok "$OUT" "d['phone'] == '+47 400 00 000' and 'org' not in d and d['note'] == 'Snakker også arabisk' and d['name'] == 'Amina Warsame' and d['role@so'] == 'Caawiye'"
run dg --dir "$D" edit "$MEET" title@so= capacity=12
check_rc 0 "edit: unset a translation"
run dg --dir "$D" --json show "$MEET"
check "edit: the translation is gone, the others stay" \
	json_ok "$OUT" "'title@so' not in d and d['title@ar'] == 'مجموعة النساء' and d['capacity'] == '12'"
run dg --dir "$D" show "$MEET"
check_no_out "Kooxda haweenka" "edit: show no longer shows the unset translation"

# --- history -------------------------------------------------------------
me=$(dg --dir "$D" id | sed -n 's/^short id: *//p')
run dg --dir "$D" history "$AMINA"
check_rc 0 "history: exit 0"
check "history: one line per change" test "$(wc -l <"$OUT")" -eq 2
check_out "$me" "history: who (the author's short id)"
check "history: when (a date and time)" \
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}' "$OUT"
check_out 'phone="+47 400 00 000"' "history: what (the new value)"
check_out "org=(removed)" "history: what (an unset field)"
check_out 'name="Amina Warsame"' "history: what (the first version)"
run dg --dir "$D" --json history "$AMINA"
check_rc 0 "--json history: exit 0"
check "--json history: an array of changes with author, time and set" \
	json_ok "$OUT" "len(d) == 2 and d[0]['author'].startswith('$me') and d[0]['set']['name'] == 'Amina Warsame' and d[1]['set']['org'] is None and d[1]['time'] >= d[0]['time']"

# --- list ----------------------------------------------------------------
run dg --dir "$D" list
check_rc 0 "list: exit 0"
check "list: a header and one line per record" test "$(wc -l <"$OUT")" -eq 7
for id in "$MEET" "$AMINA" "$REF" "$TES" "$HEALTH"; do
	check_out "$id" "list: shows $id"
done
check_out "ተስፋይ ገብረመድህን" "list: Tigrinya name"

run dg --dir "$D" --json list
check_rc 0 "--json list: exit 0"
check "--json list: valid JSON (python3 -m json.tool)" \
	python3 -m json.tool "$OUT" /dev/null
check "--json list: one array of 6 objects with id and type" \
	json_ok "$OUT" "isinstance(d, list) and len(d) == 6 and all('id' in r and 'type' in r for r in d)"
cp "$OUT" "$TMP/list.json"

run dg --dir "$D" list meetings
check_rc 0 "list meetings: exit 0"
check_out "$MEET" "list meetings: the meeting"
check_no_out "$AMINA" "list meetings: no contact"
check_no_out "$REF" "list meetings: no referral"
check_out "STARTS" "list meetings: meeting columns"
run dg --dir "$D" list contacts
check_out "$AMINA" "list contacts: Amina"
check_out "$TES" "list contacts: Tesfay"
check_no_out "$MEET" "list contacts: no meeting"
check_no_out "$REF" "list contacts: no referral"
run dg --dir "$D" --json list referrals
check "list referrals: only the two referrals" \
	json_ok "$OUT" "sorted(r['type'] for r in d) == ['referral', 'referral']"

run dg --dir "$D" list --lang so
check_rc 0 "list --lang so: exit 0"
check_out "$MEET" "list --lang so: the Somali meeting"
check_out "$AMINA" "list --lang so: the Somali-speaking contact"
check_no_out "$TES" "list --lang so: not the Tigrinya speaker"
check_no_out "$HEALTH" "list --lang so: not the Norwegian/Polish referral"
run dg --dir "$D" list --lang ti
check_out "$TES" "list --lang ti: Tesfay"
check_out "$REF" "list --lang ti: the legal referral"
check_no_out "$AMINA" "list --lang ti: not Amina"
run dg --dir "$D" list contacts --lang ti
check_out "$TES" "list contacts --lang ti: Tesfay"
check_no_out "$REF" "list contacts --lang ti: no referral"

run dg --dir "$D" list --category health
check_rc 0 "list --category health: exit 0"
check_out "$HEALTH" "list --category health: the health referral"
check_no_out "$REF" "list --category health: not the legal referral"
check_no_out "$AMINA" "list --category health: no contact"
run dg --dir "$D" list referrals --category violence
check_out "$REF" "list --category violence: a record with two categories"
check_no_out "$HEALTH" "list --category violence: not the health referral"

# --- search --------------------------------------------------------------
run dg --dir "$D" search tromso
check_rc 0 "search tromso: exit 0"
check_out "$AMINA" "search tromso: finds area=Tromsø"
check_out "$MEET" "search tromso: finds place=...Tromsø"
check_no_out "$REF" "search tromso: not the referral"
run dg --dir "$D" search AMINA
check_out "$AMINA" "search AMINA: finds Amina"
check "search AMINA: only Amina" test "$(wc -l <"$OUT")" -eq 2
run dg --dir "$D" search "القانونية"
check_out "$REF" "search Arabic: finds the referral"
run dg --dir "$D" search "استشارات"
check_out "$REF" "search Arabic: finds text in another field"
run dg --dir "$D" search "juridisk"
check_out "$REF" "search: finds a translation (name@nb)"
run dg --dir "$D" search "ሕጋዊ"
check_out "$REF" "search Tigrinya: finds the translation"
run dg --dir "$D" search "北京"
check_out "$TES" "search CJK: finds the note"
run dg --dir "$D" search "lodz"
check_out "$HEALTH" "search lodz: finds Łódź"
run dg --dir "$D" search "GRUNERLOKKA"
check_out "$HEALTH" "search GRUNERLOKKA: finds Grünerløkka"
run dg --dir "$D" search "no such text"
check_rc 0 "search with no match: exit 0"
check_out "no records" "search with no match: says so"
run dg --dir "$D" --json search amina
check "--json search: a JSON array with Amina" \
	json_ok "$OUT" "len(d) == 1 and d[0]['name'] == 'Amina Warsame'"

# --- remove ----------------------------------------------------------------
run dg --dir "$D" remove "$HEALTH"
check_rc 0 "remove: exit 0"
check_out "removed $HEALTH" "remove: says removed"
run dg --dir "$D" list
check_no_out "$HEALTH" "remove: hidden from list"
run dg --dir "$D" search lodz
check_no_out "$HEALTH" "remove: hidden from search"
run dg --dir "$D" list --all
check_out "$HEALTH" "remove: shown by list --all"
run dg --dir "$D" show "$HEALTH"
check_rc 0 "remove: show still works"
check_out "(removed)" "remove: show says removed"
run dg --dir "$D" history "$HEALTH"
check_out "remove" "remove: history shows the remove"

# --- upcoming --------------------------------------------------------------
run dg --dir "$D" add meeting title="Weekly since 2024" starts=2024-01-08T18:00 repeat=weekly
WPAST=$(added_id)
run dg --dir "$D" add meeting title="Once in 2024" starts=2024-01-08T18:00
OPAST=$(added_id)
run dg --dir "$D" add meeting title="Once in 2031" starts=2031-01-08T18:00
OFUT=$(added_id)
run dg --dir "$D" add meeting title="Weekly that ended" starts=2024-01-08T18:00 \
	repeat=weekly until=2024-06-30
WENDED=$(added_id)
run dg --dir "$D" add meeting title="Removed weekly" starts=2024-01-08T18:00 repeat=weekly
WREM=$(added_id)
run dg --dir "$D" remove "$WREM"

# The week view (this week and the next, by the real clock; fixed dates,
# time zones and summer time are in t_upcoming.sh).
run dg --dir "$D" list --upcoming
check_rc 0 "list --upcoming: exit 0"
check_out "Weekly since 2024" "list --upcoming: a weekly meeting from the past has its next dates"
check_no_out "Once in 2024" "list --upcoming: a one-off meeting in the past is not listed"
check_no_out "Once in 2031" "list --upcoming: a one-off meeting years ahead is not in the coming two weeks"
check_no_out "Weekly that ended" "list --upcoming: a series whose until has passed is not listed"
check_no_out "Removed weekly" "list --upcoming: a removed meeting is not listed"
check_no_out "Amina" "list --upcoming: no contacts"
check "list --upcoming: the weekly series shows on Mondays at 18:00" \
	grep -Eq "^  18:00 +Weekly since 2024$" "$OUT"
check "list --upcoming: under a Monday heading" grep -q "^Monday " "$OUT"
run dg --dir "$D" --json list --upcoming
check_out "\"id\":\"$WPAST" "list --upcoming --json: the weekly meeting's id"

# A weekly meeting keeps its wall-clock time across summer time: one that
# started at 18:00 in summer meets at 18:00 in winter too (as in the ICS
# export, DTSTART;TZID=Europe/Oslo).  Both series below meet tomorrow,
# the summer one at 18:00 and the winter one at 17:30, so 17:30 comes
# first whatever the season today.
set -- mo tu we th fr sa su
shift $(($(date +%u) % 7))
tomorrow=$1
run dg --dir "$D" add meeting title="Summer series" starts=2025-07-01T18:00 \
	tz=Europe/Oslo repeat="weekly:$tomorrow"
SUMMER=$(added_id)
run dg --dir "$D" add meeting title="Winter series" starts=2025-01-07T17:30 \
	tz=Europe/Oslo repeat="weekly:$tomorrow"
WINTER=$(added_id)
run dg --dir "$D" list --upcoming
check "list --upcoming: summer-time series shows 18:00 local time" \
	grep -Eq "^  18:00 +Summer series$" "$OUT"
check "list --upcoming: winter-time series shows 17:30 local time" \
	grep -Eq "^  17:30 +Winter series$" "$OUT"
check "list --upcoming: 17:30 comes before 18:00 on the same day (time zone, not a fixed offset)" \
	test "$(line_of "Winter series")" -gt 0 -a \
	"$(line_of "Winter series")" -lt "$(line_of "Summer series")"

# --- everything is still there ----------------------------------------------
run dg --dir "$D" --json list --all
check "--json list --all: every record, removed ones too" \
	json_ok "$OUT" "len(d) == 13"
run dg --dir "$D" verify
check_rc 0 "verify after all the changes: exit 0"

finish
