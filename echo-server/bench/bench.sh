#!/usr/bin/env bash
# Loopback benchmark of echo-server with the container's JVM flags. Prints figures; never fails on a timing.
#
#   echo-server/bench/bench.sh [seconds-per-run]      (default 10)
#
# Start-up is measured first: BENCH_STARTS (default 5) cold starts of the server, each timed from launch to its first
# 200 on /healthz, then stopped; the median, min and max are printed. Then one server runs all the load: a warm-up
# (BENCH_WARMUP seconds, default 5, of /healthz, /echo 1 KiB and /echo 64 KiB at 256 connections; not reported)
# lets the JIT compile the hot paths and the heap settle, as on a pod that has served traffic, before the measured
# runs. BENCH_WARMUP=0 measures from a cold JIT instead. wrk runs BENCH_WRK_THREADS threads (default 2).
# Uses the jlinked runtime and AOT cache from image-size.sh when RUNTIME_DIR (default /tmp/es-image) holds them,
# else Temurin 25. Rate limits are raised so they do not dominate; LOG_LEVEL is warn (BENCH_LOG_LEVEL=info measures
# with one access-log line per echo request, stdout to a file). Installs wrk (Debian package) if missing.
set -uo pipefail
set -f  # no globbing: the JVM flags contain a CompileCommand method pattern (*.*)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${1:-10}
runtime_dir=${RUNTIME_DIR:-/tmp/es-image}
jar="$root/echo-server/target/echo-server.jar"
port=${BENCH_PORT:-18480}
warmup=${BENCH_WARMUP:-5}
wrk_threads=${BENCH_WRK_THREADS:-2}
jvm_flags=$(sed -n 's/^ARG JAVA_FLAGS="\(.*\)"$/\1/p' "$root/deploy/images/echo-server/Dockerfile")
arenas=$(sed -n 's/^ *MALLOC_ARENA_MAX=\([0-9]*\).*/\1/p' "$root/deploy/images/echo-server/Dockerfile")  # the image's ENV
# The container the heap is sized from (outside a container the JVM would size it from the whole machine).
memory=${BENCH_MEMORY:-128m}

command -v wrk >/dev/null || apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
[ -f "$jar" ] || (cd "$root" && mvn -B -q -pl echo-server -am package -DskipTests)

if [ -x "$runtime_dir/runtime/bin/java" ] && [ -f "$runtime_dir/app/echo-server.aot" ]; then
  java="$runtime_dir/runtime/bin/java"; aot=(-XX:AOTCache="$runtime_dir/app/echo-server.aot"); jar="$runtime_dir/app/echo-server.jar"
  echo "runtime: jlinked ($runtime_dir) with AOT cache"
else
  java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; aot=()
  echo "runtime: Temurin 25 JDK (run image-size.sh first for the image's runtime)"
fi
echo "flags:   $jvm_flags -XX:MaxRAM=$memory (MALLOC_ARENA_MAX=$arenas)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

tmp=$(mktemp -d /tmp/echo-bench.XXXXXX)
trap 'if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import json, sys
for name, size in (("1k", 1024), ("64k", 65536)):
    pad = size - len('{"payload":""}')
    body = '{"payload":"' + "x" * pad + '"}'
    assert len(body) == size
    with open(f"{sys.argv[1]}/echo-{name}.lua", "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        f.write("wrk.body = " + json.dumps(body) + "\n")
PY

pid=
started_ms=
start_server() { # launches the server in the background (pid); returns once /healthz answers 200 (started_ms)
  local start; start=$(date +%s%N)
  # shellcheck disable=SC2086
  # wrk's 1000 connections all come from 127.0.0.1: the per-client connection cap is raised to the pod's limit.
  BIND_ADDRESS=127.0.0.1 PORT=$port MANAGEMENT_PORT=$((port + 1)) LOG_LEVEL=${BENCH_LOG_LEVEL:-warn} RATE_LIMIT_RPS=1000000 \
    RATE_LIMIT_BURST=1000000 HEALTH_RATE_LIMIT_RPM=1000000 SHUTDOWN_DELAY=0 MAX_CONNECTIONS_PER_CLIENT=16384 \
    MALLOC_ARENA_MAX="$arenas" "$java" $jvm_flags -XX:MaxRAM="$memory" "${aot[@]}" -jar "$jar" \
    >"$tmp/server.out" 2>"$tmp/server.err" &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "server did not start:" >&2; cat "$tmp/server.err" >&2; return 1; }
    sleep 0.005
  done
  started_ms=$(( ($(date +%s%N) - start) / 1000000 ))
}
stop_server() { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }

starts=()
for _ in $(seq 1 "${BENCH_STARTS:-5}"); do
  start_server || exit 0
  starts+=("$started_ms")
  stop_server
done
sorted=$(printf '%s\n' "${starts[@]}" | sort -n)
echo "start to first 200 (${#starts[@]} cold starts): median $(sed -n "$(( (${#starts[@]} + 1) / 2 ))p" <<<"$sorted") ms," \
  "min $(head -1 <<<"$sorted") ms, max $(tail -1 <<<"$sorted") ms  (all: ${starts[*]})"

start_server || exit 0

peak_rss() { awk '/VmHWM/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status"; }

run() { # name connections url [script]
  local name=$1 conns=$2 url=$3 script=${4:-}
  local args=(-t"$wrk_threads" -c"$conns" -d"${duration}s" --timeout 5s --latency)
  [ -n "$script" ] && args+=(-s "$script")
  wrk "${args[@]}" "$url" >"$tmp/wrk.out" 2>&1
  awk -v name="$name" -v conns="$conns" -v rss="$(peak_rss)" '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /Latency/ && !lat { max = $4; lat = 1 }
    /Socket errors/ { split($0, a, /[ ,]+/); errs = a[4] + a[6] + a[8] + a[10] }
    /Non-2xx/ { non2xx = $5 }
    END { printf "%-10s c=%-5s %10s req/s  p50 %-8s p99 %-8s max %-8s socket-errors %-5d non-2xx %-5d peak-rss %s\n",
          name, conns, rps, p50, p99, max, errs + 0, non2xx + 0, rss }' "$tmp/wrk.out"
}

if [ "$warmup" != 0 ]; then
  for url_script in "/healthz|" "/echo|$tmp/echo-1k.lua" "/echo|$tmp/echo-64k.lua"; do
    script=${url_script#*|}
    wrk -t"$wrk_threads" -c256 -d"${warmup}s" --timeout 5s ${script:+-s "$script"} "http://127.0.0.1:$port${url_script%%|*}" >/dev/null 2>&1
  done
  echo "warm-up:  ${warmup}s each of /healthz, /echo 1 KiB, /echo 64 KiB at 256 connections (not reported)"
fi
echo "wrk:      $wrk_threads threads, ${duration}s per run"

for conns in 256 1000; do
  run healthz "$conns" "http://127.0.0.1:$port/healthz"
  run echo-1k "$conns" "http://127.0.0.1:$port/echo" "$tmp/echo-1k.lua"
  run echo-64k "$conns" "http://127.0.0.1:$port/echo" "$tmp/echo-64k.lua"
done
echo "peak RSS (VmHWM) over the whole run: $(peak_rss)"
echo "server error log lines: $(grep -c '"level":"ERROR"' "$tmp/server.out" || true)"
exit 0 # figures only: a slow or noisy run is never a failure
