# dugnad - plain Makefile.  `make` builds build/dugnad, `make test` runs
# the whole suite, `make demo` shows the main job, `SAN=1` builds with
# AddressSanitizer and UndefinedBehaviorSanitizer into build-san/.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
LOCALEDIR ?= $(PREFIX)/share/locale
# systemd looks for user units in /usr/local/lib/systemd/user and
# /usr/lib/systemd/user (not under other prefixes: for PREFIX=~/.local
# give USERUNITDIR=~/.local/share/systemd/user)
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config

# Debian's msgpack-c 4 calls its pkg-config module "msgpack"; newer
# releases call it "msgpack-c".  Accept both.
pkgs = libsodium libuv lmdb libutf8proc $(shell $(PKG_CONFIG) --exists \
	msgpack-c 2>/dev/null && echo msgpack-c || echo msgpack)
PKGS := $(pkgs)
DEPS_OK := $(shell $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && \
	command -v msgfmt >/dev/null && echo yes)

# When a library is missing, install it (as root) or print the apt-get
# line, before anything is built.
NODEPS_GOALS := deps clean format format-check uninstall
ifneq ($(DEPS_OK),yes)
ifeq ($(filter $(NODEPS_GOALS),$(MAKECMDGOALS)),)
DEPS_RC := $(shell sh .ci/deps 1>&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error missing libraries: install them as shown above, then run make again)
endif
PKGS := $(pkgs)
DEPS_OK := $(shell $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && \
	command -v msgfmt >/dev/null && echo yes)
endif
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wconversion
ifeq ($(WERROR),1)
WARN += -Werror
endif

ifeq ($(FUZZ),1)
# libFuzzer builds: clang, the library instrumented for coverage.
BUILD ?= build-fuzz
CC := clang
SANFLAGS := -fsanitize=address,undefined,fuzzer-no-link \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
else ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

ifeq ($(DEPS_OK),yes)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS))
endif

ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	$(WARN) $(SANFLAGS) -I. $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
ALL_LDFLAGS := $(SANFLAGS) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lm

ifneq ($(V),1)
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
else
Q :=
say =
endif

LIB_SRC := $(wildcard core/*.c) $(wildcard store/*.c) $(wildcard net/*.c)
CLI_SRC := $(wildcard cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# LD_PRELOAD shims for fault injection, built as shared objects (not the
# allocation one under SAN=1: AddressSanitizer owns malloc).
SHIM_SRC := tests/tools/failmalloc.c tests/tools/powercut.c
TOOL_SRC := $(filter-out $(SHIM_SRC),$(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
SHIM_SO := $(SHIM_SRC:tests/tools/%.c=$(BUILD)/tools/%.so)
ifeq ($(SAN),1)
SHIM_SO := $(filter-out %/failmalloc.so,$(SHIM_SO))
endif
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_TIME ?= 20
# Message catalogs (gettext): one cli/po/LANG.po a language, compiled to
# $(BUILD)/locale/LANG/LC_MESSAGES/dugnad.mo; the template of every
# message is made from the sources (doc/translating.md).
LINGUAS := $(patsubst cli/po/%.po,%,$(wildcard cli/po/*.po))
MO := $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/dugnad.mo)
POT_SRC = $(sort $(wildcard cli/*.[ch] net/*.c) core/err.c core/valid.c \
	core/schema.c)
# the file readers' reasons: the text given to their fail() and bad();
# ingest's refusals: the text given to problem(); verify's: report()
POT_READERS = core/csv.c core/vcf.c store/ingest.c store/log.c
XGETTEXT_FLAGS := --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: \
	--keyword=_ --keyword=N_ --keyword=D_ --keyword=dngettext:2,3 \
	--keyword=cli_err:2 \
	--keyword=cli_fail:3 --keyword=no_permission:3 \
	--keyword=net_node_log:2 --keyword=net_node_warn:2 \
	--keyword=net_node_err:2 --flag=cli_err:2:c-format \
	--flag=net_node_log:2:c-format --flag=net_node_warn:2:c-format \
	--flag=net_node_err:2:c-format \
	--package-name=dugnad '--msgid-bugs-address=the dugnad project' --no-location --sort-output
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps check-deps test unit shell demo install uninstall clean \
	format format-check bench fuzz fuzz-build fuzz-smoke soak pot po-update

all: check-deps $(BUILD)/dugnad $(MO)

check-deps:
	@$(PKG_CONFIG) --exists $(PKGS) || { echo "missing libraries: run 'make deps'" >&2; exit 1; }

deps:
	@sh .ci/deps

$(BUILD)/libdugnad.a: $(LIB_OBJ)
	$(call say,AR,$@)$(AR) rcs $@ $^

$(BUILD)/dugnad: $(CLI_OBJ) $(BUILD)/libdugnad.a
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libdugnad.a $(LIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/cli/i18n.o: ALL_CFLAGS += -DLOCALEDIR='"$(LOCALEDIR)"'

$(BUILD)/locale/%/LC_MESSAGES/dugnad.mo: cli/po/%.po
	@mkdir -p $(dir $@)
	$(call say,MSGFMT,$<)msgfmt --check -o $@ $<

# The template of every message in the sources.
pot: $(BUILD)/dugnad.pot
$(BUILD)/dugnad.pot: $(POT_SRC) $(POT_READERS)
	@mkdir -p $(dir $@)
	$(call say,XGETTEXT,$@)xgettext $(XGETTEXT_FLAGS) -o $@ $(POT_SRC)
	$(Q)xgettext $(XGETTEXT_FLAGS) --join-existing --keyword=fail:4 \
		--keyword=bad:2 --keyword=problem:2 --keyword=report:5 \
		-o $@ $(POT_READERS)

# Brings every cli/po/LANG.po up to the sources' messages (new ones
# untranslated, changed ones marked fuzzy, gone ones dropped) for its
# translator.
po-update: $(BUILD)/dugnad.pot
	@for po in $(wildcard cli/po/*.po); do \
		msgmerge --quiet --no-location --sort-output \
			-o $$po.merged $$po $(BUILD)/dugnad.pot && \
		msgattrib --no-obsolete --no-location --sort-output \
			-o $$po.new $$po.merged && mv $$po.new $$po && \
		rm -f $$po.merged && \
		printf '  %-6s %s\n' MERGE $$po || \
		{ rm -f $$po.merged $$po.new; exit 1; }; \
	done

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdugnad.a
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libdugnad.a $(LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libdugnad.a
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libdugnad.a $(LIBS)

$(BUILD)/tools/%.so: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) -std=c11 $(WARN) -MMD -MP $(CFLAGS) -fPIC \
		-shared -o $@ $< -ldl

$(BUILD)/bench/%: bench/%.c $(BUILD)/libdugnad.a
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libdugnad.a $(LIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libdugnad.a
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libdugnad.a $(LIBS)

# libFuzzer targets for every decoder of outside input (tests/fuzz/), with
# ASan and UBSan; seeds in tests/fuzz/corpus/<target>/.
fuzz: check-deps
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-build

fuzz-build: $(FUZZ_BIN)

# Runs each target for FUZZ_TIME seconds on a copy of its seed corpus.
fuzz-smoke: fuzz
	@set -e; for f in $(FUZZ_SRC:tests/fuzz/%.c=%); do \
		d=$$(mktemp -d); cp tests/fuzz/corpus/$$f/* $$d/ 2>/dev/null || true; \
		echo "  FUZZ   $$f ($(FUZZ_TIME) s)"; \
		build-fuzz/fuzz/$$f -max_total_time=$(FUZZ_TIME) -max_len=8192 \
			-rss_limit_mb=1024 -print_final_stats=0 $$d >$$d.log 2>&1 || \
			{ tail -n 30 $$d.log; rm -rf $$d $$d.log; exit 1; }; \
		rm -rf $$d $$d.log; \
	done

# The whole suite: unit tests, then shell tests through the real binary.
# tests/run prints "N passed, N failed" last and exits non-zero on failure.
test: check-deps $(BUILD)/dugnad $(MO) $(BUILD)/dugnad.pot $(UNIT_BIN) \
	$(TOOL_BIN) $(SHIM_SO)
	@BUILD=$(BUILD) SOAK=0 sh tests/run

# The long tests, not run by CI: the shell tests with a soak mode (a
# "# soak:" line), in it: 1,000,000 entries from 1,000 authors over
# TCP, a partition longer than the idle timeout (as root).
soak: check-deps $(BUILD)/dugnad $(TOOL_BIN)
	@BUILD=$(BUILD) SOAK=1 sh tests/run

demo: check-deps $(BUILD)/dugnad $(MO)
	@BUILD=$(BUILD) sh tests/demo.sh

bench: check-deps $(BUILD)/dugnad $(BENCH_BIN) $(TOOL_BIN)
	@BUILD=$(BUILD) sh bench/run

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/dugnad $(DESTDIR)$(BINDIR)/dugnad
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 doc/dugnad.1 $(DESTDIR)$(MANDIR)/man1/dugnad.1
	@for l in $(LINGUAS); do \
		install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		install -m 644 $(BUILD)/locale/$$l/LC_MESSAGES/dugnad.mo \
			$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/dugnad.mo || exit 1; \
	done
	install -d $(DESTDIR)$(USERUNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' doc/dugnad.service >$(DESTDIR)$(USERUNITDIR)/dugnad.service
	chmod 644 $(DESTDIR)$(USERUNITDIR)/dugnad.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dugnad
	rm -f $(DESTDIR)$(MANDIR)/man1/dugnad.1
	@for l in $(LINGUAS); do \
		rm -f $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/dugnad.mo; \
	done
	rm -f $(DESTDIR)$(USERUNITDIR)/dugnad.service

clean:
	rm -rf build build-san build-fuzz

FORMAT_SRC = $(wildcard core/*.[ch] store/*.[ch] net/*.[ch] cli/*.[ch] \
	tests/unit/*.[ch] tests/tools/*.c bench/*.c)
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d) $(TOOL_BIN:=.d) \
	$(BENCH_BIN:=.d) $(FUZZ_BIN:=.d) $(SHIM_SO:.so=.d)
