# casebook — see README.md. `make help` lists the targets.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/casebook
MANDIR   ?= $(PREFIX)/share/man
CC       ?= cc
PKGS     := libcmark-gfm yaml-0.1 sqlite3 lua5.4 libutf8proc libseccomp
# Libraries not every command needs (libgit2 and what it pulls in, serve's
# libmicrohttpd, encryption's libcrypto): only their headers at build time;
# they are loaded (dlopen) by their runtime names when first needed, so
# commands that never use them start without them.
DLOPEN_PKGS := libgit2 libmicrohttpd libcrypto
# Debian packages the build and the tests need; `make deps` installs them.
DEB_PKGS := build-essential pkg-config git python3 time clang clang-format \
            libgit2-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libyaml-dev \
            libsqlite3-dev liblua5.4-dev libcmocka-dev libcjson-dev libssl-dev \
            libmicrohttpd-dev libutf8proc-dev libseccomp-dev curl chromium poppler-utils groff-base \
            nodejs default-jre-headless libxml2-dev libzip-dev pandoc qpdf python3-cryptography firefox-esr

VERSION  := 0.1.0
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -Igenerator -Isearch \
             -DCB_VERSION='"$(VERSION)"' -DCB_DATADIR='"$(DATADIR)"' \
             $(shell pkg-config --cflags $(PKGS) $(DLOPEN_PKGS) 2>/dev/null)
LIBS     = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
# import's libraries: only their headers at build time; generator/import/libs.c
# loads them (dlopen) when a file is imported, so no other command loads them.
IMPORT_PKGS := libxml-2.0 libzip
TEST_LIBS = $(shell pkg-config --libs cmocka libcjson 2>/dev/null)
TEST_CFLAGS = $(shell pkg-config --cflags cmocka libcjson 2>/dev/null)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS     := $(sort $(wildcard generator/*.c generator/cli/*.c generator/import/*.c search/*.c))
LIB_SRCS := $(filter-out generator/cli/main.c,$(SRCS))
OBJS     := $(SRCS:%.c=build/obj/%.o)
LIB_OBJS := $(LIB_SRCS:%.c=build/obj/%.o)
SAN_OBJS := $(LIB_SRCS:%.c=build/san/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
SAN_BINS  := $(UNIT_SRCS:tests/unit/%.c=build/tests-san/%)

.SECONDARY:
.PHONY: all deps site test unit bench bench-large bench-tools fuzz install uninstall format format-check layout-check clean help check-deps

all: casebook

help:
	@echo "make deps      install the Debian packages casebook needs (apt-get, as root)"
	@echo "make           build ./casebook"
	@echo "make site      build the demo site from content/ into public/"
	@echo "make test      run every test suite (unit, sanitizers, Mustache spec, end-to-end)"
	@echo "make bench     build synthetic corpora and print time and memory"
	@echo "make bench-large  one build of 100,000 documents: time and peak memory"
	@echo "make fuzz      run the libFuzzer targets (FUZZ_SECONDS=60 each)"
	@echo "make install   install to PREFIX (default /usr/local)"
	@echo "make format    reformat the C sources with clang-format"
	@echo "make format-check  fail if any C source differs from clang-format's layout"

# Installs what is missing; idempotent. Without root it prints the command.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "deps: missing Debian packages; run:"; \
	  echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

check-deps:
	@pkg-config --exists $(PKGS) $(DLOPEN_PKGS) $(IMPORT_PKGS) || { echo "casebook: missing libraries; run 'make deps' (as root) first" >&2; exit 2; }

casebook: check-deps $(OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(LIBS)

build/obj/generator/import/%.o build/san/generator/import/%.o: ALL_CFLAGS += $(shell pkg-config --cflags $(IMPORT_PKGS) 2>/dev/null)

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -MMD -MP -c $< -o $@

build/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS) $(TEST_LIBS)

build/tests-san/%: tests/unit/%.c $(SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) $(TEST_CFLAGS) -o $@ $< $(SAN_OBJS) $(LIBS) $(TEST_LIBS)

unit: $(UNIT_BINS) $(SAN_BINS)

site: deps casebook
	./casebook build --repo . --out public

test: deps casebook unit
	@bash tests/run.sh

bench: casebook
	@bash tests/bench/run.sh

# Issue 22's memory target alone: one build of 100,000 documents (slow).
bench-large: casebook
	@bash tests/bench/large.sh

# Tools the benchmark compares against; never needed by `make test`.
bench-tools:
	@command -v hugo >/dev/null || apt-get install -y -qq hugo
	@command -v cmark-gfm >/dev/null || apt-get install -y -qq cmark-gfm
	@mkdir -p build/bench && cd build/bench && { [ -x node_modules/.bin/pagefind ] || npm install --no-save --no-audit --no-fund pagefind@1; }

fuzz:
	@$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60)

install: casebook
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 casebook $(DESTDIR)$(BINDIR)/casebook
	cp -R themes plugins $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(DATADIR)/search/web
	install -m 644 search/web/*.js search/web/*.css $(DESTDIR)$(DATADIR)/search/web/
	install -d $(DESTDIR)$(DATADIR)/search/lock
	install -m 644 search/lock/lock.js $(DESTDIR)$(DATADIR)/search/lock/
	if [ -f doc/casebook.1 ]; then install -m 644 doc/casebook.1 $(DESTDIR)$(MANDIR)/man1/; fi
	install -d $(DESTDIR)$(MANDIR)/man7 && install -m 644 doc/casebook-plugins.7 $(DESTDIR)$(MANDIR)/man7/
	cp -R generator/skeleton $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 doc/casebook.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/casebook

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/casebook $(DESTDIR)$(MANDIR)/man1/casebook.1
	rm -f $(DESTDIR)$(MANDIR)/man7/casebook-plugins.7
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/casebook
	rm -rf $(DESTDIR)$(DATADIR)

# Every C source of ours; clang-format 14 (Debian 12) is the reference version.
FORMAT_SRCS = $(sort $(wildcard generator/*.[ch] generator/*/*.[ch] search/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c))

format:
	clang-format -i $(FORMAT_SRCS)

# Fails, listing the files, when a source has drifted from .clang-format.
format-check:
	@bad=""; for f in $(FORMAT_SRCS); do \
	  clang-format --dry-run --Werror $$f >/dev/null 2>&1 || bad="$$bad $$f"; \
	done; \
	if [ -n "$$bad" ]; then echo "format-check: not formatted (run 'make format'):$$bad" >&2; exit 1; fi; \
	echo "format-check: $(words $(FORMAT_SRCS)) files formatted"

# The pipeline never depends on a command: only generator/cli/ (and tests)
# include the commands' headers.
layout-check:
	@hits=$$(grep -ln '#include "\(cli/\)\?\(commands\|cmd_[a-z_]*\)\.h"' generator/*.[ch] generator/*/*.[ch] search/*.[ch] 2>/dev/null | grep -v '^generator/cli/'); \
	if [ -n "$$hits" ]; then echo "layout-check: pipeline files include a command header: $$hits" >&2; exit 1; fi; \
	echo "layout-check: generator/cli/ headers used only by the commands"

clean:
	rm -rf build casebook

-include $(OBJS:.o=.d) $(SAN_OBJS:.o=.d)
