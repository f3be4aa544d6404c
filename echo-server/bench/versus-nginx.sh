#!/usr/bin/env bash
# echo-server against nginx on the same pinned core: /healthz against nginx's `return 200 '{"status":"ok"}'`, and
# /echo 1 KiB against the nginx echo module (`echo_read_request_body; echo_request_body;`). Prints figures; never
# fails on a timing (exit 0 unless a server fails to start).
#
#   echo-server/bench/versus-nginx.sh [seconds-per-round]      (default 10)
#
# A script of its own next to bench.sh rather than more of bench.sh: bench.sh measures one server on both cores
# (start-up, 64 KiB bodies, wrk with 2 threads, peak RSS) and its figures are quoted in docs/echo-server.md as they
# are; this one needs another layout (each server alone on core 1, wrk alone on core 0, nginx as the yardstick,
# rounds that alternate between servers, medians), so it would have changed what every existing bench.sh figure means.
#
# What it does:
#   - installs nginx, libnginx-mod-http-echo and wrk (Debian packages) when missing; no nginx service is started
#     (a policy-rc.d that forbids it is put in place for the install when the system has none);
#   - writes its own nginx config in a temp dir: worker_processes 1, listen 127.0.0.1 only, access_log off (nginx
#     logs nothing per request; echo-server at LOG_LEVEL=info writes one access-log line per /echo request to a file,
#     at warn none), keepalive_requests 1000000 (echo-server never closes a keep-alive connection by count either);
#     nginx runs in the foreground (`daemon off`) with its pid file and temp paths in that dir;
#   - runs echo-server from echo-server/target/echo-server.jar with the image's JVM flags (read from
#     deploy/images/echo-server/Dockerfile) plus -XX:MaxRAM=128m (the container limit), on the jlinked runtime with
#     its AOT cache when RUNTIME_DIR (default /tmp/es-image, made by image-size.sh) holds them, else Temurin 25;
#     rate limits raised, BIND_ADDRESS 127.0.0.1;
#   - pins each server to core 1 (taskset -c 1) and wrk to core 0 (taskset -c 0 wrk -t1 -c256); one server runs
#     at a time. Each round starts every server in turn, warms it up (BENCH_WARMUP seconds per endpoint, default 5,
#     not reported), measures its endpoints for seconds-per-round each, and stops it; rounds alternate the order
#     (ABC, CBA, ...) so that a drift of the background load does not favour one server. The last round also runs
#     each endpoint at 1000 connections (BENCH_WIDE_SECONDS, default 5) and reports errors;
#   - prints one table of medians over the rounds (req/s, p50, p99, p99.9 from wrk's own latency histogram,
#     errors = non-2xx + socket errors summed over the rounds, ratio of req/s to the nginx counterpart), with the
#     server's CPU time per request (all its threads; robust to the share of the core it got) and the
#     per-round req/s beside it, then the 1000-connection table, and the load average before and after.
#
# Servers (BENCH_SERVERS chooses and orders them; default "nginx es-info es-warn"):
#   nginx     static /healthz and /echo 1 KiB
#   es-info   echo-server at LOG_LEVEL=info (the default): /healthz and /echo 1 KiB
#   es-warn   echo-server at LOG_LEVEL=warn (no access-log line for a successful request): /echo 1 KiB
#   bare      Undertow alone with echo-server's thread counts (BareUndertow.java, from A's jar, on Temurin 25
#             without an AOT cache, the image's JVM flags): /healthz from a constant buffer, the floor any
#             Undertow-based server pays per request before its own work; /echo read and written back unvalidated
#             with Undertow's Receiver and Sender (not a floor: echo-server's own body path costs less);
#             BENCH_FLAGS_BARE: JVM flags added after the image's (e.g. C2: -XX:TieredStopAtLevel=4)
#   esB-info, esB-warn: the same with a second build or flags, for an A/B comparison in the same run:
#     BENCH_RUNTIME_B (a directory made by image-size.sh: its runtime, jar and AOT cache) or BENCH_JAR_B (a jar,
#     run on Temurin 25 without an AOT cache); default A's runtime and jar; BENCH_AOT_B=none drops the AOT cache
#     (Temurin 25) for the same jar. BENCH_FLAGS_B: JVM flags added after the image's; BENCH_ENV_B: VAR=value words
#     put in B's environment. BENCH_FLAGS / BENCH_ENV do the same for A; BENCH_JAR sets A's jar (Temurin 25, no AOT
#     cache) and BENCH_AOT=0 runs A's default jar that way.
# Other knobs: BENCH_ROUNDS (2), BENCH_SERVER_CPU (1), BENCH_WRK_CPU (0), BENCH_CONNECTIONS (256), BENCH_KEEP=1
# keeps the temp dir (server logs, wrk output) and prints its path.
set -uo pipefail
set -f  # no globbing: the JVM flags contain a CompileCommand method pattern (*.*)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${1:-10}
rounds=${BENCH_ROUNDS:-2}
warmup=${BENCH_WARMUP:-5}
wide=${BENCH_WIDE_SECONDS:-5}
conns=${BENCH_CONNECTIONS:-256}
server_cpu=${BENCH_SERVER_CPU:-1}
wrk_cpu=${BENCH_WRK_CPU:-0}
servers=${BENCH_SERVERS:-nginx es-info es-warn}
runtime_dir=${RUNTIME_DIR:-/tmp/es-image}
dockerfile="$root/deploy/images/echo-server/Dockerfile"
jvm_flags=$(sed -n 's/^ARG JAVA_FLAGS="\(.*\)"$/\1/p' "$dockerfile")
arenas=$(sed -n 's/^ *MALLOC_ARENA_MAX=\([0-9]*\).*/\1/p' "$dockerfile")
memory=${BENCH_MEMORY:-128m}
temurin=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
echo_module=/usr/lib/nginx/modules/ngx_http_echo_module.so

# ---- what it needs -------------------------------------------------------------------------------------------------
need=()
command -v nginx >/dev/null || need+=(nginx)
[ -f "$echo_module" ] || need+=(libnginx-mod-http-echo)
command -v wrk >/dev/null || need+=(wrk)
command -v taskset >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then  # Debian's nginx package starts a system nginx unless this says no
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=1
  fi
  apt-get update >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || echo "apt-get install ${need[*]} failed" >&2
  [ -n "$policy" ] && rm -f /usr/sbin/policy-rc.d
fi
for tool in nginx wrk taskset curl python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
[ -f "$echo_module" ] || { echo "missing: $echo_module (libnginx-mod-http-echo)" >&2; exit 1; }
if [ "$(nproc)" -lt 2 ]; then
  echo "only $(nproc) core: server and wrk share core 0"; server_cpu=0; wrk_cpu=0
fi

jar_a=${BENCH_JAR:-$root/echo-server/target/echo-server.jar}
[ -f "$jar_a" ] || (cd "$root" && mvn -B -q -pl echo-server -am package -DskipTests)
[ -f "$jar_a" ] || { echo "no jar: $jar_a" >&2; exit 1; }
java_a=$temurin; aot_a=(); runtime_a="Temurin 25 JDK, no AOT cache"
if [ "${BENCH_AOT:-1}" != 0 ] && [ -z "${BENCH_JAR:-}" ] && [ -x "$runtime_dir/runtime/bin/java" ] \
    && [ -f "$runtime_dir/app/echo-server.aot" ]; then
  java_a="$runtime_dir/runtime/bin/java"; aot_a=(-XX:AOTCache="$runtime_dir/app/echo-server.aot")
  jar_a="$runtime_dir/app/echo-server.jar"; runtime_a="jlinked ($runtime_dir) with AOT cache"
fi
jar_b=${BENCH_JAR_B:-$jar_a}
java_b=$temurin; aot_b=(); runtime_b="Temurin 25 JDK, no AOT cache"
if [ -n "${BENCH_RUNTIME_B:-}" ]; then
  java_b="$BENCH_RUNTIME_B/runtime/bin/java"; jar_b="$BENCH_RUNTIME_B/app/echo-server.jar"
  aot_b=(-XX:AOTCache="$BENCH_RUNTIME_B/app/echo-server.aot"); runtime_b="jlinked ($BENCH_RUNTIME_B) with AOT cache"
elif [ "$jar_b" = "$jar_a" ] && [ "${BENCH_AOT_B:-}" != none ]; then
  java_b=$java_a; aot_b=("${aot_a[@]}"); runtime_b=$runtime_a
fi
[ -f "$jar_b" ] || { echo "no jar: $jar_b" >&2; exit 1; }

tmp=$(mktemp -d /tmp/versus-nginx.XXXXXX)
chmod 755 "$tmp"
pid=
stop_server() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=
}
cleanup() {
  stop_server
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); mport=$(free_port)

# ---- request bodies and wrk scripts --------------------------------------------------------------------------------
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
size = 1024
body = '{"payload":"' + "x" * (size - len('{"payload":""}')) + '"}'
assert len(body) == size
open(f"{d}/body-1k.json", "w").write(body)
# done() prints every figure the table needs on one line; no response() function (it would slow wrk down).
done = '''
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
'''
open(f"{d}/get.lua", "w").write(done)
with open(f"{d}/echo-1k.lua", "w") as f:
    f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
    f.write("wrk.body = " + json.dumps(body) + "\n" + done)
PY

# ---- nginx ---------------------------------------------------------------------------------------------------------
mkdir -p "$tmp/nginx"
for d in body proxy fastcgi uwsgi scgi; do mkdir -p "$tmp/nginx/$d"; done
chown -R nobody "$tmp/nginx" 2>/dev/null
cat >"$tmp/nginx/nginx.conf" <<EOF
load_module $echo_module;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
worker_rlimit_nofile 8192;
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  server {
    listen 127.0.0.1:$port backlog=1024;
    default_type application/json;
    location = /healthz { return 200 '{"status":"ok"}'; }
    location = /echo {
      client_max_body_size 1m;
      client_body_buffer_size 16k;
      echo_read_request_body;
      echo_request_body;
    }
  }
}
EOF

# ---- servers -------------------------------------------------------------------------------------------------------
endpoints_of() { # server -> its targets
  case $1 in
    nginx) echo "nginx-static nginx-echo" ;;
    es-info) echo "es-info-healthz es-info-echo" ;;
    es-warn) echo "es-warn-echo" ;;
    esB-info) echo "esB-info-healthz esB-info-echo" ;;
    esB-warn) echo "esB-warn-echo" ;;
    bare) echo "bare-healthz bare-echo" ;;
    *) echo "unknown server: $1" >&2; return 1 ;;
  esac
}
counterpart() { case $1 in *healthz) echo nginx-static ;; *echo) echo nginx-echo ;; *) echo "" ;; esac; }
label() {
  case $1 in
    nginx-static) echo "nginx static /healthz" ;;
    nginx-echo) echo "nginx echo 1 KiB" ;;
    es-info-healthz) echo "echo-server /healthz (info)" ;;
    es-info-echo) echo "echo-server /echo 1 KiB (info)" ;;
    es-warn-echo) echo "echo-server /echo 1 KiB (warn)" ;;
    esB-info-healthz) echo "B: echo-server /healthz (info)" ;;
    esB-info-echo) echo "B: echo-server /echo 1 KiB (info)" ;;
    esB-warn-echo) echo "B: echo-server /echo 1 KiB (warn)" ;;
    bare-healthz) echo "bare Undertow /healthz (floor)" ;;
    bare-echo) echo "bare Undertow /echo 1 KiB (its API)" ;;
  esac
}

wait_ready() { # url: until it answers 200, at most 30 s, while $pid lives
  local url=$1 deadline=$((SECONDS + 30))
  until curl -fs -o /dev/null "$url" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ] || return 1
    sleep 0.02
  done
}

start_server() { # server
  local s=$1 level variant java jar flags extra_env
  if [ "$s" = nginx ]; then
    taskset -c "$server_cpu" nginx -c "$tmp/nginx/nginx.conf" -g 'daemon off;' >"$tmp/nginx.out" 2>&1 &
    pid=$!
    wait_ready "http://127.0.0.1:$port/healthz" || { echo "nginx did not start:" >&2; cat "$tmp/nginx.out" \
      "$tmp/nginx/error.log" >&2 2>/dev/null; return 1; }
    return 0
  fi
  if [ "$s" = bare ]; then
    # shellcheck disable=SC2086
    env MALLOC_ARENA_MAX="$arenas" taskset -c "$server_cpu" "$temurin" $jvm_flags -XX:MaxRAM="$memory" \
      ${BENCH_FLAGS_BARE:-} -cp "$jar_a" "$here/BareUndertow.java" "$port" >"$tmp/bare.out" 2>"$tmp/bare.err" &
    pid=$!
    wait_ready "http://127.0.0.1:$port/healthz" || { echo "bare did not start:" >&2; cat "$tmp/bare.err" >&2; return 1; }
    return 0
  fi
  level=${s#*-}; variant=${s%%-*}
  if [ "$variant" = esB ]; then
    java=$java_b; jar=$jar_b; flags=${BENCH_FLAGS_B:-}; extra_env=${BENCH_ENV_B:-}; aot=("${aot_b[@]}")
  else
    java=$java_a; jar=$jar_a; flags=${BENCH_FLAGS:-}; extra_env=${BENCH_ENV:-}; aot=("${aot_a[@]}")
  fi
  # shellcheck disable=SC2086
  env BIND_ADDRESS=127.0.0.1 PORT="$port" MANAGEMENT_PORT="$mport" LOG_LEVEL="$level" RATE_LIMIT_RPS=1000000 \
    RATE_LIMIT_BURST=1000000 HEALTH_RATE_LIMIT_RPM=1000000 SHUTDOWN_DELAY=0 SHUTDOWN_TIMEOUT=1s \
    MAX_CONNECTIONS_PER_CLIENT=16384 MALLOC_ARENA_MAX="$arenas" $extra_env \
    taskset -c "$server_cpu" "$java" $jvm_flags -XX:MaxRAM="$memory" "${aot[@]}" $flags -jar "$jar" \
    >"$tmp/$s.out" 2>"$tmp/$s.err" &
  pid=$!
  wait_ready "http://127.0.0.1:$port/healthz" || { echo "$s did not start:" >&2; cat "$tmp/$s.err" >&2; return 1; }
}

# wrk on its core; bounded in time (timeout kills a wrk that does not end). Prints the RESULT line (or nothing).
wrk_run() { # target connections seconds
  local t=$1 c=$2 d=$3 path script
  case $t in *static|*healthz) path=/healthz; script=$tmp/get.lua ;; *) path=/echo; script=$tmp/echo-1k.lua ;; esac
  timeout -k 5 $((d + 20)) taskset -c "$wrk_cpu" wrk -t1 -c"$c" -d"${d}s" --timeout 5s --latency -s "$script" \
    "http://127.0.0.1:$port$path" >"$tmp/wrk.out" 2>&1
  grep '^RESULT' "$tmp/wrk.out" | tail -1
}

# Sanity: each server answers /echo with the body byte for byte (checked once per server, first round).
check_echo() { # server
  curl -fs -XPOST -H 'Content-Type: application/json' --data-binary "@$tmp/body-1k.json" \
    "http://127.0.0.1:$port/echo" -o "$tmp/echoed" && cmp -s "$tmp/body-1k.json" "$tmp/echoed" \
    || echo "  warning: $1 did not echo the body byte for byte"
}

hz=$(getconf CLK_TCK)
server_ticks() { # CPU ticks used so far by the running server: the process and its children (nginx's worker)
  local p
  for p in $pid $(pgrep -P "$pid"); do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null; done | awk '{ s += $1 } END { print s + 0 }'
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine:   $(nproc) cores; load average before $(loadavg)"
echo "nginx:     $(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes 1, access_log off, keepalive_requests 1000000"
echo "A:         $runtime_a; $jar_a${BENCH_FLAGS:+; flags $BENCH_FLAGS}${BENCH_ENV:+; env $BENCH_ENV}"
case " $servers " in *" esB-"*)
  echo "B:         $runtime_b; $jar_b${BENCH_FLAGS_B:+; flags $BENCH_FLAGS_B}${BENCH_ENV_B:+; env $BENCH_ENV_B}" ;;
esac
case " $servers " in *" bare "*)
  echo "bare:      $temurin; BareUndertow.java on $jar_a${BENCH_FLAGS_BARE:+; flags $BENCH_FLAGS_BARE}" ;;
esac
echo "JVM flags: $jvm_flags -XX:MaxRAM=$memory (MALLOC_ARENA_MAX=$arenas)"
echo "layout:    servers on core $server_cpu, wrk -t1 on core $wrk_cpu; $rounds rounds of ${duration}s per target at" \
  "$conns connections after a ${warmup}s warm-up per endpoint; ${wide}s at 1000 connections in the last round"

read -r -a order <<<"$servers"
for server in "${order[@]}"; do endpoints_of "$server" >/dev/null || exit 1; done
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 0 ]; then
    list=(); for ((k = ${#order[@]} - 1; k >= 0; k--)); do list+=("${order[k]}"); done
  else
    list=("${order[@]}")
  fi
  for server in "${list[@]}"; do
    start_server "$server" || exit 1
    [ "$round" = 1 ] && case $server in nginx|es*|bare) check_echo "$server" ;; esac
    for t in $(endpoints_of "$server"); do
      [ "$warmup" != 0 ] && wrk_run "$t" "$conns" "$warmup" >/dev/null
    done
    for t in $(endpoints_of "$server"); do
      before=$(server_ticks)
      r=$(wrk_run "$t" "$conns" "$duration")
      after=$(server_ticks)
      # field 13: the server's CPU time (all its threads and processes) per request, in microseconds
      [ -n "$r" ] && r="$r $(awk -v r="${r#RESULT }" -v t=$((after - before)) -v hz="$hz" 'BEGIN { split(r, f, " "); printf "%.1f", f[1] ? t * 1e6 / hz / f[1] : 0 }')"
      echo "$r" >>"$tmp/$t.results"
      printf 'round %d  %-34s %s\n' "$round" "$(label "$t")" \
        "$(awk '{ if (NF < 12) { print "no result"; exit } printf "%.0f req/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, errors %d, server CPU %s us/req", $2 / ($3 / 1e6), $4 / 1000, $5 / 1000, $6 / 1000, $8 + $9 + $10 + $11 + $12, $13 }' <<<"${r:-x}")"
    done
    if [ "$round" = "$rounds" ] && [ "$wide" != 0 ]; then
      for t in $(endpoints_of "$server"); do
        wrk_run "$t" 1000 "$wide" >>"$tmp/$t.wide"
      done
    fi
    stop_server
  done
done

# ---- tables --------------------------------------------------------------------------------------------------------
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" 'NF >= 13 { if (c == "rps") print $2 / ($3 / 1e6); else if (c == "err") print $8 + $9 + $10 + $11 + $12; else if (c == "cpu") print $13; else print $c / 1000 }' "$1"; }
declare -A rps
for server in "${order[@]}"; do
  for t in $(endpoints_of "$server"); do
    [ -s "$tmp/$t.results" ] && rps[$t]=$(col "$tmp/$t.results" rps | median)
  done
done
echo
echo "load average after: $(loadavg)"
echo
echo "$conns connections, ${duration}s rounds, medians over $rounds rounds (wrk -t1 on core $wrk_cpu, server on core $server_cpu):"
echo
printf '| %-34s | %7s | %9s | %9s | %9s | %6s | %8s | %10s | %s |\n' target req/s p50 p99 p99.9 errors "vs nginx" \
  "CPU us/req" "req/s per round"
printf '|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s|\n' "$(printf -- '-%.0s' {1..36})" "--------" "----------" "----------" \
  "----------" "-------" "---------" "-----------" "-----------------"
for server in "${order[@]}"; do
  for t in $(endpoints_of "$server"); do
    f=$tmp/$t.results
    [ -s "$f" ] || { printf '| %-34s | no result |\n' "$(label "$t")"; continue; }
    ratio=""
    base=$(counterpart "$t")
    if [ "${t#nginx}" = "$t" ] && [ -n "${rps[$base]:-}" ]; then
      ratio=$(awk -v a="${rps[$t]}" -v b="${rps[$base]}" 'BEGIN { printf "%.2f", a / b }')
    fi
    printf '| %-34s | %7.0f | %6.2f ms | %6.2f ms | %6.2f ms | %6d | %8s | %10.1f | %s |\n' "$(label "$t")" "${rps[$t]}" \
      "$(col "$f" 4 | median)" "$(col "$f" 5 | median)" "$(col "$f" 6 | median)" \
      "$(col "$f" err | awk '{ s += $1 } END { print s + 0 }')" "$ratio" "$(col "$f" cpu | median)" "$(col "$f" rps | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }')"
  done
done
if [ "$wide" != 0 ]; then
  echo
  echo "1000 connections, one ${wide}s round each (last round):"
  echo
  printf '| %-34s | %7s | %9s | %9s | %s |\n' target req/s p99 max "errors (connect read write timeout non-2xx)"
  printf '|%s|%s:|%s:|%s:|%s|\n' "$(printf -- '-%.0s' {1..36})" "--------" "----------" "----------" "---------------------"
  for server in "${order[@]}"; do
    for t in $(endpoints_of "$server"); do
      f=$tmp/$t.wide
      if [ -s "$f" ]; then
        awk -v l="$(label "$t")" 'NF >= 12 { printf "| %-34s | %7.0f | %6.2f ms | %6.2f ms | %d (%d %d %d %d %d) |\n", l, $2 / ($3 / 1e6), $5 / 1000, $7 / 1000, $8 + $9 + $10 + $11 + $12, $8, $9, $10, $12, $11 }' "$f"
      else
        printf '| %-34s | no result |\n' "$(label "$t")"
      fi
    done
  done
fi
for server in "${order[@]}"; do
  case $server in es*) [ -f "$tmp/$server.out" ] && n=$(grep -c '"level":"ERROR"' "$tmp/$server.out") && [ "$n" != 0 ] \
    && echo "$server: $n ERROR log lines" ;; esac
done
exit 0 # figures only: a slow or noisy run is never a failure
