#!/usr/bin/env bash
# FerretDB (a MongoDB wire-protocol server storing its data in PostgreSQL) for the MongoDB adapter's
# tests, issue 18. No MongoDB server can be installed on our machines; FerretDB can, with Go.
#
#   scripts/ferretdb.sh build          build .tools/bin/ferretdb unless it is there and answers --version
#   scripts/ferretdb.sh available      build, and check that PostgreSQL answers (status 3 if either cannot)
#   scripts/ferretdb.sh run CMD...     build, create a fresh PostgreSQL database, start FerretDB on a free
#                                      local port, wait until it answers `hello`, run CMD with
#                                      MONGODB_URI and FERRETDB_VERSION set, stop it; exits with CMD's status
#
# Exit status 3 means "FerretDB cannot be had here" (no Go, or PostgreSQL does not answer): callers
# report SKIPPED. Telemetry is disabled twice (--telemetry=disable and DO_NOT_TRACK=1): it must never
# try to reach an outside address.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=v1.24.2
BIN="$PWD/.tools/bin/ferretdb"
PGURL_BASE="${FERRETDB_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
export DO_NOT_TRACK=1

# (the output is captured first: `grep -q` closing the pipe early would fail the pipeline under pipefail)
built() { [ -x "$BIN" ] && [[ "$("$BIN" --version 2>/dev/null)" == *"version: $VERSION"* ]]; }

build() {
  built && return 0
  if ! command -v go >/dev/null 2>&1; then
    echo "ferretdb: Go is not installed, cannot build FerretDB $VERSION" >&2
    return 3
  fi
  echo "ferretdb: building FerretDB $VERSION into .tools/bin (once)" >&2
  # The module zip lacks build/version/version.txt (git-ignored upstream, embedded by the binary, which
  # panics at start without it), so `go install ...@version` builds a binary that cannot start. Build from
  # a writable copy of the module with that file written.
  local dir src
  dir="$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')"
  src="$(mktemp -d)"
  cp -r "$dir/." "$src/"
  chmod -R u+w "$src"
  echo "$VERSION" > "$src/build/version/version.txt"
  mkdir -p "$(dirname "$BIN")"
  (cd "$src" && GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o "$BIN" ./cmd/ferretdb)
  rm -rf "$src"
  built || { echo "ferretdb: the build does not answer --version with $VERSION" >&2; return 1; }
}

free_port() {
  node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

psql_do() { psql "$PGURL_BASE/postgres" -v ON_ERROR_STOP=1 -qAt -c "$1" >/dev/null; }

available() {
  build || return $?
  command -v psql >/dev/null 2>&1 || { echo "ferretdb: psql is not installed" >&2; return 3; }
  if ! psql_do 'select 1' 2>/dev/null; then
    echo "ferretdb: PostgreSQL does not answer at $PGURL_BASE" >&2
    return 3
  fi
}

run() {
  available || return $?
  # A fresh database per run, so that runs are independent of each other.
  # Globals, not locals: the EXIT trap runs after this function has returned.
  db="ferretdb_$$_$(date +%s)"
  psql_do "create database $db"
  state="$(mktemp -d)"
  port="$(free_port)"
  log="$state/ferretdb.log"
  "$BIN" --handler=postgresql --postgresql-url="$PGURL_BASE/$db" \
    --listen-addr="127.0.0.1:$port" --debug-addr="127.0.0.1:$(free_port)" --state-dir="$state" --telemetry=disable --log-level=warn \
    >"$log" 2>&1 &
  pid=$!
  cleanup() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    psql_do "drop database if exists $db with (force)" 2>/dev/null || true
    rm -rf "$state"
  }
  trap cleanup EXIT
  export MONGODB_URI="mongodb://127.0.0.1:$port/"
  # Wait until the server answers `hello` (the handshake every driver starts with).
  if ! node --input-type=module -e '
    import mongoose from "mongoose";
    const deadline = Date.now() + 30000;
    for (;;) {
      try {
        const c = await mongoose.createConnection(process.env.MONGODB_URI, { serverSelectionTimeoutMS: 1000 }).asPromise();
        const r = await c.db.admin().command({ hello: 1 });
        const b = await c.db.admin().command({ buildInfo: 1 });
        if (!r.isWritablePrimary) throw new Error("not writable");
        console.log(`FerretDB ${b.ferretdbVersion ?? b.version} (MongoDB wire version ${b.version}) at ${process.env.MONGODB_URI}`);
        await c.close();
        break;
      } catch (e) {
        if (Date.now() > deadline) { console.error(e.message); process.exit(1); }
        await new Promise((r) => setTimeout(r, 200));
      }
    }'; then
    echo "ferretdb: did not answer hello; its log:" >&2
    cat "$log" >&2
    return 1
  fi
  export FERRETDB_VERSION="$VERSION"
  status=0
  "$@" || status=$?
  return $status
}

case "${1:-}" in
  build) build ;;
  available) available ;;
  run) shift; run "$@" ;;
  *) echo "usage: scripts/ferretdb.sh build | available | run CMD..." >&2; exit 2 ;;
esac
