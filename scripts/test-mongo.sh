#!/usr/bin/env bash
# npm run test:mongo — the MongoDB adapter against a real server (issue 18):
#   MONGODB_URI set        against that server
#   else Go and PostgreSQL against FerretDB, built and started by scripts/ferretdb.sh (a fresh database)
#   else                   says plainly that it SKIPPED (the suite reports itself pending, never passing)
# Runs the store contract suite, then the HTTP and live-updates suites with the app on MongoDB
# (TEST_MONGODB_URI: test/support/http.ts and test/support/harness.ts give each product its own database).
set -uo pipefail
cd "$(dirname "$0")/.."

SUITES=(test/server/store/contract.mongo.test.ts)
APP_SUITES=(test/http/*.test.ts test/live/live.test.ts)
mocha() { npx mocha --no-config --import=tsx --timeout 60000 --exit "$@"; }

suites() {
  echo "test:mongo: server: $1"
  mocha "${SUITES[@]}" || return $?
  echo "test:mongo: the HTTP and live-updates suites with the app on $1"
  TEST_MONGODB_URI="$MONGODB_URI" mocha "${APP_SUITES[@]}"
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
export SUITES_LIST="${SUITES[*]}" APP_SUITES_LIST="${APP_SUITES[*]}"
scripts/ferretdb.sh run bash -c 'SUITES=($SUITES_LIST); APP_SUITES=($APP_SUITES_LIST); suites "FerretDB $FERRETDB_VERSION (PostgreSQL handler)"'
