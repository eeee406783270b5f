#!/bin/sh
# t_upcoming.sh - `dugnad list meetings --upcoming`: every occurrence of
# every meeting in the coming weeks, grouped by ISO week and by day, in
# the user's time zone (TZ), as a reader sees it and as --json.  "Now"
# is fixed with libfaketime (as t_skew.sh does), so the dates below are
# the same on every run: clocks change in Europe/Oslo on 25 October
# 2026 and 28 March 2027, in America/New_York on 1 November 2026 and
# 14 March 2027.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
net_trap
need_faketime "to fix today's date"
# at "YYYY-MM-DD HH:MM" command...: the command with the clock set then
# (local time, TZ) and standing still
at() {
	at_when=$1
	shift
	[ "$1" = dg ] && { shift; set -- "$DUGNAD_BIN" "$@"; }
	run "$FT" "$at_when" "$@"
}
added_id() { awk '$1 == "added" { print $3 }' "$OUT"; }
# Line number of the first stdout line matching an extended regex (0 if
# none).
line_re() { grep -n -E -- "$1" "$OUT" | head -n 1 | cut -d: -f1 | grep . || echo 0; }
# json_n N: the --json output in $OUT is a list of N occurrences
json_n() { test "$(grep -c '^{"id":' "$OUT")" -eq "$1"; }

D=$TMP/n
new_node "$D" || { echo "FAIL setup"; echo "0 passed, 1 failed"; exit 1; }

# --- the week view ------------------------------------------------------------
run dg --dir "$D" add meeting title="Kvinnegruppa" lang=nb,so \
	starts=2026-09-01T18:00 tz=Europe/Oslo repeat=weekly:tu,th duration=90m \
	place="Frivilligsentralen"
KV=$(added_id)
run dg --dir "$D" add meeting \
	title="Somali mother-tongue group for parents of small children" lang=so \
	starts=2026-11-02T17:30 repeat=weekly:mo,we \
	place="Tøyen bibliotek, Kjølberggata 19, 0653 Oslo, entrance at the back"
SO=$(added_id)
run dg --dir "$D" add meeting title="ፀጋ ተስፋይ 会议 online" lang=ti \
	starts=2026-11-30T09:00 tz=America/New_York duration=60 \
	link=https://meet.example.org/x
ONLINE=$(added_id)
run dg --dir "$D" add meeting title="Christmas party" starts=2026-12-05T12:00
ONCE=$(added_id)
run dg --dir "$D" add meeting title="Once last week" starts=2026-11-20T12:00
run dg --dir "$D" add meeting title="Ended series" starts=2026-09-01T12:00 \
	repeat=daily until=2026-11-23
run dg --dir "$D" add meeting title="Ends Wednesday" starts=2026-09-01T20:00 \
	repeat=daily until=2026-11-25
run dg --dir "$D" add meeting title="Removed series" starts=2026-09-01T12:00 \
	repeat=daily
run dg --dir "$D" remove "$(added_id)"
run dg --dir "$D" add meeting title="Next year" starts=2027-01-05T12:00 \
	repeat=weekly
run dg --dir "$D" add contact name="Amina Hassan" lang=so

# Tuesday 24 November 2026, 10:00: this week is week 48.
at "2026-11-24 10:00:00" dg --dir "$D" list meetings --upcoming
check_rc 0 "view: exit 0"
check_out "Week 48: 23-29 November 2026" "view: this week's heading"
check_out "Week 49: 30 November - 6 December 2026" "view: next week's heading, across two months"
check_no_out "Week 50" "view: two weeks by default"
check_out "Tuesday 24 November" "view: a day heading"
check "view: the day heading comes right before its first meeting" \
	test "$(line_re '^Tuesday 24 November$')" -eq $(($(line_re '^  18:00-19:30  Kvinnegruppa ') - 1))
check "view: a series twice a week has both days, both weeks (4 lines)" \
	test "$(grep -c '^  18:00-19:30  Kvinnegruppa  .*Frivilligsentralen  *nb,so$' "$OUT")" -eq 4
check_no_out "Monday 23 November" "view: a day already past is not shown"
check "view: the Somali group on Wednesday, Monday and Wednesday (3 lines)" \
	test "$(grep -c '^  17:30  .*Somali mother-tongue' "$OUT")" -eq 3
check "view: a meeting in New York at 09:00 shows at 15:00-16:00 in Oslo" \
	grep -q '^  15:00-16:00  ፀጋ ተስፋይ 会议 online .*https://meet.example.org/x  *ti$' "$OUT"
M30=$(line_re '^Monday 30 November$')
check "view: on Monday 30, first the online meeting (15:00)" \
	sh -c "sed -n '$((M30 + 1))p' '$OUT' | grep -q '^  15:00-16:00  ፀጋ'"
check "view: then the Somali group (17:30)" \
	sh -c "sed -n '$((M30 + 2))p' '$OUT' | grep -q '^  17:30  *Somali'"
check_out "  12:00        Christmas party" "view: a one-off meeting in the window"
check_no_out "Once last week" "view: a one-off meeting in the past is not shown"
check_no_out "Ended series" "view: a series whose last date has passed is not shown"
check "view: a daily series ending on Wednesday: Tuesday and Wednesday (2 lines)" \
	test "$(grep -c '^  20:00  *Ends Wednesday$' "$OUT")" -eq 2
check_no_out "Removed series" "view: a removed meeting is not shown"
check_no_out "Next year" "view: a series that starts after the window is not shown"
check_no_out "Amina" "view: no contacts"
check "view: every line fits in 80 columns (characters here: no wide ones)" \
	test "$(grep -v -F '会议' "$OUT" | while IFS= read -r l; do
		printf '%s' "$l" | LC_ALL=C.UTF-8 wc -m; done | sort -n | tail -n 1)" -le 80
check "view: a long title is cut with an ellipsis" \
	grep -q 'Somali mother-tongue group.*… ' "$OUT"
check "view: a long place is cut with an ellipsis" \
	grep -q 'Tøyen bibliotek.*…  *so$' "$OUT"

# A meeting that has begun and not ended is still shown; one without a
# duration is gone once it has started.
at "2026-11-24 18:30:00" dg --dir "$D" list meetings --upcoming --weeks 1
check_out "  18:00-19:30  Kvinnegruppa" "view at 18:30: the meeting from 18:00 to 19:30 is still shown"
at "2026-11-24 20:00:01" dg --dir "$D" list meetings --upcoming --weeks 1
check "view at 20:00:01: the 20:00 meeting without a duration has started: gone" \
	test "$(grep -c '^  20:00  *Ends Wednesday$' "$OUT")" -eq 1
check_no_out "Tuesday 24 November" "view at 20:00:01: a day with nothing left has no heading"

# Wide characters count two columns and are never split; right-to-left
# text is isolated (U+2068 ... U+2069) so the columns after it stay put.
run dg --dir "$D" add meeting lang=zh,ar starts=2026-11-25T11:00 \
	title="会议会议会议会议会议会议会议会议会议会议会议会议会议会议会议会议会议会议" \
	place="مركز المتطوعين في أوسلو، شارع طويل جدا جدا جدا جدا"
WIDEID=$(added_id)
at "2026-11-24 10:00:00" dg --dir "$D" list meetings --upcoming --weeks 1 --lang zh
WIDE=$(printf '  11:00        %s\342\200\246   \342\201\250%s\342\200\246\342\201\251  zh,ar' \
	"会议会议会议会议会议会议会" "مركز المتطوعين في أوسلو، شا")
check "view: wide title cut at 27 of 28 columns, right-to-left place isolated and cut" \
	test "$(sed -n 4p "$OUT")" = "$WIDE"
run dg --dir "$D" remove "$WIDEID"

# The same as JSON: one object per occurrence, times with their offset.
at "2026-11-24 10:00:00" dg --dir "$D" --json list meetings --upcoming
check_rc 0 "--json: exit 0"
check "--json: 11 occurrences in two weeks" json_n 11
check_out "{\"id\":\"$KV" "--json: the meeting's id"
check_out '"start":"2026-11-24T18:00:00+01:00","end":"2026-11-24T19:30:00+01:00","title":"Kvinnegruppa"' \
	"--json: start and end in ISO 8601 with the offset"
check_out '"start":"2026-11-30T15:00:00+01:00","end":"2026-11-30T16:00:00+01:00","title":"ፀጋ ተስፋይ 会议 online"' \
	"--json: the New York meeting in the user's time zone"
check_out '"tz":"America/New_York"' "--json: the meeting's own time zone"
check_out "{\"id\":\"$ONCE" "--json: the one-off meeting"
check_no_out "$ONLINE\",\"start\":\"2026-11-23" "--json: nothing before now"

# --weeks and --lang
at "2026-11-24 10:00:00" dg --dir "$D" list meetings --upcoming --weeks 1
check_rc 0 "--weeks 1: exit 0"
check_out "Week 48" "--weeks 1: this week"
check_no_out "Week 49" "--weeks 1: only this week"
at "2026-11-24 10:00:00" dg --dir "$D" list --upcoming --weeks 6 --lang ti
check_rc 0 "--weeks 6 --lang ti: exit 0"
check_out "Week 53: 28 December 2026 - 3 January 2027" "--weeks 6: a week across the new year"
check "--weeks 6: six week headings" test "$(grep -c '^Week ' "$OUT")" -eq 6
check_no_out "Kvinnegruppa" "--lang ti: other languages left out"
check_out "  No meetings." "--lang ti: a week without meetings says so"

# In another time zone the same meetings move: 18:00 in Oslo is 12:00
# in New York, and the day and week follow New York's calendar.
export TZ=America/New_York
at "2026-11-24 04:00:00" dg --dir "$D" list meetings --upcoming
check_out "  12:00-13:30  Kvinnegruppa" "TZ=America/New_York: Oslo's 18:00 shows as 12:00"
check_out "  09:00-10:00  ፀጋ ተስፋይ" "TZ=America/New_York: the New York meeting at its own 09:00"
export TZ=Europe/Oslo

# --- clocks changing inside the window ------------------------------------------
E=$TMP/dst
new_node "$E"
run dg --dir "$E" add meeting title="Oslo Tuesday" starts=2026-06-02T18:00 \
	tz=Europe/Oslo repeat=weekly duration=120
run dg --dir "$E" add meeting title="New York Wednesday" \
	starts=2026-06-03T12:00 tz=America/New_York repeat=weekly duration=60
run dg --dir "$E" add meeting title="Night owls" starts=2026-06-07T02:30 \
	tz=Europe/Oslo repeat=weekly:su duration=60

# Autumn: Oslo leaves summer time on Sunday 25 October 2026, New York a
# week later.  Monday 19 October, three weeks: 43, 44, 45.
at "2026-10-19 08:00:00" dg --dir "$E" list meetings --upcoming --weeks 3
check_rc 0 "autumn: exit 0"
check "autumn: the Oslo meeting stays at 18:00-20:00 all three weeks" \
	test "$(grep -c '^  18:00-20:00  Oslo Tuesday$' "$OUT")" -eq 3
check "autumn: New York 12:00 is 18:00 in Oslo before both changes" \
	test "$(line_re '^Wednesday 21 October$')" -eq $(($(line_re '^  18:00-19:00  New York') - 1))
check "autumn: and 17:00 in the week between the two changes" \
	test "$(line_re '^Wednesday 28 October$')" -eq $(($(line_re '^  17:00-18:00  New York') - 1))
check "autumn: and 18:00 again after both" \
	test "$(line_re '^Wednesday 4 November$')" -gt 0 -a \
	"$(grep -c '^  18:00-19:00  New York' "$OUT")" -eq 2
check "autumn: 02:30 on the night 02:00-03:00 happens twice is the first one, and lasts an hour" \
	test "$(line_re '^Sunday 25 October$')" -eq $(($(line_re '^  02:30-02:30  Night owls') - 1))
at "2026-10-19 08:00:00" dg --dir "$E" --json list meetings --upcoming --weeks 3
check_out '"start":"2026-10-20T18:00:00+02:00","end":"2026-10-20T20:00:00+02:00"' \
	"autumn --json: summer time before the change"
check_out '"start":"2026-10-27T18:00:00+01:00","end":"2026-10-27T20:00:00+01:00"' \
	"autumn --json: winter time after it"
check_out '"start":"2026-10-28T17:00:00+01:00"' "autumn --json: New York's meeting between the changes"
check_out '"start":"2026-10-25T02:30:00+02:00","end":"2026-10-25T02:30:00+01:00"' \
	"autumn --json: the repeated hour, first 02:30 (+02:00), an hour later the second (+01:00)"

# Spring: New York goes to summer time on 14 March 2027, Oslo on 28
# March, at 02:00, so 02:30 does not exist there that night.  Monday 8
# March, four weeks: 10 to 13.
at "2027-03-08 08:00:00" dg --dir "$E" list meetings --upcoming --weeks 4
check_rc 0 "spring: exit 0"
check_out "Week 13: 29 March - 4 April 2027" "spring: the fourth week's heading"
check "spring: the Oslo meeting stays at 18:00-20:00 all four weeks" \
	test "$(grep -c '^  18:00-20:00  Oslo Tuesday$' "$OUT")" -eq 4
check "spring: New York 12:00 is 18:00 in Oslo before both changes" \
	test "$(line_re '^Wednesday 10 March$')" -eq $(($(line_re '^  18:00-19:00  New York') - 1))
check "spring: 17:00 in the two weeks between the changes" \
	test "$(grep -c '^  17:00-18:00  New York' "$OUT")" -eq 2
check "spring: 18:00 again after both" \
	test "$(line_re '^Wednesday 31 March$')" -eq $(($(grep -n '^  18:00-19:00  New York' "$OUT" | tail -n 1 | cut -d: -f1) - 1))
check "spring: 02:30 that does not exist on 28 March is 03:30 summer time" \
	test "$(line_re '^Sunday 28 March$')" -eq $(($(line_re '^  03:30-04:30  Night owls') - 1))
check "spring: the other Sundays at 02:30" \
	test "$(grep -c '^  02:30-03:30  Night owls' "$OUT")" -eq 3

# --- the cap ------------------------------------------------------------------
C=$TMP/cap
new_node "$C"
for cap_i in 1 2 3; do
	dg --dir "$C" add meeting title="Daily $cap_i" starts=2026-11-01T0$cap_i:00 \
		repeat=daily >/dev/null 2>&1
done
# 3 daily meetings over 52 weeks: 1,092 occurrences, 1,000 shown.
at "2026-11-23 00:00:00" dg --dir "$C" --json list meetings --upcoming --weeks 52
check_rc 0 "cap: exit 0"
check "cap: 1,000 occurrences in the JSON" json_n 1000
check_err "showing the first 1000 meetings only" "cap: stderr says the list was cut"
check "cap: the earliest are kept" grep -q '"start":"2026-11-23T01:00:00+01:00"' "$OUT"
check "cap: the last shown is day 334 (1000 / 3)" \
	grep -q '"start":"2027-10-22T01:00:00+02:00"' "$OUT"
at "2026-11-23 00:00:00" dg --dir "$C" list meetings --upcoming --weeks 52
check_rc 0 "cap: the view exits 0"
check "cap: the view shows 1,000 lines of meetings" \
	test "$(grep -c -E '^  0[123]:00 +Daily' "$OUT")" -eq 1000
check "cap: and every week heading" test "$(grep -c '^Week ' "$OUT")" -eq 52
at "2026-11-23 00:00:00" dg --dir "$C" list meetings --upcoming --weeks 40
check "cap: 40 weeks (840) are not cut" test ! -s "$ERR"

# --- list without --upcoming is unchanged ----------------------------------------
run dg --dir "$D" list meetings
check_out "STARTS" "list meetings: still the table"
check_out "$KV" "list meetings: with the ids"

# --- bad input ----------------------------------------------------------------
refuse 64 "from 1 to 52" "--weeks 0" dg --dir "$D" list --upcoming --weeks 0
refuse 64 "from 1 to 52" "--weeks 53" dg --dir "$D" list --upcoming --weeks 53
refuse 64 "from 1 to 52" "--weeks -1" dg --dir "$D" list --upcoming --weeks -1
refuse 64 "from 1 to 52" "--weeks two" dg --dir "$D" list --upcoming --weeks two
refuse 64 "from 1 to 52" "--weeks 0002" dg --dir "$D" list --upcoming --weeks 0002
refuse 64 "from 1 to 52" "--weeks 99999999999999999999" \
	dg --dir "$D" list --upcoming --weeks 99999999999999999999
refuse 64 "needs a value" "--weeks without a value" dg --dir "$D" list --upcoming --weeks
refuse 64 "--weeks goes with --upcoming" "--weeks without --upcoming" \
	dg --dir "$D" list meetings --weeks 2
refuse 64 "--upcoming lists meetings only" "list referrals --upcoming" \
	dg --dir "$D" list referrals --upcoming
refuse 64 "--category is for referrals" "--upcoming --category" \
	dg --dir "$D" list --upcoming --category health
refuse 64 "leave out --all" "--upcoming --all" dg --dir "$D" list --upcoming --all
refuse 64 "TZ is 'Europe/Atlantis'" "TZ naming no zone" \
	env TZ=Europe/Atlantis "$DUGNAD_BIN" --dir "$D" list --upcoming
refuse 64 "TZ is ':Nowhere'" "TZ=:Nowhere" \
	env TZ=:Nowhere "$DUGNAD_BIN" --dir "$D" list --upcoming
refuse 64 "TZ is '../../etc/passwd'" "TZ climbing out of the zone files" \
	env TZ=../../etc/passwd "$DUGNAD_BIN" --dir "$D" list --upcoming
# A POSIX rule is a time zone too.
at "2026-11-24 10:00:00" env TZ=CET-1CEST,M3.5.0,M10.5.0/3 "$DUGNAD_BIN" \
	--dir "$D" list --upcoming --weeks 1
check_rc 0 "TZ as a POSIX rule: exit 0"
check_out "  18:00-19:30  Kvinnegruppa" "TZ as a POSIX rule: Oslo's times"

# --- through a running daemon: the caller's time zone, not the daemon's --------
# The daemon runs in UTC on a clock started at 09:00 UTC, 10:00 in Oslo:
# the same instant as the runs above.  The caller's TZ travels with each
# command; times are shown as the command shows them by itself.
at "2026-11-24 10:00:00" dg --dir "$D" list --upcoming --weeks 1
cp "$OUT" "$TMP/oslo.view"
at "2026-11-24 10:00:00" dg --dir "$D" --json list --upcoming --weeks 1
cp "$OUT" "$TMP/oslo.json"
run dg --dir "$D" show "$KV"
cp "$OUT" "$TMP/oslo.show"
run env TZ=America/New_York "$DUGNAD_BIN" --dir "$D" show "$KV"
cp "$OUT" "$TMP/ny.show"
run env -u TZ "$DUGNAD_BIN" --dir "$D" show "$KV"
cp "$OUT" "$TMP/none.show"
# libfaketime preloaded by hand, not through faketime(1): that runs the
# program as its child and would leave it running when stopped itself.
FT_LIB=$("$FT" -f +0 sh -c 'printf %s "$LD_PRELOAD"')
env TZ=Asia/Tokyo LD_PRELOAD="$FT_LIB" FAKETIME="@2026-11-24 18:00:00" \
	"$DUGNAD_BIN" --dir "$D" serve --no-listen --no-discovery \
	</dev/null >"$D.out" 2>"$D.log" &
UPID=$!
NET_PIDS="$NET_PIDS $UPID"
check "a daemon in Asia/Tokyo starts" wait_for 10 test -S "$D/ctl"
run dg --dir "$D" list --upcoming --weeks 1
check_rc 0 "via the daemon: exit 0"
check "via the daemon, caller in Oslo: the same view as without it" \
	cmp -s "$OUT" "$TMP/oslo.view"
run dg --dir "$D" --json list --upcoming --weeks 1
check "via the daemon, caller in Oslo: the same --json as without it" \
	cmp -s "$OUT" "$TMP/oslo.json"
run dg --dir "$D" show "$KV"
check "via the daemon: show's times in the caller's zone (Oslo)" \
	cmp -s "$OUT" "$TMP/oslo.show"
run env TZ=America/New_York "$DUGNAD_BIN" --dir "$D" show "$KV"
check "via the daemon: show's times in the caller's zone (New York)" \
	cmp -s "$OUT" "$TMP/ny.show"
run env -u TZ "$DUGNAD_BIN" --dir "$D" show "$KV"
check "via the daemon: a caller without TZ gets the system's zone" \
	cmp -s "$OUT" "$TMP/none.show"
run env TZ=Europe/Atlantis "$DUGNAD_BIN" --dir "$D" list --upcoming
check_rc 64 "via the daemon: the caller's TZ naming no zone is refused"
check_err "Europe/Atlantis" "via the daemon: the message names it"
run env TZ="$(printf 'A%.0s' $(seq 1 257))" "$DUGNAD_BIN" --dir "$D" list
check_rc 64 "a TZ longer than 256 bytes: exit 64"
check_err "TZ is longer than 256 bytes" "a TZ longer than 256 bytes: says so"
run dg --dir "$D" show "$KV"
check "the daemon's own TZ is back after each command" \
	cmp -s "$OUT" "$TMP/oslo.show"
check "the daemon in Asia/Tokyo stops" stop_pid "$UPID"

# A daemon without TZ (as under systemd) and callers with and without.
run env -u TZ "$DUGNAD_BIN" --dir "$D" list --upcoming --weeks 1
cp "$OUT" "$TMP/none.view"
env -u TZ "$DUGNAD_BIN" --dir "$D" serve --no-listen --no-discovery \
	</dev/null >"$D.out" 2>"$D.log" &
UPID=$!
NET_PIDS="$NET_PIDS $UPID"
check "a daemon without TZ starts" wait_for 10 test -S "$D/ctl"
run env TZ=America/New_York "$DUGNAD_BIN" --dir "$D" show "$KV"
check "daemon without TZ: a caller's TZ is used" cmp -s "$OUT" "$TMP/ny.show"
run env -u TZ "$DUGNAD_BIN" --dir "$D" show "$KV"
check "daemon without TZ: a caller without TZ gets the system's zone" \
	cmp -s "$OUT" "$TMP/none.show"
run env -u TZ "$DUGNAD_BIN" --dir "$D" list --upcoming --weeks 1
check_rc 0 "daemon without TZ: list --upcoming of a caller without TZ: exit 0"
check "daemon without TZ: ... the same view as without the daemon" \
	cmp -s "$OUT" "$TMP/none.view"
check "the daemon without TZ stops" stop_pid "$UPID"

finish
