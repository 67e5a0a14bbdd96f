# The two commands of the README: `make run` and `make test`.
SWIFT ?= swift

.PHONY: run test build release install deps test-deps clean screenshots

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
