# The two commands of the README: `make run` and `make test`.
SWIFT ?= swift

.PHONY: run test build release deps test-deps bench clean

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

release: deps
	$(SWIFT) build -c release --product wavedefect

build: deps
	$(SWIFT) build

run: release
	.build/release/wavedefect serve --dev

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build
