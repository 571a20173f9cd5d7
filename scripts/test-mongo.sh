#!/usr/bin/env bash
# npm run test:mongo — the MongoDB adapter against a real server (issue 18):
#   MONGODB_URI set        against that server
#   else Go and PostgreSQL against FerretDB, built and started by scripts/ferretdb.sh (a fresh database)
#   else                   says plainly that it SKIPPED (the suite reports itself pending, never passing)
# Runs the store contract suite, then the HTTP, live-updates and webhook suites with the app on MongoDB
# (TEST_MONGODB_URI: test/support/http.ts and test/support/harness.ts give each product its own database),
# then npm run migrate and the export/import round trip on the server, timer claims racing between two connections, the kill -9 crash test of the commit path and two
# app instances on one database with the local Redis (test/server/store/{migrate,claims,crash}.mongo.test.ts,
# test/multi/instances.mongo.test.ts).
set -uo pipefail
cd "$(dirname "$0")/.."

SUITES=(test/server/store/contract.mongo.test.ts)
APP_SUITES=(test/http/*.test.ts test/live/live.test.ts test/webhooks/webhooks.test.ts)
PROCESS_SUITES=(test/server/store/migrate.mongo.test.ts test/server/store/claims.mongo.test.ts test/server/store/crash.mongo.test.ts test/multi/instances.mongo.test.ts)
mocha() { npx mocha --no-config --import=tsx --timeout 60000 --exit "$@"; }

suites() {
  echo "test:mongo: server: $1"
  mocha "${SUITES[@]}" || return $?
  echo "test:mongo: the HTTP and live-updates suites with the app on $1"
  TEST_MONGODB_URI="$MONGODB_URI" mocha "${APP_SUITES[@]}" || return $?
  echo "test:mongo: migrate and export/import round trip, timer claims between two connections, kill -9 during 200 concurrent commits, two app instances (Redis), on $1"
  TEST_MONGODB_URI="$MONGODB_URI" mocha "${PROCESS_SUITES[@]}"
}

if [ -n "${MONGODB_URI:-}" ]; then
  suites "MONGODB_URI ($(node -e 'console.log(process.argv[1].replace(/\/\/[^@/]*@/, "//***@"))' "$MONGODB_URI"))"
  exit $?
fi

scripts/ferretdb.sh available
case $? in
  0) ;;
  3)
    echo "test:mongo: SKIPPED: MONGODB_URI is not set and FerretDB cannot run here (see above)"
    mocha "${SUITES[@]}"
    exit $?
    ;;
  *) echo "test:mongo: building FerretDB failed" >&2; exit 1 ;;
esac

export -f suites mocha
export SUITES_LIST="${SUITES[*]}" APP_SUITES_LIST="${APP_SUITES[*]}" PROCESS_SUITES_LIST="${PROCESS_SUITES[*]}"
scripts/ferretdb.sh run bash -c 'SUITES=($SUITES_LIST); APP_SUITES=($APP_SUITES_LIST); PROCESS_SUITES=($PROCESS_SUITES_LIST); suites "FerretDB $FERRETDB_VERSION (PostgreSQL handler)"'
