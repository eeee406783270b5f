#!/bin/sh
# t_export_import.sh - export to iCalendar, vCard, CSV and JSON; import
# from CSV and vCard; a CSV round trip between two nodes.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
D=$TMP/node
new_node "$D" || { echo "FAIL cannot make a node"; exit 1; }

json_ok() { # file, python expression with d = the document
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
# Every line ends with CR LF (and so does the file).
crlf() { LC_ALL=C awk '!/\r$/ { bad++ } END { exit bad > 0 }' "$1" && [ "$(tail -c 2 "$1" | od -An -c | tr -d ' ')" = '\r\n' ]; }
# No line is longer than 75 octets, not counting the CR LF.
short_lines() { LC_ALL=C awk '{ sub(/\r$/, ""); if (length($0) > 75) bad++ } END { exit bad > 0 }' "$1"; }
# Names (or titles) of the records in a store, sorted, one a line.
names() {
	dg --dir "$1" --json list "${2:-}" 2>/dev/null | python3 -c 'import json, sys
for n in sorted(r.get("name", r.get("title")) for r in json.load(sys.stdin)):
    print(n)'
}
mode_of() { ls -l "$1" | cut -c1-10; }

# --- records ----------------------------------------------------------------
dg --dir "$D" add meeting title="Kvinnegruppa, språkkafé og søm; hver fredag i Frivilligsentralen på Grünerløkka" \
	title@so="Kooxda haweenka" lang=nb,so starts=2026-12-04T18:00 \
	repeat=weekly duration=90m until=2027-06-30 place="Frivilligsentralen, Storgata 1" \
	capacity=10 description="$(printf 'Vi lager mat og syr.\nمرحبا بالجميع')" >/dev/null 2>&1
dg --dir "$D" add meeting title="Pårørendegruppe" starts=2026-12-01T19:00 \
	repeat=weekly:tu,th link="https://meet.example.org/p?x=1&y=2" >/dev/null 2>&1
dg --dir "$D" add meeting title="Informasjonsmøte" starts=2027-01-15T12:00 >/dev/null 2>&1
dg --dir "$D" add contact name="Amina Warsame" lang=so,nb phone="+47 912 34 567" \
	email=amina@example.org org="Røde Kors" note="Snakker somali, norsk og litt arabisk" >/dev/null 2>&1
dg --dir "$D" add contact name="ተስፋይ ገብረመድህን" lang=ti phone=+4795555555 >/dev/null 2>&1
dg --dir "$D" add referral name="Legevakten" category=health phone=116117 >/dev/null 2>&1
run dg --dir "$D" list
check "three meetings, two contacts, one referral" test "$(wc -l <"$OUT")" -eq 7

# --- ics ---------------------------------------------------------------------
run dg --dir "$D" export --format ics
check_rc 0 "ics: exit 0"
cp "$OUT" "$TMP/out.ics"
check_out "BEGIN:VCALENDAR" "ics: BEGIN:VCALENDAR"
check_out "END:VCALENDAR" "ics: END:VCALENDAR"
check_out "VERSION:2.0" "ics: VERSION:2.0"
check_out "PRODID:" "ics: PRODID"
check "ics: three events" test "$(grep -c '^BEGIN:VEVENT' "$OUT")" -eq 3
check_out "RRULE:FREQ=WEEKLY" "ics: RRULE:FREQ=WEEKLY"
check_out "RRULE:FREQ=WEEKLY;BYDAY=TU,TH" "ics: twice a week"
check_out "DTSTART;TZID=Europe/Oslo:20261204T180000" "ics: DTSTART with TZID=Europe/Oslo"
check_out "BEGIN:VTIMEZONE" "ics: a VTIMEZONE"
check_out "TZID:Europe/Oslo" "ics: the VTIMEZONE is Europe/Oslo"
check "ics: the VTIMEZONE has standard and daylight time" \
	grep -q "^BEGIN:DAYLIGHT" "$OUT"
check_out "DURATION:PT90M" "ics: the duration"
check_out "UNTIL=2027" "ics: the last date"
check "ics: CRLF line ends" crlf "$TMP/out.ics"
check "ics: no line over 75 octets" short_lines "$TMP/out.ics"
check "ics: every event has a UID and a DTSTAMP" \
	test "$(grep -c '^UID:' "$OUT")" -eq 3 -a "$(grep -c '^DTSTAMP:' "$OUT")" -eq 3
check "ics: commas and semicolons escaped in text" \
	grep -q 'Kvinnegruppa\\, språkkafé og søm\\; hver' "$OUT"
check "ics: a folded line never splits a UTF-8 character" python3 -c '
import sys
for line in open(sys.argv[1], "rb").read().split(b"\r\n"):
    line.decode("utf-8")' "$TMP/out.ics"

ICALPY=""
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import icalendar' 2>/dev/null; then
		ICALPY=$py
		break
	fi
done
if [ -n "$ICALPY" ]; then
	check "ics: icalendar parses it (3 events, Oslo 18:00, weekly)" "$ICALPY" -c '
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
ev = [e for e in cal.walk("VEVENT")]
assert len(ev) == 3, ev
k = [e for e in ev if str(e.get("SUMMARY")).startswith("Kvinnegruppa")][0]
s = k.decoded("DTSTART")
assert (s.hour, s.minute) == (18, 0) and s.utcoffset().total_seconds() == 3600, s
assert k.get("RRULE")["FREQ"] == ["WEEKLY"]
assert str(k.get("LOCATION")) == "Frivilligsentralen, Storgata 1"
assert "\u0645\u0631\u062d\u0628\u0627" in str(k.get("DESCRIPTION"))
p = [e for e in ev if str(e.get("SUMMARY")) == "P\u00e5r\u00f8rendegruppe"][0]
assert p.get("RRULE")["BYDAY"] == ["TU", "TH"]
assert [t.get("TZID") for t in cal.walk("VTIMEZONE")] == ["Europe/Oslo"]
' "$TMP/out.ics"
else
	echo "ok   ics: icalendar parse skipped (no python3 module icalendar)"
fi

# --- vcf -----------------------------------------------------------------------
run dg --dir "$D" export --format vcf
check_rc 0 "vcf: exit 0"
cp "$OUT" "$TMP/out.vcf"
check "vcf: two cards" test "$(grep -c '^BEGIN:VCARD' "$OUT")" -eq 2
check "vcf: VERSION:4.0 in each" test "$(grep -c '^VERSION:4.0' "$OUT")" -eq 2
check_out "FN:Amina Warsame" "vcf: FN"
check_out "FN:ተስፋይ ገብረመድህን" "vcf: FN in Tigrinya"
check_out "EMAIL:amina@example.org" "vcf: EMAIL"
check "vcf: TEL" grep -q '^TEL.*47.912.34.567' "$OUT"
check "vcf: no referral or meeting" test "$(grep -c 'Legevakten\|Kvinnegruppa' "$OUT")" -eq 0
check "vcf: CRLF line ends" crlf "$TMP/out.vcf"
check "vcf: no line over 75 octets" short_lines "$TMP/out.vcf"

# --- csv -----------------------------------------------------------------------
run dg --dir "$D" export --format csv contacts
check_rc 0 "csv: exit 0"
cp "$OUT" "$TMP/contacts.csv"
check "csv: a header row naming the fields" \
	python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
h = rows[0]
assert "name" in h and "phone" in h and "email" in h, h
assert len(rows) == 3, rows
assert all(len(r) == len(h) for r in rows)
n = h.index("name")
assert sorted(r[n] for r in rows[1:]) == ["Amina Warsame", "\u1270\u1235\u134b\u12ed \u1308\u1265\u1228\u1218\u12f5\u1205\u1295"], rows
' "$TMP/contacts.csv"
run dg --dir "$D" export --format csv meetings
cp "$OUT" "$TMP/meetings.csv"
check "csv meetings: a header row and one row per meeting, new lines quoted" \
	python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
h = rows[0]
assert "title" in h and "starts" in h and "repeat" in h, h
assert len(rows) == 4, rows
d = h.index("description")
assert any(r[d] == "Vi lager mat og syr.\n\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u062c\u0645\u064a\u0639" for r in rows[1:])
' "$TMP/meetings.csv"

# --- json ------------------------------------------------------------------
run dg --dir "$D" export --format json
check_rc 0 "json: exit 0"
check "json: valid JSON" python3 -m json.tool "$OUT" /dev/null
check "json: all six records" json_ok "$OUT" "len(d) == 6"
run dg --dir "$D" export --format json referrals
check "json referrals: only the referral" \
	json_ok "$OUT" "[r['name'] for r in d] == ['Legevakten']"

# --- -o FILE -----------------------------------------------------------------
umask 022
for f in ics vcf json; do
	run dg --dir "$D" export --format $f -o "$TMP/export.$f"
	check_rc 0 "-o export.$f: exit 0"
	check "-o export.$f: mode 0600" test "$(mode_of "$TMP/export.$f")" = "-rw-------"
done
check "-o: the file holds the export" cmp -s "$TMP/export.vcf" "$TMP/out.vcf"
printf 'old\n' >"$TMP/existing.csv"
chmod 644 "$TMP/existing.csv"
run dg --dir "$D" export --format csv contacts -o "$TMP/existing.csv"
check_rc 0 "-o over an existing file: exit 0"
check "-o over an existing 0644 file: now mode 0600" \
	test "$(mode_of "$TMP/existing.csv")" = "-rw-------"
check "-o over an existing file: replaced" cmp -s "$TMP/existing.csv" "$TMP/contacts.csv"
set -- "$TMP"/*.tmp*
check "-o: no temporary file left" test ! -e "$1"
run dg --dir "$D" export --format json -o "$TMP/no/such/dir/x.json"
check "-o into a missing directory: a clear error" \
	test "$RC" -eq 73 -o "$RC" -eq 74
check_err "x.json" "-o into a missing directory: names the file"

# --- import CSV ---------------------------------------------------------------
I=$TMP/imp
new_node "$I"
cat >"$TMP/comma.csv" <<'EOF'
name,phone,email,lang
Ola Nordmann,+47 22 33 44 55,ola@example.no,nb
"Warsame, Amina",,amina@example.org,"so,nb"
EOF
run dg --dir "$I" import "$TMP/comma.csv" --type contacts
check_rc 0 "import comma CSV: exit 0"
check_out "imported 2 records" "import comma CSV: says 2 records"
run dg --dir "$I" list contacts
check_out "Ola Nordmann" "import comma CSV: Ola listed"
check_out "Warsame, Amina" "import comma CSV: a quoted cell with a comma"

# Semicolons (Excel in Norway), a BOM, CRLF, quoted cells with ; , and new lines.
printf '\357\273\277name;phone;note;area\r\n' >"$TMP/semi.csv"
printf 'Kari Hansen;+47 400 00 000;"Ringer tirsdager; helst\r\netter kl. 12, takk";Tromsø\r\n' >>"$TMP/semi.csv"
printf '"Fadumo ""Faduma"" Abdi";;"Somali, norsk";Bergen\r\n' >>"$TMP/semi.csv"
run dg --dir "$I" import "$TMP/semi.csv" --type contacts
check_rc 0 "import semicolon CSV with a BOM: exit 0"
check_out "imported 2 records" "import semicolon CSV: says 2 records"
run dg --dir "$I" --json list contacts
check "import semicolon CSV: the first column is 'name', not BOM+name" \
	json_ok "$OUT" "sorted(r['name'] for r in d) == ['Fadumo \"Faduma\" Abdi', 'Kari Hansen', 'Ola Nordmann', 'Warsame, Amina']"
check "import semicolon CSV: a quoted cell with ; , and a new line" \
	json_ok "$OUT" "any(r.get('note') == 'Ringer tirsdager; helst\netter kl. 12, takk' for r in d)"
check "import semicolon CSV: UTF-8 kept" \
	json_ok "$OUT" "any(r.get('area') == 'Tromsø' for r in d)"

# A type column lets one file hold several types.
cat >"$TMP/mixed.csv" <<'EOF'
type,name,title,starts,repeat,category
contact,Hawa Jama,,,,
meeting,,Språkkafé,2026-12-02T17:00,weekly,
referral,Krisesenteret,,,,violence
EOF
run dg --dir "$I" import "$TMP/mixed.csv"
check_rc 0 "import with a type column: exit 0"
check_out "imported 3 records" "import with a type column: 3 records"
run dg --dir "$I" list meetings
check_out "Språkkafé" "import with a type column: the meeting"
run dg --dir "$I" list referrals --category violence
check_out "Krisesenteret" "import with a type column: the referral"

# One bad row: nothing imported, the line named.
cat >"$TMP/bad.csv" <<'EOF'
name,phone,email
Good One,22334455,good@example.org
"Two
lines",22334455,two@example.org
Bad Email,22334455,not-an-email
Good Two,22334455,good2@example.org
EOF
before=$(store_sum "$I")
run dg --dir "$I" import "$TMP/bad.csv" --type contacts
check_rc 65 "import with one bad row: exit 65"
check_err "line 5" "import with one bad row: names line 5"
check_err "email" "import with one bad row: names the field"
check_err "nothing was imported" "import with one bad row: says nothing was imported"
check "import with one bad row: store unchanged" test "$(store_sum "$I")" = "$before"
run dg --dir "$I" search "Good One"
check_out "no records" "import with one bad row: the good rows are not imported"

run dg --dir "$I" import "$TMP/bad.csv" --type contacts --skip-bad
check_rc 0 "import --skip-bad: exit 0"
check_out "imported 3 records" "import --skip-bad: the three good rows"
check_err "line 5" "import --skip-bad: still names the bad line"
run dg --dir "$I" --json search good
check "import --skip-bad: the good rows are listed" \
	json_ok "$OUT" "sorted(r['name'] for r in d) == ['Good One', 'Good Two']"
run dg --dir "$I" search "Bad Email"
check_out "no records" "import --skip-bad: the bad row is not"

printf 'name,phone\nOne,22334455\nTwo\n' >"$TMP/short.csv"
before=$(store_sum "$I")
run dg --dir "$I" import "$TMP/short.csv" --type contacts
check_rc 65 "import a row with too few cells: exit 65"
check_err "line 3" "import a row with too few cells: names line 3"
check "import a row with too few cells: store unchanged" test "$(store_sum "$I")" = "$before"
printf 'name,note\nOne,"never closed\n' >"$TMP/open.csv"
run dg --dir "$I" import "$TMP/open.csv" --type contacts
check_rc 65 "import an unclosed quote: exit 65"
check_err "line 2" "import an unclosed quote: names line 2"
check "import an unclosed quote: store unchanged" test "$(store_sum "$I")" = "$before"
printf 'name,phone\nOne,22334455\n' >"$TMP/notype.csv"
run dg --dir "$I" import "$TMP/notype.csv"
check_rc 65 "import without a type: exit 65"
check_err "--type" "import without a type: says to use --type"
check "import without a type: store unchanged" test "$(store_sum "$I")" = "$before"

# Spreadsheets write headers in capitals; header names are not case
# sensitive (cli/cmd_import.c: "Header names are trimmed and lowercased").
printf 'Type,Name,Phone\ncontact,Capital Header,22334455\n' >"$TMP/caps.csv"
run dg --dir "$I" import "$TMP/caps.csv"
check_rc 0 "import a header in capitals (Type,Name,Phone): exit 0"
run dg --dir "$I" search "Capital Header"
check_out "Capital Header" "import a header in capitals: the record is listed"

# --- import vCard ------------------------------------------------------------
V=$TMP/vcf
new_node "$V"
# Apple Contacts: 3.0, item groups, type= parameters, escaped text, folding.
printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\nN:Nordmann;Ola;;;\r\nFN:Ola Nordmann\r\nORG:Frivilligsentralen;\r\nTEL;type=CELL;type=VOICE;type=pref:+47 912 34 567\r\nEMAIL;type=INTERNET;type=HOME;type=pref:ola@example.no\r\nitem1.ADR;type=HOME;type=pref:;;Storgata 1;Oslo;;0155;Norway\r\nitem1.X-ABADR:no\r\nNOTE:Snakker norsk\\, somali og\\nengelsk\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nN:Abdi;Fadumo;;;\r\nFN:Fadumo \r\n Abdi\r\nTEL;type=CELL:+47 401 23 456\r\nEND:VCARD\r\n' >"$TMP/apple.vcf"
run dg --dir "$V" import "$TMP/apple.vcf"
check_rc 0 "import Apple vCard 3.0: exit 0"
check_out "imported 2 records" "import Apple vCard 3.0: two contacts"
run dg --dir "$V" --json list
check "import Apple vCard 3.0: name, phone, e-mail, organisation, note" \
	json_ok "$OUT" "any(r['name'] == 'Ola Nordmann' and r['phone'] == '+47 912 34 567' and r['email'] == 'ola@example.no' and r['org'] == 'Frivilligsentralen' and r['note'] == 'Snakker norsk, somali og\nengelsk' for r in d)"
check "import Apple vCard 3.0: a folded FN" \
	json_ok "$OUT" "any(r['name'] == 'Fadumo Abdi' for r in d)"

# Google Contacts: 3.0 with LF line ends and TYPE= parameters.
cat >"$TMP/google.vcf" <<'EOF'
BEGIN:VCARD
VERSION:3.0
FN:Hawa Jama
N:Jama;Hawa;;;
EMAIL;TYPE=INTERNET;TYPE=WORK:hawa@example.org
TEL;TYPE=CELL:+4798765432
ORG:Røde Kors
TITLE:Koordinator
CATEGORIES:myContacts
END:VCARD
EOF
run dg --dir "$V" import "$TMP/google.vcf"
check_rc 0 "import Google vCard 3.0: exit 0"
run dg --dir "$V" --json search hawa
check "import Google vCard 3.0: name, e-mail, phone, organisation" \
	json_ok "$OUT" "len(d) == 1 and d[0]['email'] == 'hawa@example.org' and d[0]['phone'] == '+4798765432' and d[0]['org'] == 'Røde Kors'"

printf 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Tesfay Gebremedhin\r\nN:Gebremedhin;Tesfay;;;\r\nTEL;VALUE=uri;TYPE=cell:tel:+47-955-55-555\r\nEMAIL:tesfay@example.org\r\nLANG;PREF=1:ti\r\nLANG;PREF=2:nb\r\nEND:VCARD\r\n' >"$TMP/v4.vcf"
run dg --dir "$V" import "$TMP/v4.vcf"
check_rc 0 "import vCard 4.0: exit 0"
run dg --dir "$V" --json search tesfay
check "import vCard 4.0: name, tel: URI, e-mail, languages" \
	json_ok "$OUT" "len(d) == 1 and d[0]['phone'] == '+47 955 55 555' and d[0]['email'] == 'tesfay@example.org' and d[0]['lang'] == 'ti,nb'"

printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Phone\r\nTEL:call me\r\nEND:VCARD\r\n' >"$TMP/badcard.vcf"
before=$(store_sum "$V")
run dg --dir "$V" import "$TMP/badcard.vcf"
check_rc 65 "import a vCard with a bad phone: exit 65"
check_err "line" "import a vCard with a bad phone: names the line"
check "import a vCard with a bad phone: store unchanged" test "$(store_sum "$V")" = "$before"

# Written the Norwegian way, "(+47) 401 23 456", as address books hold it.
printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Paren Phone\r\nTEL;type=CELL:(+47) 401 23 456\r\nEND:VCARD\r\n' >"$TMP/paren.vcf"
run dg --dir "$V" import "$TMP/paren.vcf"
check_rc 0 "import a vCard phone written (+47) 401 23 456: exit 0"

# vCard round trip: our own export imports again.
run dg --dir "$V" import "$TMP/out.vcf"
check_rc 0 "import our own vCard 4.0 export: exit 0"
run dg --dir "$V" search amina
check_out "Amina Warsame" "import our own vCard export: Amina"

# --- round trip: export csv, import into a second node ----------------------
R=$TMP/second
new_node "$R"
run dg --dir "$R" import "$TMP/contacts.csv"
check_rc 0 "round trip contacts: import exit 0"
names "$D" contacts >"$TMP/n1"
names "$R" contacts >"$TMP/n2"
check "round trip contacts: the same names" cmp -s "$TMP/n1" "$TMP/n2"
run dg --dir "$R" import "$TMP/meetings.csv"
check_rc 0 "round trip meetings: import exit 0"
names "$D" meetings >"$TMP/m1"
names "$R" meetings >"$TMP/m2"
check "round trip meetings: the same titles" cmp -s "$TMP/m1" "$TMP/m2"
strip='import json, sys
for r in sorted(json.load(sys.stdin), key=lambda r: r.get("title", r.get("name"))):
    for k in ("id", "created", "updated"):
        r.pop(k)
    print(json.dumps(r, sort_keys=True, ensure_ascii=False))'
dg --dir "$D" --json list meetings | python3 -c "$strip" >"$TMP/f1"
dg --dir "$R" --json list meetings | python3 -c "$strip" >"$TMP/f2"
check "round trip meetings: every field and translation the same" cmp -s "$TMP/f1" "$TMP/f2"
dg --dir "$D" --json list contacts | python3 -c "$strip" >"$TMP/f1"
dg --dir "$R" --json list contacts | python3 -c "$strip" >"$TMP/f2"
check "round trip contacts: every field the same" cmp -s "$TMP/f1" "$TMP/f2"
run dg --dir "$R" verify
check_rc 0 "round trip: verify passes"

finish
