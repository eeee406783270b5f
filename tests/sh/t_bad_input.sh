#!/bin/sh
# t_bad_input.sh - every bad input gets a clear one-line error that names
# the field, a documented exit code (64 usage, 65 data) and leaves the
# store as it was.  Ends with a damaged copy of the store: never a crash.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
D=$TMP/node
new_node "$D" || { echo "FAIL cannot make a node"; exit 1; }

added_id() { awk '$1 == "added" { print $3 }' "$OUT"; }


run dg --dir "$D" add contact name="Amina Warsame" phone="+47 912 34 567"
AMINA=$(added_id)
run dg --dir "$D" add meeting title="Kvinnegruppa" starts=2026-12-04T18:00 repeat=weekly
MEET=$(added_id)
M="title=Kvinnegruppa starts=2026-12-04T18:00"

# --- fields and types ----------------------------------------------------
refuse 65 "no field 'colour'" "unknown field" \
	dg --dir "$D" add contact name=Amina colour=blue
refuse 65 "no field 'title'" "a field of another type" \
	dg --dir "$D" add contact name=Amina title=Boss
refuse 64 "contact, meeting or referral" "unknown type" \
	dg --dir "$D" add widget name=Amina
refuse 64 "contact, meeting or referral" "no type" \
	dg --dir "$D" add
refuse 65 "name=" "missing required field (contact name)" \
	dg --dir "$D" add contact phone=22334455
refuse 65 "starts=" "missing required field (meeting starts)" \
	dg --dir "$D" add meeting title=Kvinnegruppa
refuse 65 "name is empty" "empty value" \
	dg --dir "$D" add contact name=
refuse 64 "not key=value" "argument without =" \
	dg --dir "$D" add contact name=Amina Warsame

# --- values ----------------------------------------------------------------
# shellcheck disable=SC2086
refuse 65 "starts: no such date" "invalid date 2026-02-30" \
	dg --dir "$D" add meeting title=X starts=2026-02-30T10:00+01:00
refuse 65 "starts:" "invalid time 24:00" \
	dg --dir "$D" add meeting title=X starts=2026-02-03T24:00
refuse 65 "starts:" "not a date at all" \
	dg --dir "$D" add meeting title=X starts=tomorrow
refuse 65 "starts:" "bad time zone offset +25:00" \
	dg --dir "$D" add meeting title=X starts=2026-02-03T10:00+25:00
refuse 65 "starts:" "bad time zone offset +0100x" \
	dg --dir "$D" add meeting title=X starts=2026-02-03T10:00+01:00x
refuse 65 "lang:" "bad language tag xx_YY!" \
	dg --dir "$D" add contact name=Amina 'lang=xx_YY!'
refuse 65 "lang:" "bad language tag in a list" \
	dg --dir "$D" add contact name=Amina 'lang=so,xx_YY!,nb'
refuse 65 "email:" "bad email (no @)" \
	dg --dir "$D" add contact name=Amina email=amina.example.org
refuse 65 "email:" "bad email (space)" \
	dg --dir "$D" add contact name=Amina 'email=amina warsame@example.org'
refuse 65 "phone:" "bad phone (letters)" \
	dg --dir "$D" add contact name=Amina phone=abc
refuse 65 "phone:" "bad phone (too short)" \
	dg --dir "$D" add contact name=Amina phone=12
# shellcheck disable=SC2086
refuse 65 "capacity:" "capacity=-1" \
	dg --dir "$D" add meeting $M capacity=-1
# shellcheck disable=SC2086
refuse 65 "capacity:" "capacity=abc" \
	dg --dir "$D" add meeting $M capacity=abc
# shellcheck disable=SC2086
refuse 65 "repeat:" "repeat=sometimes" \
	dg --dir "$D" add meeting $M repeat=sometimes
# shellcheck disable=SC2086
refuse 65 "duration:" "duration=forever" \
	dg --dir "$D" add meeting $M duration=forever
# shellcheck disable=SC2086
refuse 65 "until:" "until=2026-13-01" \
	dg --dir "$D" add meeting $M until=2026-13-01
# shellcheck disable=SC2086
refuse 65 "link:" "link without a scheme" \
	dg --dir "$D" add meeting $M link=meet.example.org
refuse 65 "category:" "unknown category" \
	dg --dir "$D" add referral name=Legevakt category=helth
# The message lists the categories to choose from: all of them.
check "unknown category: the list of categories is complete (ends with 'other')" \
	grep -q 'social, other$' "$ERR"

big=$(head -c 4097 /dev/zero | tr '\0' a)
refuse 65 "at most 4096 bytes" "value over 4096 bytes" \
	dg --dir "$D" add contact name="$big"
check "value over 4096 bytes: the message names the field" grep -q "name:" "$ERR"
refuse 65 "not valid UTF-8" "invalid UTF-8" \
	dg --dir "$D" add contact name="$(printf 'Amina \377')"
check "invalid UTF-8: the message names the field" grep -q "name:" "$ERR"
refuse 65 "not valid UTF-8" "truncated UTF-8 sequence" \
	dg --dir "$D" add contact name="$(printf 'Troms\303')"
refuse 65 "control characters" "control character \\001" \
	dg --dir "$D" add contact name="$(printf 'Amina\001')"
refuse 65 "control characters" "terminal escape sequence" \
	dg --dir "$D" add contact note="$(printf '\033[2J\033[31mred')" name=Amina
check "terminal escape sequence: the message names the field" grep -q "note:" "$ERR"
refuse 65 "phone:" "new line in a one-line field" \
	dg --dir "$D" add contact name=Amina phone="$(printf '22 33\n44 55')"
# shellcheck disable=SC2086
refuse 65 "capacity cannot be translated" "translation of a non-translatable field" \
	dg --dir "$D" add meeting $M capacity@so=1
refuse 65 "not a language tag" "translation with a bad language tag" \
	dg --dir "$D" add contact name=Amina 'name@xx_YY!=Amina'

# A duplicated key is a usage error (64) or a data error (65); both are
# documented.  Case does not make it another key.
for dup in "name=Amina name=Hodan" "name=Amina NAME=Hodan" \
	"name=Amina name@so=A name@SO=B"; do
	before=$(store_sum "$D")
	# shellcheck disable=SC2086
	run dg --dir "$D" add contact $dup
	check "duplicated key '$dup': exit 64 or 65" test "$RC" -eq 64 -o "$RC" -eq 65
	check_err "given twice" "duplicated key '$dup': says given twice"
	check "duplicated key '$dup': store unchanged" test "$(store_sum "$D")" = "$before"
done

# A value of exactly 4096 bytes is the largest allowed.
ok4096=$(head -c 4096 /dev/zero | tr '\0' b)
run dg --dir "$D" add contact name="$ok4096"
check_rc 0 "a value of exactly 4096 bytes is accepted"

# A time zone name that does not exist is named as the problem.  A typo
# (Europe/Olso) must not be stored: the meeting would be exported in UTC.
refuse 65 "tz:" "unknown time zone with a local start time" \
	dg --dir "$D" add meeting title=X tz=Europe/Olso starts=2026-12-04T18:00
before=$(store_sum "$D")
run dg --dir "$D" add meeting title=X tz=Europe/Olso starts=2026-12-04T18:00+01:00
check "unknown time zone with an offset: refused with exit 65 naming tz, store unchanged" \
	test "$RC" -eq 65 -a "$(store_sum "$D")" = "$before" -a -n "$(grep 'tz:' "$ERR")"

# --- ids -------------------------------------------------------------------
refuse 65 "not a record id" "a 3-character prefix" \
	dg --dir "$D" show "$(printf '%s' "$AMINA" | cut -c1-3)"
refuse 65 "not a record id" "a 1-character prefix" \
	dg --dir "$D" edit "$(printf '%s' "$AMINA" | cut -c1)" name=X
refuse 65 "not a record id" "an id with characters outside base32" \
	dg --dir "$D" show 'ab1!cd'
refuse 65 "no record with id" "unknown id (8 characters)" \
	dg --dir "$D" show zzzzzzzz
refuse 65 "no record with id" "a 4-character prefix that matches nothing" \
	dg --dir "$D" edit zzzz name=X
refuse 65 "no record with id" "remove an unknown id" \
	dg --dir "$D" remove zzzzzzzz
refuse 65 "no record with id" "erase an unknown id" \
	dg --dir "$D" erase zzzzzzzz
refuse 65 "no record with id" "history of an unknown id" \
	dg --dir "$D" history zzzzzzzz
refuse 64 "usage" "show without an id" dg --dir "$D" show
refuse 64 "usage" "edit without a change" dg --dir "$D" edit "$AMINA"

# --- edit ---------------------------------------------------------------------
refuse 65 "no field 'colour'" "edit: unknown field" \
	dg --dir "$D" edit "$AMINA" colour=blue
refuse 65 "required" "edit: unset a required field" \
	dg --dir "$D" edit "$AMINA" name=
refuse 65 "phone:" "edit: bad phone" \
	dg --dir "$D" edit "$AMINA" phone=abc
refuse 65 "repeat:" "edit: bad repeat" \
	dg --dir "$D" edit "$MEET" repeat=sometimes
refuse 65 "no field 'phone'" "edit: a contact field on a meeting" \
	dg --dir "$D" edit "$MEET" phone=22334455

run dg --dir "$D" remove "$MEET"
check_rc 0 "remove the meeting"
refuse 65 "removed" "edit of a removed record" \
	dg --dir "$D" edit "$MEET" title=Again
refuse 65 "already removed" "remove twice" \
	dg --dir "$D" remove "$MEET"

run dg --dir "$D" erase "$AMINA"
check_rc 0 "erase the contact"
refuse 65 "already erased" "erase twice" \
	dg --dir "$D" erase "$AMINA"
refuse 65 "erased" "edit of an erased record" \
	dg --dir "$D" edit "$AMINA" name=Again
refuse 65 "already erased" "remove an erased record" \
	dg --dir "$D" remove "$AMINA"

# --- list, search, export, import: command-line errors --------------------------
refuse 64 "--lang" "list --lang with a bad tag" \
	dg --dir "$D" list --lang 'xx_YY!'
refuse 64 "--lang" "list --lang without a value" \
	dg --dir "$D" list --lang
refuse 64 "--upcoming lists meetings only" "list contacts --upcoming" \
	dg --dir "$D" list contacts --upcoming
refuse 64 "usage" "search without text" dg --dir "$D" search
refuse 64 "unknown format" "export --format xml" \
	dg --dir "$D" export --format xml
refuse 64 "csv needs a type" "export --format csv without a type" \
	dg --dir "$D" export --format csv
refuse 64 "ics holds meetings only" "export --format ics contacts" \
	dg --dir "$D" export --format ics contacts
refuse 66 "cannot open" "import a missing file" \
	dg --dir "$D" import "$TMP/no-such-file.csv"
refuse 64 "--type" "import --type widgets" \
	dg --dir "$D" import "$TMP/no-such-file.csv" --type widgets

# --- a damaged store: clear errors, never a crash -------------------------------
# More records, so the file has several pages of each kind.
i=0
while [ $i -lt 4 ]; do
	dg --dir "$D" add referral name="Tjeneste $i" category=health \
		helps="$(head -c 600 /dev/zero | tr '\0' h)" >/dev/null 2>&1
	i=$((i + 1))
done
run dg --dir "$D" verify
check_rc 0 "before damage: verify passes"
orig=$(store_sum "$D")
C=$TMP/damaged
size=$(wc -c <"$D/data.mdb")
pages=$((size / 4096))
crashes=""
unclear=""
found=0
p=2 # pages 0 and 1 are LMDB's meta pages
while [ $p -lt $pages ]; do
	for at in 16 2048; do
		rm -rf "$C"
		mkdir "$C"
		cp "$D/data.mdb" "$C/data.mdb"
		printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
			dd of="$C/data.mdb" bs=1 seek=$((p * 4096 + at)) conv=notrunc \
				2>/dev/null
		for cmd in verify log list; do
			[ "$cmd" = list ] && [ "$at" -ne 2048 ] && continue
			run dg --dir "$C" $cmd
			if [ "$RC" -ge 128 ]; then
				crashes="$crashes $cmd@$((p * 4096 + at))(rc=$RC)"
			elif [ "$RC" -eq 1 ] && [ "$cmd" = verify ]; then
				grep -q '^problem: ' "$OUT" && found=$((found + 1))
			elif [ "$RC" -ne 0 ] && [ "$RC" -ne 77 ] &&
				! { [ "$RC" -eq 74 ] && grep -q damaged "$ERR"; }; then
				unclear="$unclear
$cmd@$((p * 4096 + at)) rc=$RC: $(head -n 1 "$ERR")"
			fi
		done
	done
	p=$((p + 1))
done
RC=0
: >"$OUT"
printf 'crashed:%s\n' "$crashes" >"$ERR"
check "damaged store: no command crashes (exit >= 128)" test -z "$crashes"
printf 'unclear:%s\n' "$unclear" >"$ERR"
check "damaged store: every error is 'damaged' (74) or verify's problems (1)" \
	test -z "$unclear"
check "damaged store: verify reports the damaged entries" test "$found" -gt 0
check "damaged store: the original store is unchanged" \
	test "$(store_sum "$D")" = "$orig"
run dg --dir "$D" verify
check_rc 0 "damaged store: the original still verifies"

finish
