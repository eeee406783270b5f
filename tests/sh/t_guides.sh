#!/bin/sh
# t_guides.sh - the guides in doc/guides/ (English in en/, Norwegian in
# nb/), run as their readers would run them, so that they never go stale.
#
# Every fenced ```sh block of every guide is run, command by command
# (one line, or lines joined by a trailing "\"), in order, through the
# real binary: a `dugnad` on PATH that runs $DUGNAD_BIN.  Each person of
# a guide (the coordinator, a volunteer, ...) has their own HOME, their
# own DUGNAD_DIR and their own DUGNAD_PASSPHRASE; the commands run in
# their HOME, with no terminal (stdin is /dev/null).  Every command must
# exit 0 unless the guide says otherwise.  A ```text block shows output:
# its lines must appear, in order, in what the commands of the ```sh
# block before it printed (stdout and stderr; runs of blanks count as
# one).  Any other fence is an error (a command must never go unrun by
# accident).  Each guide starts from nothing: new people, new stores.
#
# What the reader does not see is said in HTML comments, one clause a
# line, before the block they apply to:
#
#   <!-- test:
#   as kari                     who runs the commands from here on
#   exit 77                     the next block's one command exits 77
#   passphrase wrong words      the next block runs with this passphrase
#   skip REASON                 the next block is not run (said, with REASON)
#   background                  the next block's one command runs on, like
#                               `dugnad serve` in its own window; for serve
#                               the test waits until its control socket is
#                               there; its output block is checked when it
#                               ends (stop, wait)
#   listen TEXT                 with background serve: TEXT (an example
#                               address such as 192.168.1.23:7373) stands
#                               for the address it listens on from now on
#   retry N                     the next block is run again until it exits
#                               as it should and shows its output, for up
#                               to N seconds (something arrives over the
#                               network)
#   save TEXT REGEX             after the next block (or, written before
#                               an output block, the block it shows the
#                               output of): TEXT (an example id
#                               or code in the guide) stands for the first
#                               match of REGEX in its output (group 1 if
#                               it has one) in every later command and
#                               output of this guide
#   any TOKEN...                in the next output block these words
#                               (dates, ids not saved) match any word
#   unordered                   the lines of the next output block may come
#                               in any order (a table sorted by random ids)
#   unchecked REASON            the next output block is not checked (said)
#   do COMMAND                  a command the reader does not see (what
#                               another person does meanwhile), run at
#                               once; it must exit 0 (with a retry N
#                               clause before it: within N seconds); a
#                               save clause right after it reads its output
#   serve TEXT                  a `dugnad serve` the reader does not see,
#                               in the background, TEXT standing for its
#                               address
#   give FILE NAME              FILE goes from this person's HOME to NAME's,
#                               as on a USB stick or by e-mail
#   stop                        Ctrl-C in this person's background window:
#                               SIGINT, then it must exit 0
#   wait                        this person's background command must end
#                               by itself (within 60 s) as it should
#                               (after stop or wait, an output block checks
#                               what the background command printed)
#   -->
#
# `dugnad serve` listens on a free port of 127.0.0.1 here, not on
# [::]:7373 (the machine is shared: the wrapper adds --listen 127.0.0.1:0
# when the command says nothing about listening).  LAN discovery itself
# needs hosts in network namespaces: t_lan.sh tries it.  The Norwegian
# guides run with LANG=nb_NO.UTF-8 and DUGNAD_LOCALEDIR set to the
# build's catalogs.  Every process started is killed when the test ends.
# Last, every guide is there in both languages and README.md links to
# each.  GUIDES_ONLY=en/outreach runs only the guides whose path holds
# that; GUIDES_DIR=DIR reads the guides from DIR/en and DIR/nb instead.
. "$(dirname "$0")/lib.sh"
net_trap

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GUIDES=${GUIDES_DIR:-$ROOT/doc/guides}
LOCALEDIR=$(cd "$(dirname "$DUGNAD_BIN")" && pwd)/locale

# --- the `dugnad` a reader types ----------------------------------------------
mkdir -p "$TMP/bin"
cat >"$TMP/bin/dugnad" <<'EOF'
#!/bin/sh
# The installed dugnad, as the guides' reader has it; serve listens on a
# free port of 127.0.0.1 unless told where.
if [ "${1:-}" = serve ]; then
	for a in "$@"; do
		case $a in --listen | --listen=* | --no-listen) exec "$DUGNAD_BIN" "$@" ;; esac
	done
	exec "$DUGNAD_BIN" "$@" --listen 127.0.0.1:0
fi
exec "$DUGNAD_BIN" "$@"
EOF
chmod +x "$TMP/bin/dugnad"
export DUGNAD_BIN

# --- the guide reader ------------------------------------------------------------
# Turns a guide into a shell script of g_* calls (below), and says
# "error: FILE:LINE: ..." on stderr for markup it does not understand.
cat >"$TMP/guide.py" <<'EOF'
import re, shlex, sys

path, name = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().split("\n")
out, errors = [], []
q = shlex.quote

def err(n, msg):
    errors.append("error: %s:%d: %s" % (name, n, msg))

pending = {}      # clauses for the next block
ended = False     # a background command just ended: its output may follow
block = None      # the last sh block, not yet run: its output may follow

def flush():
    global block
    if block is None:
        return
    b = block
    block = None
    if b["skip"] is not None:
        out.append("g_skip %s %s" % (q(b["loc"]), q(b["skip"])))
        return
    out.append("g_begin %s %s %s %s %s %s" % (q(b["loc"]), q(b["exit"]),
               q(b["retry"]), q(b["bg"]), q(b["listen"]), q(b["pass"])))
    for n, c in b["cmds"]:
        out.append("g_line %s %s" % (q("%s:%d" % (name, n)), q(c)))
    if b["want"] is not None:
        out.append("g_want %s %s %s %s" % (q(b["want_loc"]), q(b["want"]), q(b["any"]), q(b["unordered"])))
    out.append("g_run")
    for text, rx in b["save"]:
        out.append("g_save %s %s %s" % (q(b["loc"]), q(text), q(rx)))

i = 0
while i < len(lines):
    n = i + 1
    line = lines[i]
    s = line.strip()
    if s.startswith("<!-- test:"):
        body = s[len("<!-- test:"):]
        while "-->" not in body and i + 1 < len(lines):
            i += 1
            body += "\n" + lines[i].strip()
        if "-->" not in body:
            err(n, "comment not closed")
            break
        body = body.split("-->")[0]
        after_do = False
        for c in body.split("\n"):
            c = c.strip()
            if not c:
                continue
            word, _, rest = c.partition(" ")
            rest = rest.strip()
            if word == "save" and after_do:
                text, _, rx = rest.partition(" ")
                out.append("g_save %s %s %s" % (q("%s:%d" % (name, n)), q(text), q(rx.strip())))
                continue
            after_do = word == "do"
            if word in ("as", "do", "give", "stop", "wait", "serve"):
                flush()
                loc = q("%s:%d" % (name, n))
                if word == "as":
                    out.append("g_as %s" % q(rest))
                elif word == "do":
                    out.append("g_do %s %s %s" % (loc, q(pending.pop("retry", "0")), q(rest)))
                elif word == "serve":
                    out.append("g_begin %s 0 0 1 %s ''" % (loc, q(rest)))
                    out.append("g_line %s 'dugnad serve'" % loc)
                    out.append("g_run")
                elif word == "give":
                    f = rest.split()
                    if len(f) != 2:
                        err(n, "give FILE NAME")
                    else:
                        out.append("g_give %s %s %s" % (q("%s:%d" % (name, n)), q(f[0]), q(f[1])))
                else:
                    out.append("g_%s %s" % (word, q("%s:%d" % (name, n))))
                    ended = True
            elif word in ("exit", "retry"):
                if not re.fullmatch(r"[0-9]+", rest):
                    err(n, word + " takes a number")
                pending[word] = rest
            elif word in ("skip", "unchecked"):
                if not rest:
                    err(n, word + " needs a reason")
                pending[word] = rest
            elif word in ("passphrase", "listen"):
                pending[word] = rest
            elif word == "unordered":
                pending["unordered"] = "unordered"
            elif word == "background":
                pending["bg"] = "1"
            elif word == "save":
                text, _, rx = rest.partition(" ")
                if not text or not rx.strip():
                    err(n, "save TEXT REGEX")
                pending.setdefault("save", []).append((text, rx.strip()))
            elif word == "any":
                pending["any"] = rest
            else:
                err(n, "unknown clause '%s'" % word)
        i += 1
        continue
    m = re.match(r"^(\s*)```(\S*)\s*$", line)
    if m:
        indent, lang = len(m.group(1)), m.group(2)
        body = []
        i += 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        if i >= len(lines):
            err(n, "fence not closed")
            break
        i += 1
        if lang == "sh":
            flush()
            ended = False
            cmds, cur, cur_n = [], "", 0
            for k, c in enumerate(body):
                if cur == "":
                    cur_n = n + 1 + k
                if c.endswith("\\"):
                    cur += c[:-1] + " "
                    continue
                cur += c
                if cur.strip() and not cur.strip().startswith("#"):
                    cmds.append((cur_n, cur.strip()))
                cur = ""
            if pending.get("exit") and len(cmds) != 1:
                err(n, "exit N wants a block of one command")
            if pending.get("bg") and len(cmds) != 1:
                err(n, "background wants a block of one command")
            block = {"loc": "%s:%d" % (name, n), "cmds": cmds,
                     "exit": pending.get("exit", "0"), "retry": pending.get("retry", "0"),
                     "bg": pending.get("bg", ""), "listen": pending.get("listen", ""),
                     "pass": pending.get("passphrase", ""), "skip": pending.get("skip"),
                     "save": pending.get("save", []), "any": pending.get("any", ""),
                     "want": None, "want_loc": "", "unordered": ""}
            for k in ("exit", "retry", "bg", "listen", "passphrase", "skip", "save", "any"):
                pending.pop(k, None)
        elif lang == "text":
            if "unchecked" in pending:
                out.append("g_note %s %s" % (q("%s:%d" % (name, n)), q("output not checked: " + pending.pop("unchecked"))))
            elif block is not None and block["skip"] is not None:
                pass
            elif block is None and ended:
                out.append("g_check_out %s %s %s" % (q("%s:%d" % (name, n)), q("\n".join(body)), q(pending.pop("any", ""))))
                ended = False
            elif block is None or block["want"] is not None:
                err(n, "an output block with no command block before it (mark it 'unchecked REASON')")
            else:
                block["want"] = "\n".join(body)
                block["want_loc"] = "%s:%d" % (name, n)
                if pending.get("any"):
                    block["any"] = (block["any"] + " " + pending.pop("any")).strip()
                # a save written just before the output reads that output
                block["save"] += pending.pop("save", [])
                block["unordered"] = pending.pop("unordered", "")
        else:
            err(n, "a fence must be ```sh (run) or ```text (output), not ```%s" % lang)
        continue
    i += 1
flush()
for k in pending:
    errors.append("error: %s: clause '%s' applies to no block" % (name, k))
print("\n".join(out))
for e in errors:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

# g_match WANT OUTPUT ANY: every non-blank line of file WANT appears, in
# order, in a line of file OUTPUT (blanks squeezed); the words of ANY
# match any word.
cat >"$TMP/match.py" <<'EOF'
import re, sys
sq = lambda s: " ".join(s.split())
want = [sq(l) for l in open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n") if l.strip()]
got = [sq(l) for l in open(sys.argv[2], encoding="utf-8", errors="replace").read().split("\n")]
anyw = sys.argv[3].split()
unordered = len(sys.argv) > 4 and sys.argv[4] == "unordered"
k = 0
for w in want:
    rx = " ".join(r"\S+" if t in anyw else re.escape(t) for t in w.split(" "))
    if unordered:
        k = 0
    while k < len(got) and not re.search(rx, got[k]):
        k += 1
    if k == len(got):
        print("not shown, in this order: " + w)
        sys.exit(1)
    k += 1
EOF

# g_subst: stdin with every saved example text replaced by its value.
cat >"$TMP/subst.py" <<'EOF'
import sys
s = sys.stdin.read()
pairs = dict(l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1], encoding="utf-8") if "\t" in l)
for text, value in sorted(pairs.items(), key=lambda p: -len(p[0])):
    s = s.replace(text, value)
sys.stdout.write(s)
EOF

# --- the g_* calls of a guide's script ----------------------------------------------
G=""          # the guide's name (en/volunteer.md)
GDIR=""       # its people live in GDIR/NAME
G_AS=""       # who runs the commands
G_LANG=""

g_subst() { printf '%s' "$1" | python3 "$TMP/subst.py" "$GDIR/fills"; }

# g_exec_in NAME PASSPHRASE COMMAND [bg]: becomes COMMAND run on NAME's
# laptop, in their HOME (with bg: SIGINT as in a terminal window).
# g_exec: the same in a subshell.
g_exec_in() {
	cd "$GDIR/$1" || exit 70
	export HOME="$GDIR/$1" DUGNAD_DIR="$GDIR/$1/.local/share/dugnad"
	export PATH="$TMP/bin:$PATH" DUGNAD_PASSPHRASE="${2:-"$1: correct horse battery"}"
	if [ "$G_LANG" = nb ]; then
		export LANG=nb_NO.UTF-8 DUGNAD_LOCALEDIR="$LOCALEDIR"
	else
		export LANG=C.UTF-8
	fi
	unset LANGUAGE LC_ALL LC_MESSAGES
	if [ -n "${4:-}" ]; then
		# A background job of a shell without job control ignores
		# SIGINT; the reader's window does not: Ctrl-C must reach it.
		exec python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp("sh", ["sh", "-c", "exec " + sys.argv[1]])' "$3"
	fi
	exec sh -c "$3"
}
g_exec() { (g_exec_in "$@"); }

g_as() {
	G_AS=$1
	mkdir -p "$GDIR/$G_AS"
}

g_note() { echo "note: $1: $2"; }
g_quiet() { "$@" >/dev/null 2>&1; }
g_skip() { echo "skip: $1: not run: $2"; }

# g_do LOC RETRY COMMAND: a command the reader does not see; with RETRY,
# run again until it exits 0, for up to RETRY seconds.
g_do_once() {
	run g_exec "$G_AS" "" "$(g_subst "$1")"
	cat "$OUT" "$ERR" >"$GDIR/block.out"
	[ "$RC" -eq 0 ]
}
g_do() {
	if [ "$2" -gt 0 ]; then
		wait_every 0.2 "$2" g_do_once "$3"
	else
		g_do_once "$3"
	fi
	check_rc 0 "$1 $G_AS (not shown): $3"
}

g_give() {
	RC=0
	cp "$GDIR/$G_AS/$2" "$GDIR/$3/$2" >"$OUT" 2>"$ERR" || RC=$?
	check_rc 0 "$1 $G_AS gives $2 to $3 (USB stick)"
}

B_EXIT=0 B_RETRY=0 B_BG="" B_LISTEN="" B_PASS="" B_ANY="" B_ORDER=""
g_begin() {
	B_EXIT=$2 B_RETRY=$3 B_BG=$4 B_LISTEN=$5 B_PASS=$6 B_ANY="" B_ORDER=""
	: >"$GDIR/cmds"
	rm -f "$GDIR/want"
}

g_line() { printf '%s\t%s\n' "$1" "$2" >>"$GDIR/cmds"; }

g_want() {
	g_subst "$2" >"$GDIR/want"
	B_ANY=$(g_subst "$3")
	B_WANT_LOC=$1
	B_ORDER=${4:-}
}

# Runs the block's commands in order until one fails; the last RC counts.
# BLOCK_OUT gets everything they printed.
g_attempt() {
	: >"$GDIR/block.out"
	BA_FAILED=""
	while IFS="$(printf '\t')" read -r ga_loc ga_cmd; do
		run g_exec "$G_AS" "$B_PASS" "$(g_subst "$ga_cmd")"
		cat "$OUT" "$ERR" >>"$GDIR/block.out"
		if [ "$RC" -ne "$B_EXIT" ]; then
			BA_FAILED="$ga_loc $ga_cmd"
			return 1
		fi
	done <"$GDIR/cmds"
	[ ! -f "$GDIR/want" ] || python3 "$TMP/match.py" "$GDIR/want" "$GDIR/block.out" "$B_ANY" "$B_ORDER" >"$GDIR/match.out"
}

g_run() {
	if [ -n "$B_BG" ]; then
		g_run_bg
		return
	fi
	if [ "$B_RETRY" -gt 0 ]; then
		wait_every 0.2 "$B_RETRY" g_attempt
	else
		g_attempt
	fi
	# one check per command that ran, one for the output
	while IFS="$(printf '\t')" read -r gr_loc gr_cmd; do
		if [ "$gr_loc $gr_cmd" = "$BA_FAILED" ]; then
			check_rc "$B_EXIT" "$gr_loc $G_AS: $gr_cmd"
			return
		fi
		pass "$gr_loc $G_AS: $gr_cmd"
	done <"$GDIR/cmds"
	if [ -f "$GDIR/want" ]; then
		cp "$GDIR/block.out" "$OUT"
		cp "$GDIR/match.out" "$ERR"
		check "$B_WANT_LOC: the output shown appears" \
			g_quiet python3 "$TMP/match.py" "$GDIR/want" "$GDIR/block.out" "$B_ANY" "$B_ORDER"
	fi
}

# The background command of person $1: its pid in GDIR/$1.bg, its block
# in GDIR/$1.bg.*.
g_run_bg() {
	IFS="$(printf '\t')" read -r gb_loc gb_cmd <"$GDIR/cmds"
	g_exec_in "$G_AS" "$B_PASS" "$(g_subst "$gb_cmd")" bg \
		</dev/null >"$GDIR/$G_AS.bg.out" 2>"$GDIR/$G_AS.bg.err" &
	gb_pid=$!
	NET_PIDS="$NET_PIDS $gb_pid"
	echo "$gb_pid" >"$GDIR/$G_AS.bg"
	printf '%s\n' "$B_EXIT" >"$GDIR/$G_AS.bg.exit"
	printf '%s\t%s\t%s\n' "$gb_loc" "$gb_cmd" "$B_ANY" >"$GDIR/$G_AS.bg.cmd"
	rm -f "$GDIR/$G_AS.bg.want"
	[ -f "$GDIR/want" ] && cp "$GDIR/want" "$GDIR/$G_AS.bg.want"
	case $gb_cmd in
	"dugnad serve"*)
		RC=0
		cp "$GDIR/$G_AS.bg.err" "$ERR" 2>/dev/null
		check "$gb_loc $G_AS: $gb_cmd (runs on, ready)" \
			wait_for 15 g_serving "$G_AS" "$gb_pid"
		if [ -n "$B_LISTEN" ]; then
			gb_addr=$(g_exec "$G_AS" "" "dugnad --json status" 2>/dev/null |
				sed -n 's/.*"listen":"\([^"]*\)".*/\1/p')
			check "$gb_loc $G_AS: serve listens ($gb_addr stands for $B_LISTEN)" \
				test -n "$gb_addr"
			printf '%s\t%s\n' "$B_LISTEN" "$gb_addr" >>"$GDIR/fills"
		fi
		;;
	*)
		check "$gb_loc $G_AS: $gb_cmd (runs on)" proc_alive "$gb_pid" ;;
	esac
}

g_serving() {
	proc_alive "$2" && [ -S "$GDIR/$1/.local/share/dugnad/ctl" ] &&
		g_exec "$1" "" "dugnad --json status" 2>/dev/null | grep -q '"running":true'
}

# g_bg_end LOC HOW: the background command of G_AS ended; check its exit
# status and its output.
g_bg_end() {
	gw_pid=$(cat "$GDIR/$G_AS.bg")
	IFS="$(printf '\t')" read -r gw_loc gw_cmd gw_any <"$GDIR/$G_AS.bg.cmd"
	wait "$gw_pid" 2>/dev/null
	RC=$?
	cp "$GDIR/$G_AS.bg.out" "$OUT"
	cp "$GDIR/$G_AS.bg.err" "$ERR"
	check_rc "$(cat "$GDIR/$G_AS.bg.exit")" "$1 $G_AS: $gw_cmd ($2)"
	cat "$GDIR/$G_AS.bg.out" "$GDIR/$G_AS.bg.err" >"$GDIR/block.out"
	if [ -f "$GDIR/$G_AS.bg.want" ]; then
		cp "$GDIR/block.out" "$OUT"
		python3 "$TMP/match.py" "$GDIR/$G_AS.bg.want" "$GDIR/block.out" "$gw_any" >"$ERR"
		check "$gw_loc: the output shown appears" \
			g_quiet python3 "$TMP/match.py" "$GDIR/$G_AS.bg.want" "$GDIR/block.out" "$gw_any"
	fi
	rm -f "$GDIR/$G_AS.bg" "$GDIR/$G_AS.bg.want"
}

# g_check_out LOC WANT ANY: what a background command printed, which
# just ended (stop, wait), shows WANT.
g_check_out() {
	g_subst "$2" >"$GDIR/want"
	cp "$GDIR/block.out" "$OUT"
	python3 "$TMP/match.py" "$GDIR/want" "$GDIR/block.out" "$(g_subst "$3")" >"$ERR"
	RC=$?
	check "$1: the output shown appears" test "$RC" -eq 0
}

g_stop() {
	if [ ! -f "$GDIR/$G_AS.bg" ]; then
		RC=1
		: >"$OUT"
		echo "nothing runs in the background for $G_AS" >"$ERR"
		fail "$1 $G_AS: Ctrl-C"
		return
	fi
	gs_pid=$(cat "$GDIR/$G_AS.bg")
	kill -INT "$gs_pid" 2>/dev/null
	wait_for 10 proc_gone "$gs_pid" || kill -9 "$gs_pid" 2>/dev/null
	g_bg_end "$1" "Ctrl-C"
}

g_wait() {
	if [ ! -f "$GDIR/$G_AS.bg" ]; then
		RC=1
		: >"$OUT"
		echo "nothing runs in the background for $G_AS" >"$ERR"
		fail "$1 $G_AS: wait"
		return
	fi
	gw_pid=$(cat "$GDIR/$G_AS.bg")
	wait_for 60 proc_gone "$gw_pid" || kill -9 "$gw_pid" 2>/dev/null
	g_bg_end "$1" "ends by itself"
}

g_save() {
	sv_val=$(python3 -c 'import re, sys
m = re.search(sys.argv[1], open(sys.argv[2], encoding="utf-8", errors="replace").read(), re.M)
print(m.group(1) if m and m.groups() else m.group(0) if m else "")' "$3" "$GDIR/block.out")
	cp "$GDIR/block.out" "$OUT"
	printf "no match for %s\n" "$3" >"$ERR"
	RC=0
	check "$1 $G_AS: the output has what '$2' stands for ($sv_val)" test -n "$sv_val"
	[ -z "$sv_val" ] || printf '%s\t%s\n' "$2" "$sv_val" >>"$GDIR/fills"
}

# Stops whatever a guide left running (a reader closes the window).
g_end() {
	for ge_f in "$GDIR"/*.bg; do
		[ -f "$ge_f" ] || continue
		ge_pid=$(cat "$ge_f")
		kill -TERM "$ge_pid" 2>/dev/null
		wait_for 10 proc_gone "$ge_pid" || kill -9 "$ge_pid" 2>/dev/null
		wait "$ge_pid" 2>/dev/null
		echo "note: $G: $(basename "$ge_f" .bg)'s background command stopped at the end"
	done
}

# --- the guides ----------------------------------------------------------------------
n_guides=0
for lang in en nb; do
	for f in "$GUIDES/$lang"/*.md; do
		[ -f "$f" ] || continue
		case $lang/$(basename "$f") in *"${GUIDES_ONLY:-}"*) ;; *) continue ;; esac
		n_guides=$((n_guides + 1))
		G=$lang/$(basename "$f")
		G_LANG=$lang
		GDIR=$TMP/$lang-$(basename "$f" .md)
		mkdir -p "$GDIR"
		: >"$GDIR/fills"
		G_AS=you
		echo "--- $G"
		RC=0
		python3 "$TMP/guide.py" "$f" "$G" >"$GDIR/script.sh" 2>"$ERR"
		RC=$?
		: >"$OUT"
		check "$G: its test markup reads" test "$RC" -eq 0
		[ "$RC" -eq 0 ] || continue
		. "$GDIR/script.sh"
		g_end
	done
done
check "guides found in $GUIDES (en and nb)" test "$n_guides" -gt 0

# Every guide is there in both languages, and README.md links to each.
RC=0
: >"$OUT"
: >"$ERR"
for f in "$GUIDES"/en/*.md "$GUIDES"/nb/*.md; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	check "$b: in English and in Norwegian" test -f "$GUIDES/en/$b" -a -f "$GUIDES/nb/$b"
	rel=doc/guides/${f#"$GUIDES"/}
	check "README.md links to $rel" grep -qF "($rel)" "$ROOT/README.md"
done

dump_logs 20
finish
