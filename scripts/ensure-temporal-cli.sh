#!/usr/bin/env bash
# Prints the path of a Temporal CLI binary, building it once into a cache outside the checkout if needed.
# Order: $TEMPORAL_CLI_PATH, then `temporal` on PATH, then the cache, then `go install` from the Go module proxy.
set -euo pipefail
CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
CACHE_ROOT="${DUNNING_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dunning}"
GOBIN_DIR="$CACHE_ROOT/temporal-cli/$CLI_VERSION/bin"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || { echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file" >&2; exit 1; }
  echo "$TEMPORAL_CLI_PATH"; exit 0
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$GOBIN_DIR/temporal" ]; then echo "$GOBIN_DIR/temporal"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
No Temporal CLI found and Go is not installed, so it cannot be built.
Install one of:
  - the Temporal CLI (https://docs.temporal.io/cli) and put 'temporal' on PATH, or set TEMPORAL_CLI_PATH;
  - Go 1.22+, then run this script again (it runs: go install github.com/temporalio/cli/cmd/temporal@$CLI_VERSION).
MSG
  exit 1
fi

mkdir -p "$GOBIN_DIR"
echo "Building the Temporal CLI $CLI_VERSION with go install into $GOBIN_DIR (first time only; takes several minutes)..." >&2
build() { GOBIN="$GOBIN_DIR" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "github.com/temporalio/cli/cmd/temporal@$CLI_VERSION"; }
if ! build >&2; then
  echo "go install failed; retrying with GOSUMDB=off (checksum database unreachable?)" >&2
  GOSUMDB=off build >&2
fi
echo "$GOBIN_DIR/temporal"
