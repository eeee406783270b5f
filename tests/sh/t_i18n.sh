#!/bin/sh
# t_i18n.sh - messages in the user's language: every catalog in cli/po
# is complete and safe (msgfmt --check: the placeholders of each message
# match the English), the Norwegian help and errors appear with LANG,
# LANGUAGE, LC_ALL and LC_MESSAGES by the GNU rules (also without an
# installed nb_NO locale), a running daemon answers each caller in the
# caller's language, its log speaks its own, and what scripts read
# (--json, exported files) stays English.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TMP" || exit 1
net_trap
POT=$(dirname "$DUGNAD_BIN")/dugnad.pot

# --- the catalogs ----------------------------------------------------------
check "the message template was made (make pot)" test -s "$POT"
check "the Norwegian catalog's source is there" test -s "$ROOT/cli/po/nb.po"
for po in "$ROOT"/cli/po/*.po; do
	l=$(basename "$po" .po)
	run msgfmt --check --statistics -o /dev/null "$po"
	check_rc 0 "$l.po: msgfmt --check (placeholders match the English)"
	check "$l.po: no untranslated or fuzzy message" \
		sh -c "! grep -qE 'untranslated|fuzzy' '$ERR'"
	run msgcmp "$po" "$POT"
	check_rc 0 "$l.po: has every message of the sources (msgcmp)"
	check "$l.po: is UTF-8" grep -q 'charset=UTF-8' "$po"
done
check "the Norwegian catalog was built" \
	test -s "$DUGNAD_LOCALEDIR/nb/LC_MESSAGES/dugnad.mo"

# --- help and errors, by the environment -------------------------------------
run dg --help
cp "$OUT" "$TMP/help.en"
check_out "commands:" "--help: English with LANG=C.UTF-8"
LANG=nb_NO.UTF-8 run dg --help
cp "$OUT" "$TMP/help.nb"
check_rc 0 "LANG=nb_NO.UTF-8 --help: exit 0"
check_out "kommandoer:" "LANG=nb_NO.UTF-8 --help: Norwegian"
# every command's summary line is translated
same=$(awk 'NR == FNR { en[$0] = 1; next } /^  [a-z]+ / && ($0 in en)' \
	"$TMP/help.en" "$TMP/help.nb")
check "--help in Norwegian: no command summary left in English" \
	test -z "$same"
check "--help in Norwegian: every command listed" test \
	"$(grep -c '^  [a-z]' "$TMP/help.nb")" -eq \
	"$(grep -c '^  [a-z]' "$TMP/help.en")"
LANG=nb_NO.UTF-8 run dg add --help
check_out "legg til" "LANG=nb_NO.UTF-8 add --help: Norwegian summary"
LANG=nb_NO.UTF-8 run dg add meeting --help
check_out "  title        tittel" "add meeting --help in Norwegian: the fields' labels"

LANG=nb_NO.UTF-8 run dg frobnicate
check_rc 64 "unknown command in Norwegian: exit 64 as in English"
check_err "ukjent kommando «frobnicate»" "unknown command: Norwegian"
LANG=nb_NO.UTF-8 run dg --frob
check_err "ukjent valg" "unknown option: Norwegian"
LC_ALL=nb_NO.UTF-8 LANG=C run dg frobnicate
check_err "ukjent kommando" "LC_ALL wins over LANG"
LC_MESSAGES=nb_NO.UTF-8 run dg frobnicate
check_err "ukjent kommando" "LC_MESSAGES wins over LANG"
LC_ALL=C LANG=nb_NO.UTF-8 run dg frobnicate
check_err "unknown command" "LC_ALL=C: English"
LANGUAGE=nb LANG=en_GB.UTF-8 run dg frobnicate
check_err "ukjent kommando" "LANGUAGE=nb with an English locale: Norwegian"
LANGUAGE=nb LC_ALL=C run dg frobnicate
check_err "unknown command" "LANGUAGE is ignored under the C locale"
LANGUAGE=sv:nb:en LANG=sv_SE.UTF-8 run dg frobnicate
check_err "ukjent kommando" "LANGUAGE list: the first language with a catalog"
LANG=nn_NO.UTF-8 run dg frobnicate
check_err "ukjent kommando" "nynorsk (nn) gets bokmål"
LANG=no_NO.UTF-8 run dg frobnicate
check_err "ukjent kommando" "the old code no gets bokmål"
LANG=de_DE.UTF-8 run dg frobnicate
check_err "unknown command" "a language without a catalog: English"
LANG='nb_NO;rm -rf' run dg frobnicate
check_err "unknown command" "a LANG that is not a language name: English"
DUGNAD_LOCALEDIR=/nonexistent LANG=nb_NO.UTF-8 run dg frobnicate
check_rc 64 "no catalog there: still works (exit 64)"
check_err "unknown command" "no catalog there: English"
DUGNAD_LOCALEDIR=build/locale LANG=nb_NO.UTF-8 run dg --help
check_rc 64 "relative DUGNAD_LOCALEDIR: exit 64"
check_err "DUGNAD_LOCALEDIR must be an absolute path" \
	"relative DUGNAD_LOCALEDIR: says so"
check "relative DUGNAD_LOCALEDIR: one line" test "$(wc -l <"$ERR")" -eq 1

# --- errors of the store, without a daemon -----------------------------------
D=$TMP/a
new_node "$D" "Testnett" || { echo "FAIL cannot make a node"; exit 1; }
run dg --dir "$D" add meeting title=Kaffe starts=2030-01-07T18:00+01:00
ID=$(sed -n 's/^added meeting \([a-z0-9]*\).*/\1/p' "$OUT")
check "a meeting was added (English output parsed)" test -n "$ID"
before=$(store_sum "$D")
LANG=nb_NO.UTF-8 run dg --dir "$D" remove zzzzzz
check_rc 65 "remove unknown id in Norwegian: exit 65"
check_err "«zzzzzz»" "remove unknown id: Norwegian message"
LANG=nb_NO.UTF-8 DUGNAD_PASSPHRASE=wrong run dg --dir "$D" list
check_rc 77 "wrong passphrase in Norwegian: exit 77"
check_err "feil passordfrase" "wrong passphrase: Norwegian message"
check "the refused commands changed nothing" test "$(store_sum "$D")" = "$before"
LANG=nb_NO.UTF-8 run dg --dir "$D" add meeting title=Møte starts=bad
check_rc 65 "bad value in Norwegian: exit 65"
check_err "starts:" "bad value: names the field (field names stay English)"
check_err "bruk dato og klokkeslett med tidsforskjellen til UTC" \
	"bad value: the reason is Norwegian"
LANG=nb_NO.UTF-8 run dg --dir "$D" add referral name=Hjelp category=nope
check_rc 65 "bad category in Norwegian: exit 65"
check_err "velg kategorier fra denne listen, med komma mellom: health, mental-health" \
	"bad category: the reason is Norwegian, the names as typed"

# what scripts read is never translated
LANG=nb_NO.UTF-8 run dg --dir "$D" --json list
check_out "\"title\":\"Kaffe\"" "--json list under nb: keys in English"
LANG=nb_NO.UTF-8 run dg --dir "$D" export --format ics
check_out "BEGIN:VCALENDAR" "ics export under nb: the format as it is"

# --- through a running daemon ------------------------------------------------
check "the daemon starts" start_daemon "$D" 127.0.0.1:0
LANG=nb_NO.UTF-8 run dg --dir "$D" remove zzzzzz
check_rc 65 "via the daemon, Norwegian caller: exit 65"
check_err "«zzzzzz»" "via the daemon: answered in Norwegian"
run dg --dir "$D" remove zzzzzz
check_err "no record with id 'zzzzzz'" \
	"via the daemon, next an English caller: answered in English"
LANG=nb_NO.UTF-8 run dg --dir "$D" remove zzzzzy
check_err "«zzzzzy»" "via the daemon, Norwegian again: not a cached English"
# gettext caches under the locale's name, the same for every language
# here: an English caller with an English locale after a Norwegian one
LANG=en_US.UTF-8 run dg --dir "$D" remove zzzzzx
check_err "no record with id 'zzzzzx'" \
	"via the daemon, an en_US caller after a Norwegian one: English"
LANGUAGE=de:en LANG=de_DE.UTF-8 run dg --dir "$D" remove zzzzzw
check_err "no record with id 'zzzzzw'" \
	"via the daemon, a language without a catalog after Norwegian: English"
LANG=nb_NO.UTF-8 run dg --dir "$D" show "$ID"
check_out "møte $ID" "show via the daemon in Norwegian: the type translated"
check_out "title" "show via the daemon in Norwegian: field names in English"
check "the daemon's log stayed English (its own language)" \
	grep -q ' listening on ' "$D.log"

# A raw request: a language that is not one, and one too long.
ctl_raw() { # dir, language: sends ["run", false, ["frobnicate"], lang]
	python3 - "$1/ctl" "$2" <<'EOF'
import socket, struct, sys
lang = sys.argv[2].encode()
def s(b):
    return bytes([0xa0 | len(b)]) + b if len(b) < 32 else b'\xd9' + bytes([len(b)]) + b
body = b'\x94' + s(b'run') + b'\xc2' + b'\x91' + s(b'frobnicate') + s(lang)
c = socket.socket(socket.AF_UNIX)
c.connect(sys.argv[1])
c.sendall(struct.pack('>I', len(body)) + body)
data = b''
while True:
    r = c.recv(65536)
    if not r:
        break
    data += r
    if len(data) >= 4 and len(data) >= 4 + struct.unpack('>I', data[:4])[0]:
        break
sys.stdout.buffer.write(data[4:])
EOF
}
ctl_raw "$D" 'nb;x' >"$OUT" 2>"$ERR"
check "a raw request with a bad language: answered in the daemon's" \
	grep -aq "cannot run through the daemon" "$OUT"
ctl_raw "$D" "$(printf 'n%.0s' $(seq 1 65))" >"$OUT" 2>"$ERR"
check "a raw request with a 65-byte language: refused as malformed" \
	grep -aq "malformed control request" "$OUT"
ctl_raw "$D" nb >"$OUT" 2>"$ERR"
check "a raw request in nb: answered in Norwegian" \
	grep -aq "«frobnicate» kan ikke kjøres via «dugnad serve»" "$OUT"
ctl_raw "$D" '..' >"$OUT" 2>"$ERR"
check "a raw request with the language '..': the daemon's own" \
	grep -aq "cannot run through the daemon" "$OUT"
check "the daemon stops" stop_daemon "$D"

# A daemon started in an English locale (as under a desktop's systemd)
# answers a Norwegian caller, then an English one, each in theirs, and
# logs in English.
LANG=en_US.UTF-8 "$DUGNAD_BIN" --dir "$D" serve --listen 127.0.0.1:0 \
	</dev/null >>"$D.out" 2>"$D.en.log" &
EN_PID=$!
NET_PIDS="$NET_PIDS $EN_PID"
check "the en_US daemon starts" wait_for 10 test -S "$D/ctl"
LANG=nb_NO.UTF-8 run dg --dir "$D" remove zzzzzz
check_err "«zzzzzz»" "en_US daemon, Norwegian caller: Norwegian"
LANG=en_US.UTF-8 run dg --dir "$D" remove zzzzzz
check_err "no record with id 'zzzzzz'" "en_US daemon, then an en_US caller: English"
check "the en_US daemon stops" stop_pid "$EN_PID"
check "en_US daemon: its log stayed English" grep -q 'terminated: stopping' "$D.en.log"

# A daemon started in Norwegian logs in Norwegian.
LANG=nb_NO.UTF-8 "$DUGNAD_BIN" --dir "$D" serve --listen 127.0.0.1:0 \
	</dev/null >>"$D.out" 2>"$D.nb.log" &
NB_PID=$!
NET_PIDS="$NET_PIDS $NB_PID"
check "the Norwegian daemon starts" wait_for 10 test -S "$D/ctl"
wait_for 10 grep -q 'lytter på' "$D.nb.log"
check "a daemon started under nb logs in Norwegian" grep -q 'lytter på' "$D.nb.log"
run dg --dir "$D" remove zzzzzz
check_err "no record with id" "an English caller of a Norwegian daemon: English"
check "the Norwegian daemon stops" stop_pid "$NB_PID"

finish
