#!/usr/bin/env bash
# Prints the folder holding Temporal's own server, its SQL schema tool and its UI server
# (`temporal-server`, `temporal-sql-tool`, `temporal-ui-server`), building them once with `go install` into a cache outside the checkout.
# Order: $TEMPORAL_SERVER_BIN_DIR (a folder with the three binaries), then the cache, then `go install`
# from the Go module proxy (about two minutes when the CLI's modules are already in Go's cache).
set -euo pipefail
SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
CACHE_ROOT="${DUNNING_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dunning}"
BIN_DIR="$CACHE_ROOT/temporal-server/$SERVER_VERSION/bin"

if [ -n "${TEMPORAL_SERVER_BIN_DIR:-}" ]; then
  for b in temporal-server temporal-sql-tool temporal-ui-server; do
    [ -x "$TEMPORAL_SERVER_BIN_DIR/$b" ] || { echo "TEMPORAL_SERVER_BIN_DIR=$TEMPORAL_SERVER_BIN_DIR has no executable $b" >&2; exit 1; }
  done
  echo "$TEMPORAL_SERVER_BIN_DIR"; exit 0
fi
UI_VERSION="${TEMPORAL_UI_SERVER_VERSION:-v2.42.1}"   # the UI the CLI v1.5.1 embeds in its dev server
have() { [ -x "$BIN_DIR/temporal-server" ] && [ -x "$BIN_DIR/temporal-sql-tool" ] && [ -x "$BIN_DIR/temporal-ui-server" ]; }
if have; then echo "$BIN_DIR"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
Temporal's server is not built and Go is not installed, so it cannot be built.
Install Go 1.23+ and run this script again (it runs go install go.temporal.io/server/cmd/server@$SERVER_VERSION,
go.temporal.io/server/cmd/tools/sql@$SERVER_VERSION and github.com/temporalio/ui-server/v2/cmd/server@$UI_VERSION),
or set TEMPORAL_SERVER_BIN_DIR to a folder holding temporal-server, temporal-sql-tool and temporal-ui-server.
MSG
  exit 1
fi

STAGE="$CACHE_ROOT/temporal-server/$SERVER_VERSION/stage.$$"
mkdir -p "$STAGE" "$BIN_DIR"
trap 'rm -rf "$STAGE"' EXIT
echo "Building Temporal server $SERVER_VERSION, its SQL tool and UI server $UI_VERSION with go install into $BIN_DIR (first time only; a few minutes)..." >&2
install() { # $1: output name, $2: package@version
  [ -x "$BIN_DIR/$1" ] && return 0
  rm -rf "$STAGE"/*
  local go_install="GOBIN=$STAGE GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install $2"
  if ! (GOBIN="$STAGE" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "$2") >&2; then
    echo "$go_install failed; retrying with GOSUMDB=off (checksum database unreachable?)" >&2
    (GOSUMDB=off GOBIN="$STAGE" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "$2") >&2
  fi
  mv "$STAGE"/* "$BIN_DIR/$1"
}
install temporal-server "go.temporal.io/server/cmd/server@$SERVER_VERSION"
install temporal-sql-tool "go.temporal.io/server/cmd/tools/sql@$SERVER_VERSION"
install temporal-ui-server "github.com/temporalio/ui-server/v2/cmd/server@$UI_VERSION"
echo "$BIN_DIR"
