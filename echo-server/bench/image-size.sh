#!/usr/bin/env bash
# Rebuilds, outside Docker, the runtime + application layers of deploy/images/echo-server/Dockerfile (same jlink
# modules and options, same AOT training run) and prints their sizes. No Docker engine is needed.
#
#   echo-server/bench/image-size.sh [output-dir]
#
# Leaves the runtime in output-dir (default: a temp dir) so bench.sh can run the server on it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jdk=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
out=${1:-$(mktemp -d /tmp/echo-server-image.XXXXXX)}
jar="$root/echo-server/target/echo-server.jar"
# Keep in step with the Dockerfile.
modules=$(sed -n 's/^ARG JLINK_MODULES=//p' "$root/deploy/images/echo-server/Dockerfile")
jvm_flags=$(sed -n 's/^ARG JAVA_FLAGS="\(.*\)"$/\1/p' "$root/deploy/images/echo-server/Dockerfile")

[ -f "$jar" ] || (cd "$root" && mvn -B -q -pl echo-server package -DskipTests)

echo "jdeps --print-module-deps: $("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 "$jar" 2>/dev/null)"
echo "jlink modules used:        $modules"

rm -rf "$out/runtime" "$out/app"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-6 \
  --output "$out/runtime"
strip --strip-unneeded "$out/runtime/lib/server/libjvm.so"
mkdir -p "$out/app"
cp "$jar" "$out/app/echo-server.jar"

# AOT cache (JEP 483/514): one training run that serves a few requests, then the cache is written at exit.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086
PORT=$port SHUTDOWN_DELAY=0 LOG_LEVEL=warn "$out/runtime/bin/java" $jvm_flags -XX:AOTCacheOutput="$out/app/echo-server.aot" \
  -jar "$out/app/echo-server.jar" >/dev/null 2>"$out/training.err" &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
for _ in $(seq 1 200); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null
  curl -fs -XPOST -H 'Content-Type: application/json' --data '{"train":[1,2,{"x":"y"}]}' "http://127.0.0.1:$port/echo" >/dev/null
done
curl -fs "http://127.0.0.1:$port/readyz" "http://127.0.0.1:$port/metrics" "http://127.0.0.1:$port/openapi.json" >/dev/null
curl -s -XPOST -H 'Content-Type: application/json' --data '[' "http://127.0.0.1:$port/echo" >/dev/null
kill -TERM "$pid"; wait "$pid" || true

size() { du -sb "$1" | cut -f1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
rt=$(size "$out/runtime"); jar_b=$(size "$out/app/echo-server.jar"); aot=$(size "$out/app/echo-server.aot" 2>/dev/null || echo 0)
echo "runtime (jlink):  $(mib "$rt")"
echo "echo-server.jar:  $(mib "$jar_b")"
echo "AOT cache:        $(mib "$aot")"
echo "runtime+app:      $(mib $((rt + jar_b + aot)))  (plus the distroless base layer)"
echo "output:           $out"
