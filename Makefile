# Visible — build with plain GNU make + pkg-config. See README.md.
#   make            build build/visible
#   make run        install deps, build, start the platform with demo data
#   make check      install deps, build, run every test (normal + ASan/UBSan)
#   make bench      build and run the benchmarks under bench/
#   make screenshots  copy the browser tests' screenshots into docs/screenshots
#   make fuzz       fuzz every parser FUZZ_SECONDS (default 600) each (fuzz/)
CC      ?= gcc
PKGS    := sqlite3 libpq libmicrohttpd jansson libsodium libcurl
B       ?= build
OPT     ?= -O2
SANFLAGS ?=
CFLAGS  := -std=gnu17 $(OPT) -g -Wall -Wextra -Werror -MMD -MP -Isrc \
           $(shell pkg-config --cflags $(PKGS)) $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(SANFLAGS)
LDLIBS  := $(shell pkg-config --libs $(PKGS)) -lpthread -lm

SRC     := $(sort $(shell find src -name '*.c'))
MAINSRC := src/main.c
LIBSRC  := $(filter-out $(MAINSRC),$(SRC))
LIBOBJ  := $(LIBSRC:%.c=$(B)/%.o)
UNITSRC := $(sort $(wildcard tests/unit/test_*.c))
UNITBIN := $(UNITSRC:tests/unit/%.c=$(B)/tests/%)
BENCHSRC:= $(sort $(wildcard bench/*.c))
BENCHBIN:= $(BENCHSRC:bench/%.c=$(B)/bench/%)

.PHONY: all run check test unit san bench clean deps screenshots fuzz fuzz-build fuzz-check
all: $(B)/visible $(UNITBIN) $(BENCHBIN)

$(B)/libvisible.a: $(LIBOBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/visible: $(B)/src/main.o $(B)/libvisible.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(B)/libvisible.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $< $(B)/libvisible.a \
	  $(LDFLAGS) $(shell pkg-config --libs cmocka) $(LDLIBS)

$(B)/bench/%: bench/%.c $(B)/libvisible.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(B)/libvisible.a $(LDFLAGS) $(LDLIBS)

deps:
	@sh scripts/install-deps

run: deps
	@$(MAKE) --no-print-directory $(B)/visible
	@mkdir -p var
	./$(B)/visible serve --demo --db var/visible.db --listen 127.0.0.1:8080

# Every test, twice: a normal optimised build, then ASan + UBSan.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory B=build/san OPT=-O1 \
	  SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  build/san/visible $(UNITBIN:$(B)/%=build/san/%)
	@$(MAKE) --no-print-directory fuzz-build
	@sh tests/run build build/san

test: check

unit: all
	@sh tests/run --unit-only build

bench: deps all
	@sh bench/run

# The browser tests' screenshots (build/screenshots, written by make check)
# into docs/screenshots, quantised to small PNGs.
screenshots:
	@mkdir -p docs/screenshots
	@for f in build/screenshots/*.png; do \
	  case "$$f" in *probe*) continue;; esac; \
	  pngquant --force --quality=60-85 --speed 1 --output docs/screenshots/$$(basename $$f) "$$f" || cp "$$f" docs/screenshots/; \
	done
	@du -sh docs/screenshots

# Fuzzing (fuzz/README.md): libFuzzer harnesses for the parsers of outside
# input, linked against the library built with Debian's clang and
# ASan+UBSan in build/fuzz. make check runs each briefly (fuzz/run-check,
# called by tests/run); make fuzz runs each FUZZ_SECONDS, keeping what it
# finds in build/fuzz/corpus/<target> and crashes in build/fuzz/artifacts.
FUZZCC      ?= clang
FUZZSAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SECONDS ?= 600
FUZZSRC     := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZBIN     := $(FUZZSRC:fuzz/%.c=build/fuzz/fuzzers/%)

fuzz-build:
	@$(MAKE) --no-print-directory B=build/fuzz CC=$(FUZZCC) OPT=-O1 \
	  SANFLAGS="-fsanitize=fuzzer-no-link $(FUZZSAN)" $(FUZZBIN)

$(B)/fuzzers/%: fuzz/%.c $(B)/libvisible.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/libvisible.a $(LDFLAGS) $(LDLIBS)

fuzz-check:
	@sh fuzz/run-check

fuzz: fuzz-build
	@for t in $(FUZZSRC:fuzz/fuzz_%.c=%); do \
	  mkdir -p build/fuzz/corpus/$$t build/fuzz/artifacts; \
	  echo "== $$t ($(FUZZ_SECONDS) s)"; \
	  build/fuzz/fuzzers/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/artifacts/$$t- build/fuzz/corpus/$$t fuzz/corpus/$$t || exit 1; \
	done

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
