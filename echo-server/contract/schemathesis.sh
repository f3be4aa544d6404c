#!/usr/bin/env bash
# Schemathesis (property-based API testing from the OpenAPI document) against a local echo-server, every check on:
# generated requests for each operation the served /openapi.json lists, responses checked against the document
# (status codes, headers, schemas, content types), undeclared methods, malformed bodies.
#
#   echo-server/contract/schemathesis.sh [max-examples]      (default 100 per operation)
#
# Installs schemathesis (pinned) into a virtualenv in the cache on first use. The server listens on 127.0.0.1 only
# and is stopped by PID at the end. Exits with schemathesis's status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/echo-operator-ci/schemathesis-$version"
jar="$root/echo-server/target/echo-server.jar"
[ -f "$jar" ] || (cd "$root" && mvn -B -q -pl echo-server -am package -DskipTests)
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "installing schemathesis $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/echo-server-schemathesis.XXXXXX.log)
# Rate limits raised: schemathesis sends hundreds of requests from one address, and 429 is not what is under test.
BIND_ADDRESS=127.0.0.1 PORT=$port MANAGEMENT_PORT=$mport SHUTDOWN_DELAY=0 LOG_LEVEL=warn RATE_LIMIT_RPS=100000 RATE_LIMIT_BURST=100000 \
  HEALTH_RATE_LIMIT_RPM=1000000 java -jar "$jar" > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$mport/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
kill -0 "$pid" 2> /dev/null || { echo "echo-server did not start:"; cat "$log"; exit 1; }
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" --checks all --max-examples "${1:-100}" \
  --no-color
