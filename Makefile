# The two commands of the README: `make run` and `make test`.
SWIFT ?= swift
SHELL := /bin/bash

.PHONY: run test build release install deps test-deps clean screenshots fuzz fuzz-build asan tsan

# Where `make install` puts the binary: $(PREFIX)/bin/wavedefect.
PREFIX ?= $(HOME)/.local

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

release: deps
	$(SWIFT) build -c release --product wavedefect

build: deps
	$(SWIFT) build

install: release
	install -D -m 755 .build/release/wavedefect $(DESTDIR)$(PREFIX)/bin/wavedefect
	@echo "installed $(DESTDIR)$(PREFIX)/bin/wavedefect"; case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; \
	  *) echo "note: $(PREFIX)/bin is not on PATH; add it, or run make install PREFIX=/usr/local as root";; esac

run: release
	.build/release/wavedefect serve --dev

# The build must also be free of warnings from our own sources (Swift 6, strict concurrency).
test: test-deps
	@$(SWIFT) build --build-tests > .build-output.log 2>&1; status=$$?; cat .build-output.log; \
	  if [ $$status -ne 0 ]; then exit $$status; fi; \
	  if grep -E "^$(CURDIR)/(Sources|Tests)/.*warning:" .build-output.log; then echo "warnings in our sources"; exit 1; fi
	$(SWIFT) test --skip-build --disable-xctest

# The browser tests again, writing their screenshots into docs/screenshots/ (shown in the README).
screenshots: test-deps
	$(SWIFT) build --build-tests
	WAVEDEFECT_SCREENSHOTS=$(CURDIR)/docs/screenshots $(SWIFT) test --skip-build --disable-xctest --filter BrowserTests

clean:
	rm -rf .build

# Fuzzing (docs/fuzzing.md): each libFuzzer harness for FUZZ_SECONDS, with the address
# sanitizer. New crashes land in .build/fuzz-crashes/TARGET/; copy them to
# Tests/FuzzRegressionTests/Corpus/TARGET/ once fixed. The corpus grows in .build/fuzz-corpus/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= websocket http json client-message access-token access-token-signed room-yaml npy jsonl audio
FUZZ_BIN = .build/fuzz/debug/wavedefect-fuzz
# One instrumented build (address sanitizer + libFuzzer coverage) serves the fuzzers and `make asan`.
# The coverage is what -sanitize=fuzzer would add; libFuzzer itself (with its own `main`) is linked
# into wavedefect-fuzz alone (Package.swift), so the test runner links too.
SANCOV = edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table
SAN_BUILD = WAVEDEFECT_FUZZ=1 $(SWIFT) build --build-path .build/fuzz --sanitize=address -Xswiftc -sanitize-coverage=$(SANCOV)

fuzz-build:
	$(SAN_BUILD) --product wavedefect-fuzz

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build/fuzz-corpus/$$t .build/fuzz-crashes/$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  FUZZ_TARGET=$$t SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 $(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
	    -artifact_prefix=.build/fuzz-crashes/$$t/ .build/fuzz-corpus/$$t Fuzz/seeds/$$t 2>&1 \
	    | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|.*(Fatal error|Precondition failed)|.*Test unit written)" ; \
	  status=$${PIPESTATUS[0]}; if [ $$status -ne 0 ]; then echo "fuzz $$t FAILED ($$status): see .build/fuzz-crashes/$$t/"; exit 1; fi; \
	done

# Sanitizers (docs/fuzzing.md#sanitizers): the suites under the address sanitizer, the
# event-loop tests under the thread sanitizer. Skipped under ASan (docs/fuzzing.md says why):
# the browser tests, and the two suites that wait for the 288-track demo catalog, whose
# synthesis and embedding outlast their 300 s wait in an unoptimized instrumented server.
ASAN_SKIP ?= BrowserTests|RecognizerIntegrationTests|DemoCatalogServeTests
TSAN_FILTER ?= EventLoopTests
# A Swift trap (SIGILL) is reported by ASan with the trapping thread's stack: the Swift
# runtime's own backtracer reads other threads' stacks and trips ASan itself, hiding the trap.
# TSan cannot see a contended Synchronization.Mutex (scripts/tsan-suppressions.txt says why).
SAN_ENV = ASAN_OPTIONS=detect_leaks=0:handle_sigill=1:handle_abort=1 TSAN_OPTIONS=suppressions=$(CURDIR)/scripts/tsan-suppressions.txt SWIFT_BACKTRACE=enable=no

asan:
	$(SAN_BUILD) --build-tests
	$(SAN_ENV) WAVEDEFECT_FUZZ=1 $(SWIFT) test --skip-build --build-path .build/fuzz --sanitize=address --disable-xctest --skip '$(ASAN_SKIP)'

tsan:
	$(SWIFT) build --build-tests --build-path .build/tsan --sanitize=thread
	$(SAN_ENV) $(SWIFT) test --skip-build --build-path .build/tsan --sanitize=thread --disable-xctest --filter '$(TSAN_FILTER)'
