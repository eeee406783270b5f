#!/bin/sh
# t_man.sh - the man page, doc/dugnad.1.  It renders without warnings; it
# has an entry for every command of `dugnad --help`, with every option
# and fixed word of that command's usage (`dugnad COMMAND --help`); it
# names every option the code compares an argument with, every field of
# `dugnad add TYPE --help`, every exit status of cli/cli.h and the
# README, every variable the program reads with getenv() and every file
# of doc/storage.md section 1.  All of these are read from the real
# binary and the code, so a command, option or field added without the
# page fails here.  Last, `make install DESTDIR=...` puts the page where
# `man -M` finds it, and `make uninstall` removes it.
. "$(dirname "$0")/lib.sh"

# [a-z] means the 26 small letters, whatever the locale.
LC_ALL=C
export LC_ALL
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PAGE=$ROOT/doc/dugnad.1
if [ ! -f "$PAGE" ]; then
	echo "FAIL $PAGE is missing"
	T_FAIL=1
	finish
fi

# --- it renders --------------------------------------------------------------
if command -v groff >/dev/null 2>&1; then
	for dev in utf8 ascii; do
		run groff -man -T"$dev" -ww -z "$PAGE"
		check_rc 0 "groff -T$dev: renders"
		check "groff -T$dev: no warnings" test ! -s "$ERR"
	done
else
	echo "skip: groff is not installed: the page is not rendered (CI installs it)"
fi

# --- the page as words ---------------------------------------------------
# Font escapes, comments and quotes removed, "\-" a hyphen; the structure
# lines (.SH, .SS, .TP, .RS, .RE, .IP) kept as they are.
sed -E -e '/^\.\\"/d' \
	-e 's/\\f[BIRP]//g; s/\\f\([A-Z][A-Z]//g; s/\\-/-/g; s/\\e/\\/g' \
	-e 's/\\&//g; s/\\c$//; s/\\\(\/o/o/g; s/\\ / /g' \
	-e 's/^\.(B|I|BR|RB|BI|IB|IR|RI) //' \
	-e '/^\.(SH|SS)/!s/"//g' "$PAGE" >"$TMP/page"

# section NAME: the lines of that .SH section
section() {
	awk -v want="$1" '
		/^\.SH / { s = substr($0, 5); gsub(/"/, "", s); on = s == want; next }
		on' "$TMP/page"
}

# entries NAME DIR: the tagged paragraphs (.TP) of section NAME, each
# with what follows it up to the next one of the same level, into
# DIR/<first word of the tag> ("/" written "_"); a first word may repeat
# ("peer add", "peer list"): its paragraphs go into one file.
entries() {
	mkdir -p "$2"
	section "$1" | awk -v dir="$2" '
		/^\.RS/ { depth++; next }
		/^\.RE/ { if (depth > 0) depth--; next }
		/^\.SS/ { cur = ""; next }
		/^\.TP/ && depth == 0 { tag = 1; next }
		tag { split($0, w, " "); cur = w[1]; gsub("/", "_", cur); tag = 0 }
		cur != "" { print > (dir "/" cur) }'
}

# has_word FILE WORD: WORD stands alone in FILE (not inside a longer
# option or word: "-o" is not found in "--no-listen")
has_word() {
	grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)" "$1"
}

# options FILE: the words of FILE that look like options, one a line
options() {
	tr -s " []|'\"" '\n' <"$1" | sed 's/=.*//' |
		grep -E '^--?[a-z][a-z-]*$' | sort -u
}

section "COMMANDS" >"$TMP/commands"
section "OPTIONS" >"$TMP/options"
entries "COMMANDS" "$TMP/cmd"
entries "RECORDS AND FIELDS" "$TMP/type"
entries "EXIT STATUS" "$TMP/exit"
entries "ENVIRONMENT" "$TMP/env"
entries "FILES" "$TMP/file"
check "the page has a COMMANDS section" test -s "$TMP/commands"

# --- the commands, from `dugnad --help` ------------------------------------
run dg --help
check_rc 0 "--help: exit 0"
cp "$OUT" "$TMP/help"
awk '/^commands:/ { on = 1; next }
	on && /^  [a-z]/ { print $1 }
	on && /^$/ { exit }' "$TMP/help" >"$TMP/cmds"
check "--help lists commands" test -s "$TMP/cmds"

# global options: those of the help text, in OPTIONS
options "$TMP/help" >"$TMP/gopts"
check "--help shows global options" test -s "$TMP/gopts"
while read -r o; do
	check "global option $o: in OPTIONS" has_word "$TMP/options" "$o"
done <"$TMP/gopts"

while read -r c; do
	run dg "$c" --help
	check_rc 0 "$c --help: exit 0"
	check "$c: has its own entry in COMMANDS" test -s "$TMP/cmd/$c"
	[ -s "$TMP/cmd/$c" ] || continue
	sed -n "s/^usage: dugnad //p" "$OUT" >"$TMP/usage"
	check "$c --help: prints the usage" test -s "$TMP/usage"
	# every option of the usage, in this command's entry
	for o in $(options "$TMP/usage"); do
		check "$c $o: in the entry of $c" has_word "$TMP/cmd/$c" "$o"
	done
	# subcommands ("peer add", "bundle export") and fixed words
	# ("volunteer", "ics"): every lowercase word of the usage
	awk -F ' [|] ' '{ for (i = 1; i <= NF; i++) print $i }' "$TMP/usage" |
	while read -r first second rest; do
		case $second in
		[a-z]*) echo "$first $second" ;;
		esac
	done >"$TMP/subs"
	while read -r s; do
		check "$s: in the entry of $c" grep -qF -- "$s" "$TMP/cmd/$c"
	done <"$TMP/subs"
	for w in $(tr -s " []|.'\"" '\n' <"$TMP/usage" |
		grep -E '^[a-z][a-z0-9]*$' | sort -u); do
		check "$c: the word '$w' of its usage is in its entry" \
			has_word "$TMP/cmd/$c" "$w"
	done
done <"$TMP/cmds"

# no entry for a command the program does not have
for f in "$TMP"/cmd/*; do
	c=$(basename "$f")
	check "COMMANDS entry '$c' is a command of dugnad --help" \
		grep -qx -- "$c" "$TMP/cmds"
done

# every option the code compares an argument with (also ones its usage
# text forgets), somewhere in the page
grep -ohE 'str(n)?cmp\(argv\[[^]]*\], *"--?[a-z][a-z-]*' "$ROOT"/cli/*.c |
	sed 's/.*"//' | sort -u >"$TMP/code_opts"
check "the code's options are found" test -s "$TMP/code_opts"
while read -r o; do
	check "option $o of cli/: in the page" has_word "$TMP/page" "$o"
done <"$TMP/code_opts"

# --- record types and their fields, from `dugnad add TYPE --help` ----------
# The types are those of add's summary: "add a contact, meeting or referral".
types=$(sed -n 's/^  add  *add an* //p' "$TMP/help" | sed 's/,/ /g; s/ or / /g')
check "the types are found in add's summary" test -n "$types"
for t in $types; do
	run dg add "$t" --help
	check_rc 0 "add $t --help: exit 0"
	check "RECORDS AND FIELDS: an entry for $t" test -s "$TMP/type/$t"
	[ -s "$TMP/type/$t" ] || continue
	for f in $(awk '/^  [a-z]/ { print $1 }' "$OUT"); do
		check "$t field $f: in RECORDS AND FIELDS" has_word "$TMP/type/$t" "$f"
	done
	for f in $(awk '/^  [a-z]/ && /\(required\)/ { print $1 }' "$OUT"); do
		check "$t field $f: marked required (*)" \
			grep -qE "(^|[^a-z])$f \*" "$TMP/type/$t"
	done
done

# --- exit statuses, from cli/cli.h and README.md ---------------------------
# (from here on a failure shows no command output: none ran)
: >"$OUT"
: >"$ERR"
RC=0
sed -n 's/^[[:space:]]*EXIT_[A-Z_]* *= *\([0-9][0-9]*\),.*/\1/p' \
	"$ROOT/cli/cli.h" | sort -un >"$TMP/codes_h"
awk '/^#+ Exit codes/ { on = 1; next } /^#/ { on = 0 }
	on && /^\| [0-9]+ \|/ { print $2 }' "$ROOT/README.md" |
	sort -un >"$TMP/codes_readme"
check "cli/cli.h: exit statuses found" test -s "$TMP/codes_h"
check "README.md: exit codes found" test -s "$TMP/codes_readme"
for n in $(cat "$TMP/codes_h" "$TMP/codes_readme" | sort -un); do
	check "exit status $n: in EXIT STATUS" test -s "$TMP/exit/$n"
done
for f in "$TMP"/exit/*; do
	n=$(basename "$f")
	check "EXIT STATUS $n: a status of cli/cli.h" grep -qx -- "$n" "$TMP/codes_h"
done

# --- environment: every getenv() of the program, and README's table --------
grep -ohE 'getenv\("[A-Za-z_][A-Za-z0-9_]*"\)' "$ROOT"/cli/*.c \
	"$ROOT"/core/*.c "$ROOT"/store/*.c "$ROOT"/net/*.c |
	sed 's/.*("//; s/")//' | sort -u >"$TMP/env_code"
awk '/^#+ Environment/ { on = 1; next } /^#/ { on = 0 }
	on && /^\| `[A-Z_]+` \|/ { gsub(/`/, "", $2); print $2 }' \
	"$ROOT/README.md" | sort -u >"$TMP/env_readme"
check "the program's environment variables are found" test -s "$TMP/env_code"
for v in $(cat "$TMP/env_code" "$TMP/env_readme" | sort -u); do
	check "variable $v: in ENVIRONMENT" test -s "$TMP/env/$v"
done

# --- files of the data directory, from doc/storage.md section 1 ------------
awk '/^## 1\./ { on = 1; next } /^## / { on = 0 }
	on && /^\| `[^`]+` \|/ { gsub(/`/, "", $2); print $2 }' \
	"$ROOT/doc/storage.md" | sort -u >"$TMP/files"
check "doc/storage.md: the files are found" test -s "$TMP/files"
while read -r f; do
	check "file $f: in FILES (as DIR/$f)" test -s "$TMP/file/DIR_$f"
done <"$TMP/files"

# --- make install and uninstall ----------------------------------------------
# The binary of this run's build (BUILD), as it is: "-o all" builds
# nothing, so a source file someone is editing is not compiled here.
# The default PREFIX and MANDIR.
INST=$TMP/inst
MAN_DIR=$INST/usr/local/share/man
env -u PREFIX -u BINDIR -u MANDIR make -C "$ROOT" -o all install \
	DESTDIR="$INST" BUILD="${BUILD:-build}" >"$OUT" 2>"$ERR" </dev/null
RC=$?
check_rc 0 "make install DESTDIR=...: exit 0"
check "make install: the page is in share/man/man1" \
	cmp -s "$PAGE" "$MAN_DIR/man1/dugnad.1"
check "make install: the page is readable by all (0644)" \
	test "$(stat -c %a "$MAN_DIR/man1/dugnad.1" 2>/dev/null)" = 644
check "make install: the binary is in bin" test -x "$INST/usr/local/bin/dugnad"
if command -v man >/dev/null 2>&1; then
	run man -M "$MAN_DIR" -w dugnad
	check_rc 0 "man -M ... -w dugnad: finds the page"
	check_out "$MAN_DIR/man1/dugnad.1" "man -w: the installed page"
	run env MANPAGER=cat MANWIDTH=80 man -M "$MAN_DIR" dugnad
	check_rc 0 "man -M ... dugnad: exit 0"
	check_out "EXIT STATUS" "man dugnad: shows the page"
	check "man dugnad: no warnings" test ! -s "$ERR"
else
	echo "skip: man is not installed: 'man dugnad' is not tried" \
		"(CI installs man-db)"
fi
env -u PREFIX -u BINDIR -u MANDIR make -C "$ROOT" uninstall DESTDIR="$INST" \
	>"$OUT" 2>"$ERR" </dev/null
RC=$?
check_rc 0 "make uninstall DESTDIR=...: exit 0"
check "make uninstall: the page is gone" test ! -e "$MAN_DIR/man1/dugnad.1"
check "make uninstall: the binary is gone" test ! -e "$INST/usr/local/bin/dugnad"

finish
