# Shortcuts; the scripts are the source of truth.
.PHONY: run test build
run:
	scripts/run
test:
	scripts/test
build:
	cmake --preset release && cmake --build --preset release
