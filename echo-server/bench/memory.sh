#!/usr/bin/env bash
# Peak memory of echo-server on the image runtime under concurrent large uploads, in a memory cgroup that stands in
# for the container. Outside a container the JVM does not see the limit of the cgroup it was moved into (it reads the
# hierarchy from its root), so -XX:MaxRAM passes the same figure: the heap is then sized exactly as in a pod.
#
#   echo-server/bench/memory.sh [runtime-dir]
#
# runtime-dir: the output of image-size.sh (jlink runtime + jar + AOT cache; built into a temp dir when absent).
# Environment: MEMORY_LIMIT (default 128M), CPU_LIMIT (millicores, e.g. 200 as the pod's default limit: a cpu cgroup
#   with that CFS quota, and the JVM sees 1 CPU as in such a pod; default none), CONNECTIONS (500), SIZE (1048576),
#   DURATION (20), and any echo-server
# variable (e.g. MAX_INFLIGHT_BODY_BYTES); EXTRA_JAVA_FLAGS are added after the image's own. All clients come from 127.0.0.1, so the per-client connection cap is
# raised to twice the number of connections (a refused connection still counts while its answer is written), and
# the per-client share of the body budget to the whole budget: in production the clients are distinct addresses. Runs as root (creates and removes a cgroup v1 memory group).
# Prints the answers the clients saw, the server's peak RSS (VmHWM), the cgroup's peak usage and its OOM-kill count,
# and whether the server is still alive. Exits 0 after printing: figures are reported, never judged here.
set -euo pipefail
set -f
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-}
if [ -z "$out" ] || [ ! -x "$out/runtime/bin/java" ]; then
  out=${out:-$(mktemp -d /tmp/echo-server-image.XXXXXX)}
  "$here/image-size.sh" "$out" > /dev/null
fi
limit=${MEMORY_LIMIT:-128M}
jvm_flags=$(sed -n 's/^ARG JAVA_FLAGS="\(.*\)"$/\1/p' "$root/deploy/images/echo-server/Dockerfile")
arenas=$(sed -n 's/^ *MALLOC_ARENA_MAX=\([0-9]*\).*/\1/p' "$root/deploy/images/echo-server/Dockerfile")  # the image's ENV
nmt=""
[ "${BENCH_NMT:-0}" = 1 ] && nmt="-XX:NativeMemoryTracking=summary"
cg=/sys/fs/cgroup/memory/echo-server-bench-$$
mkdir "$cg"
cpucg=""
cpu_flags=""
if [ -n "${CPU_LIMIT:-}" ]; then
  cpucg=$(ls -d /sys/fs/cgroup/cpu,cpuacct 2>/dev/null || echo /sys/fs/cgroup/cpu)/echo-server-bench-$$
  mkdir "$cpucg"
  echo 100000 > "$cpucg/cpu.cfs_period_us"
  echo $((CPU_LIMIT * 100)) > "$cpucg/cpu.cfs_quota_us"
  cpu_flags="-XX:ActiveProcessorCount=1"
fi
echo "$limit" > "$cg/memory.limit_in_bytes"
echo "$limit" > "$cg/memory.memsw.limit_in_bytes" 2>/dev/null || true
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/echo-server-memory.XXXXXX.log)
cleanup() {
  [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rmdir "$cg" 2>/dev/null || true
  [ -z "$cpucg" ] || rmdir "$cpucg" 2>/dev/null || true
}
trap cleanup EXIT
# shellcheck disable=SC2086
sh -c 'echo $$ > "$0/cgroup.procs"; [ -z "$1" ] || echo $$ > "$1/cgroup.procs"; shift; exec "$@"' "$cg" "$cpucg" env BIND_ADDRESS=127.0.0.1 PORT="$port" MANAGEMENT_PORT="$mport" \
  MALLOC_ARENA_MAX="$arenas" MAX_CONNECTIONS_PER_CLIENT="${MAX_CONNECTIONS_PER_CLIENT:-$((2 * ${CONNECTIONS:-500}))}" \
  MAX_INFLIGHT_BODY_BYTES_PER_CLIENT="${MAX_INFLIGHT_BODY_BYTES_PER_CLIENT:-${MAX_INFLIGHT_BODY_BYTES:-16777216}}" SHUTDOWN_DELAY=0 LOG_LEVEL=info RATE_LIMIT_RPS=100000 RATE_LIMIT_BURST=100000 \
  "$out/runtime/bin/java" -XX:AOTCache="$out/app/echo-server.aot" $jvm_flags -XX:MaxRAM="$limit" $cpu_flags $nmt ${EXTRA_JAVA_FLAGS:-} -jar "$out/app/echo-server.jar" \
  > "$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$mport/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
# Eden + one survivor + tenured, as Runtime.maxMemory() counts it (the JVM logs it at start: max_heap_bytes).
heap=$(grep -o '"max_heap_bytes":[0-9]*' "$log" | awk -F: '{ printf "%.1f", $2 / 1048576 }')
idle=$(awk '/VmRSS/ { printf "%.1f", $2/1024 }' "/proc/$pid/status")
echo "limit ${limit}${CPU_LIMIT:+, CPU ${CPU_LIMIT}m}, max heap ${heap} MiB, idle RSS ${idle} MiB; ${CONNECTIONS:-500} connections x ${SIZE:-1048576} bytes for ${DURATION:-20} s"
ulimit -n "$(ulimit -Hn)"
if command -v wrk > /dev/null; then
  # wrk: a C client that keeps up with the server; answers by status and socket errors (resets are read errors).
  UPLOAD_SIZE="${SIZE:-1048576}" wrk -t2 -c"${CONNECTIONS:-500}" -d"${DURATION:-20}s" --timeout 30s -s "$here/upload.lua" \
    "http://127.0.0.1:$port/echo" | grep '^answers'
else
  echo "answers: $(python3 "$here/uploads.py" "$port" --connections "${CONNECTIONS:-500}" --size "${SIZE:-1048576}" \
    --seconds "${DURATION:-20}") (uploads.py; install wrk for a client that keeps up)"
fi
if kill -0 "$pid" 2>/dev/null; then
  peak=$(awk '/VmHWM/ { printf "%.1f", $2/1024 }' "/proc/$pid/status")
  echo "server alive: yes; peak RSS (VmHWM) ${peak} MiB; now $(awk '/RssAnon|RssFile/ { printf "%s %.1f MiB ", $1, $2/1024 }' "/proc/$pid/status")"
  if [ -n "$nmt" ]; then
    "${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/jcmd" "$pid" VM.native_memory summary \
      | grep -E "^-|committed=" | grep -E "Total|Java Heap|Class|Thread|Code|GC|Compiler|Internal|Other|Symbol|Arena|Shared|Metaspace|NIO" | sed -n 1,30p
  fi
else
  echo "server alive: NO"; tail -5 "$log"
fi
echo "server counted: $(curl -fs "http://127.0.0.1:$mport/metrics" | awk -F'[{}"]' '/^echo_http_errors_total/ && $NF+0 > 0 { printf "%s=%d ", $3, $NF }')"
[ -z "$cpucg" ] || echo "cpu cgroup: throttled $(awk '$1 == "nr_throttled" { t = $2 } $1 == "nr_periods" { p = $2 } END { printf "%d of %d periods", t, p }' "$cpucg/cpu.stat")"
echo "cgroup: peak usage $(awk '{ printf "%.1f", $1/1048576 }' "$cg/memory.max_usage_in_bytes") MiB," \
  "OOM kills $(awk '$1 == "oom_kill" { print $2 }' "$cg/memory.oom_control")"
