#!/usr/bin/env bash
# Rebuilds, outside Docker, the runtime + application layers of deploy/images/echo-server/Dockerfile (same jlink
# modules and options, same AOT training run) and prints their sizes. No Docker engine is needed.
#
#   echo-server/bench/image-size.sh [output-dir]
#
# Leaves the runtime in output-dir (default: a temp dir) so bench.sh can run the server on it. Prints each layer
# uncompressed (what `docker images` adds up) and as a gzip-6 tar (how a registry stores it and a node pulls it).
# BASE_ESTIMATE=1 also sizes the distroless base-nossl-debian12 layer by unpacking the same Debian 12 packages it is
# made of (apt-get download; an estimate: distroless adds a few small files such as the CA bundle and /etc/passwd).
set -euo pipefail
set -f  # no globbing: the JVM flags contain a CompileCommand method pattern (*.*)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jdk=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
out=${1:-$(mktemp -d /tmp/echo-server-image.XXXXXX)}
jar="$root/echo-server/target/echo-server.jar"
# Keep in step with the Dockerfile.
modules=$(sed -n 's/^ARG JLINK_MODULES=//p' "$root/deploy/images/echo-server/Dockerfile")
jvm_flags=$(sed -n 's/^ARG JAVA_FLAGS="\(.*\)"$/\1/p' "$root/deploy/images/echo-server/Dockerfile")

[ -f "$jar" ] || (cd "$root" && mvn -B -q -pl echo-server -am package -DskipTests)

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
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086
BIND_ADDRESS=127.0.0.1 PORT=$port MANAGEMENT_PORT=$mport SHUTDOWN_DELAY=0 LOG_LEVEL=warn "$out/runtime/bin/java" $jvm_flags -XX:MaxRAM=128m \
  -XX:AOTCacheOutput="$out/app/echo-server.aot" -jar "$out/app/echo-server.jar" >/dev/null 2>"$out/training.err" &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
for _ in $(seq 1 200); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null
  curl -fs -XPOST -H 'Content-Type: application/json' --data '{"train":[1,2,{"x":"y"}]}' "http://127.0.0.1:$port/echo" >/dev/null
done
curl -fs "http://127.0.0.1:$port/readyz" "http://127.0.0.1:$mport/metrics" "http://127.0.0.1:$port/openapi.json" >/dev/null
curl -s -XPOST -H 'Content-Type: application/json' --data '[' "http://127.0.0.1:$port/echo" >/dev/null
kill -TERM "$pid"; wait "$pid" || true

size() { du -sb "$1" | cut -f1; }
gz() { tar -C "$(dirname "$1")" -cf - "$(basename "$1")" | gzip -6 -c | wc -c; }  # a layer as a registry stores it
mib() { awk -v b="$1" 'BEGIN { printf "%5.1f MiB (%5.1f MB)", b / 1048576, b / 1000000 }'; }
rt=$(size "$out/runtime"); jar_b=$(size "$out/app/echo-server.jar"); aot=$(size "$out/app/echo-server.aot" 2>/dev/null || echo 0)
rt_gz=$(gz "$out/runtime"); app_gz=$(gz "$out/app"); jar_gz=$(gz "$out/app/echo-server.jar"); aot_gz=$(gz "$out/app/echo-server.aot")
echo "                  uncompressed               gzip (registry, pull)"
echo "runtime (jlink):  $(mib "$rt")   $(mib "$rt_gz")"
echo "  libjvm.so:      $(mib "$(size "$out/runtime/lib/server/libjvm.so")")"
echo "  lib/modules:    $(mib "$(size "$out/runtime/lib/modules")")"
echo "echo-server.jar:  $(mib "$jar_b")   $(mib "$jar_gz")"
echo "AOT cache:        $(mib "$aot")   $(mib "$aot_gz")"
echo "runtime+app:      $(mib $((rt + jar_b + aot)))   $(mib $((rt_gz + app_gz)))  (plus the distroless base layer)"
if [ "${BASE_ESTIMATE:-0}" = 1 ]; then
  base=$(mktemp -d /tmp/distroless-base.XXXXXX)
  (cd "$base" && apt-get download libc6 base-files netbase tzdata media-types ca-certificates >/dev/null 2>&1) || true
  debs=$(find "$base" -maxdepth 1 -name '*.deb')
  if [ "$(wc -w <<<"$debs")" = 6 ]; then
    mkdir "$base/root"
    for deb in $debs; do dpkg-deb -x "$deb" "$base/root"; done
    b=$(size "$base/root"); b_gz=$(tar -C "$base/root" -cf - . | gzip -6 -c | wc -c)
    echo "base (estimate):  $(mib "$b")   $(mib "$b_gz")  (Debian 12 libc6, base-files, netbase, tzdata, media-types, ca-certificates)"
    echo "image (estimate): $(mib $((b + rt + jar_b + aot)))   $(mib $((b_gz + rt_gz + app_gz)))"
  else
    echo "base (estimate):  apt-get download failed; not sized"
  fi
  rm -rf "$base"
fi
echo "output:           $out"
