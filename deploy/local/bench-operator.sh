#!/usr/bin/env bash
# Scale benchmark of the operator on the local control plane (deploy/local/cluster.sh): N EchoServices applied at once,
# time to all Ready with the operator running outside the cluster as the chart's ServiceAccount, compared with the
# same children (rendered by `echo-operator.jar --render`) applied directly; idle writes, peak RSS and reconcile
# latency. See docs/operator-scale.md.
#
# usage: deploy/local/bench-operator.sh
# Environment: N (500) EchoServices, spread over NAMESPACES (10) namespaces; IDLE_SECONDS (60) of the idle window;
#   RESYNC_INTERVAL (30s) of the operator, so that every EchoService is reconciled at least once in the idle window;
#   CONVERGE_TIMEOUT (900) seconds allowed for each convergence; BENCH_CLUSTER_NAME (echo-bench) names the kwok
#   cluster; ECHO_CLUSTER_NODES (enough for 2 N pods at 110 a node) its kwok nodes; BENCH_KEEP_CLUSTER=1 keeps it
#   (and the work directory) instead of deleting it.
# Prints figures; a slow run is never an error. Exit status is non-zero only when something fails (cluster, chart,
# operator start, an apply, a convergence timeout). The last line is exactly:
#   converge_ratio=R idle_writes=W rss_mib=M n=N
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/e2e-lib.sh
source "${BENCH_DIR}/e2e-lib.sh" # tools, chart install, operator helpers

N="${N:-500}"
NAMESPACES="${NAMESPACES:-10}"
IDLE_SECONDS="${IDLE_SECONDS:-60}"
RESYNC_INTERVAL="${RESYNC_INTERVAL:-30s}"
CONVERGE_TIMEOUT="${CONVERGE_TIMEOUT:-900}"
for v in N NAMESPACES IDLE_SECONDS CONVERGE_TIMEOUT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "${v} must be a positive integer, got '${!v}'"
done
((NAMESPACES <= N)) || die "NAMESPACES (${NAMESPACES}) must not exceed N (${N})"

MGMT_PORT=18191
# The operator image runs on a Temurin 25 runtime (deploy/images/operator/Dockerfile): the bench uses the same major
# version when it is installed (OPERATOR_JAVA overrides), else the default java.
OPERATOR_JAVA="${OPERATOR_JAVA:-$([[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]] && echo /usr/lib/jvm/temurin-25-jdk-amd64/bin/java || command -v java)}"
OPERATOR_JVM_FLAGS=()     # chart_jvm_flags, set in main
MALLOC_ARENA_MAX_CHART="" # the chart's MALLOC_ARENA_MAX, set in main
OP_PREFIX="bench-op"
DIRECT_PREFIX="bench-direct"
OPERATOR_PID=""
SAMPLER_PID=""

bench_cleanup() {
  local rc=$?
  set +e
  [[ -n "${SAMPLER_PID}" ]] && kill "${SAMPLER_PID}" 2> /dev/null
  if [[ -n "${OPERATOR_PID}" ]] && kill -0 "${OPERATOR_PID}" 2> /dev/null; then
    kill "${OPERATOR_PID}"
    wait_until 20 "operator exit" bash -c "! kill -0 ${OPERATOR_PID}" > /dev/null || kill -KILL "${OPERATOR_PID}"
  fi
  if [[ "${BENCH_KEEP_CLUSTER:-0}" == 1 ]]; then
    log "BENCH_KEEP_CLUSTER=1: cluster ${ECHO_CLUSTER_NAME} kept; KUBECONFIG=${KUBECONFIG_FILE}; files in ${WORK}"
  else
    "${BENCH_DIR}/cluster.sh" down > "${WORK}/cluster-down.log" 2>&1 || { log "cluster down failed:"; cat "${WORK}/cluster-down.log" >&2; rc=1; }
    if ((rc == 0)); then rm -rf "${WORK}"; else log "files kept in ${WORK}"; fi
  fi
  exit "${rc}"
}

# gen_namespaces <prefix>: NAMESPACES Namespace documents.
gen_namespaces() {
  local i
  for ((i = 0; i < NAMESPACES; i++)); do
    printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s-%02d\n  labels:\n    echo-bench: "%s"\n' "$1" "${i}" "$1"
  done
}

# gen_echoservices <prefix>: N EchoServices, round-robin over the namespaces. One replica each, no autoscaling (the
# defaults otherwise: ConfigMap, Deployment, Service, NetworkPolicy, PodDisruptionBudget).
gen_echoservices() {
  local i
  for ((i = 0; i < N; i++)); do
    printf -- '---\napiVersion: echo.platform.dev/v1alpha1\nkind: EchoService\nmetadata:\n  name: echo-%04d\n  namespace: %s-%02d\nspec:\n  replicas: 1\n' \
      "${i}" "$1" "$((i % NAMESPACES))"
  done
}

# count_ready_echoservices / count_available_deployments <prefix>: how many are done in the prefix's namespaces.
count_ready_echoservices() {
  k get echoservices -A -o json | jq --arg p "$1-" '[.items[] | select(.metadata.namespace | startswith($p))
    | select(.status.conditions // [] | any(.type == "Ready" and .status == "True"))] | length'
}
count_available_deployments() {
  k get deployments -A -o json | jq --arg p "$1-" '[.items[] | select(.metadata.namespace | startswith($p))
    | select(.status.conditions // [] | any(.type == "Available" and .status == "True"))] | length'
}

# time_until_all <counter> <prefix>: polls every second until the counter reaches N; prints the seconds (0.1 s resolution)
# since START_NS. Fails after CONVERGE_TIMEOUT.
time_until_all() {
  local counter=$1 prefix=$2 done_count=0 last=-1
  local deadline=$((SECONDS + CONVERGE_TIMEOUT))
  while :; do
    done_count="$("${counter}" "${prefix}" 2> /dev/null || echo "${last}")"
    ((done_count >= N)) && break
    if ((done_count != last)); then
      log "${prefix}: ${done_count}/${N} after $(elapsed)s"
      last=${done_count}
    fi
    ((SECONDS < deadline)) || { log "${prefix}: only ${done_count}/${N} done after ${CONVERGE_TIMEOUT}s"; return 1; }
    sleep 1
  done
  elapsed
}
elapsed() { awk -v now="$(date +%s%N)" -v start="${START_NS}" 'BEGIN { printf "%.1f\n", (now - start) / 1e9 }'; }

# apiserver_writes: cumulative write requests (verbs POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION) per
# resource/subresource/verb, from kube-apiserver's apiserver_request_total, for the kinds the operator writes.
apiserver_writes() {
  k get --raw /metrics | awk '
    /^apiserver_request_total\{/ {
      if ($0 !~ /verb="(POST|PUT|PATCH|APPLY|DELETE|DELETECOLLECTION)"/) next
      if ($0 !~ /resource="(echoservices|configmaps|services|deployments|networkpolicies|poddisruptionbudgets|horizontalpodautoscalers|events)"/) next
      match($0, /resource="[^"]*"/); r = substr($0, RSTART + 10, RLENGTH - 11)
      s = ""; if (match($0, /subresource="[^"]*"/)) s = substr($0, RSTART + 13, RLENGTH - 14)
      match($0, /verb="[^"]*"/); v = substr($0, RSTART + 6, RLENGTH - 7)
      n[r (s == "" ? "" : "/" s) " " v] += $NF
    }
    END { for (key in n) printf "%s %d\n", key, n[key] }' | sort
}

sample_rss() { # background: VmRSS of the operator every 0.5 s, the maximum in ${WORK}/rss-peak-kib
  local peak=0 rss
  while kill -0 "${OPERATOR_PID}" 2> /dev/null; do
    rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/${OPERATOR_PID}/status" 2> /dev/null || echo 0)"
    ((rss > peak)) && { peak=${rss}; echo "${peak}" > "${WORK}/rss-peak-kib"; }
    sleep 0.5
  done
}

# reconcile_latency: from the operator's /metrics, java-operator-sdk's reconcile timer
# (operator_sdk_controllers_execution_reconcile_seconds, a histogram): p50 and p99 interpolated within the buckets as
# Prometheus' histogram_quantile does, the count and mean, and the maximum of the last window.
reconcile_latency() {
  curl -fsS "http://127.0.0.1:${MGMT_PORT}/metrics" > "${WORK}/operator-metrics.txt"
  awk '
    function le_value(k) { return k == "+Inf" ? 1e300 : k + 0 }
    function quantile(p,   i, k, rank, lo, prev) {
      rank = p * c; prev = 0; lo = 0
      for (i = 1; i <= n; i++) {
        k = les[i]
        if (b[k] >= rank) {
          if (k == "+Inf") return lo
          return (b[k] == prev) ? le_value(k) : lo + (le_value(k) - lo) * (rank - prev) / (b[k] - prev)
        }
        prev = b[k]; lo = le_value(k)
      }
      return lo
    }
    /^operator_sdk_controllers_execution_reconcile_seconds_bucket\{/ {
      match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
      if (!(le in b)) les[++n] = le
      b[le] += $NF
    }
    /^operator_sdk_controllers_execution_reconcile_seconds_count\{/ { c += $NF }
    /^operator_sdk_controllers_execution_reconcile_seconds_sum\{/ { s += $NF }
    /^operator_sdk_controllers_execution_reconcile_seconds_max\{/ { if ($NF > m) m = $NF }
    END {
      if (c == 0) { print "reconcile latency: no reconciles in the operator metrics"; exit }
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
        if (le_value(les[j]) < le_value(les[i])) { t = les[i]; les[i] = les[j]; les[j] = t }
      if (n == 0) { printf "reconcile latency: mean %.1f ms over %d reconciles (no histogram buckets)\n", s / c * 1000, c; exit }
      printf "reconcile latency: p50 %.1f ms, p99 %.1f ms, mean %.1f ms over %d reconciles (max %.1f ms in the last window)\n",
        quantile(0.5) * 1000, quantile(0.99) * 1000, s / c * 1000, c, m * 1000
    }' "${WORK}/operator-metrics.txt"
}

# operator_writes: the write requests the operator has sent, per method and resource, from its own counter
# echo_operator_kubernetes_writes_total (every request but GET on its client).
operator_writes() {
  curl -fsS "http://127.0.0.1:${MGMT_PORT}/metrics" | awk '
    /^echo_operator_kubernetes_writes_total\{/ {
      match($0, /method="[^"]*"/); m = substr($0, RSTART + 8, RLENGTH - 9)
      match($0, /resource="[^"]*"/); r = substr($0, RSTART + 10, RLENGTH - 11)
      n[r " " m] += $NF
    }
    END { for (k in n) printf "%s %d\n", k, n[k] }' | sort
}

# write_delta <before> <after>: prints the increase per key on stderr ("  key count") and the total on stdout.
write_delta() {
  join -a 2 -e 0 -o '0,1.2,2.2' <(sed 's/ /:/' "$1" | sort) <(sed 's/ /:/' "$2" | sort) \
    | awk '{ d = $3 - $2; if (d > 0) { printf "  %s %d\n", $1, d > "/dev/stderr"; t += d } } END { print t + 0 }'
}

# reconcile_count: reconciles the operator has finished (the count of its reconcile timer).
reconcile_count() {
  curl -fsS "http://127.0.0.1:${MGMT_PORT}/metrics" \
    | awk '/^operator_sdk_controllers_execution_reconcile_seconds_count\{/ { c += $NF } END { printf "%d\n", c }'
}

# chart_jvm_flags: the operator container's JAVA_TOOL_OPTIONS as the chart renders them, for a process outside a
# container: the RAM percentages become the heap sizes they give under the chart's memory limit, and the CPU limit
# becomes -XX:ActiveProcessorCount (the JVM's view in the pod, from which it also picks its garbage collector).
chart_jvm_flags() {
  local rendered opts mem cpu mem_mib
  rendered="$(chart_deployment)" || return 1
  opts="$(chart_env JAVA_TOOL_OPTIONS)"
  mem="$(awk '/limits:/ { l = 1 } l && /memory:/ { v = $2; gsub(/"/, "", v); print v; exit }' <<< "${rendered}")"
  cpu="$(awk '/limits:/ { l = 1 } l && /cpu:/ { v = $2; gsub(/"/, "", v); print v; exit }' <<< "${rendered}")"
  case "${mem}" in
    *Mi) mem_mib=${mem%Mi} ;;
    *Gi) mem_mib=$((${mem%Gi} * 1024)) ;;
    *) echo "cannot read the chart's memory limit (got '${mem}')" >&2; return 1 ;;
  esac
  [[ "${cpu}" =~ ^[0-9]+$ ]] || { echo "cannot read the chart's CPU limit as whole CPUs (got '${cpu}')" >&2; return 1; }
  [[ -n "${opts}" ]] || { echo "cannot read JAVA_TOOL_OPTIONS from the chart" >&2; return 1; }
  awk -v lim="${mem_mib}" -v cpu="${cpu}" '{
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^-XX:MaxRAMPercentage=/) { split($i, a, "="); $i = sprintf("-Xmx%dm", lim * a[2] / 100) }
        else if ($i ~ /^-XX:InitialRAMPercentage=/) { split($i, a, "="); $i = sprintf("-Xms%dm", lim * a[2] / 100) }
      }
      print $0, "-XX:ActiveProcessorCount=" cpu
    }' <<< "${opts}"
}

# chart_deployment: the chart's operator Deployment as helm renders it (rendered once, kept in ${WORK}).
chart_deployment() {
  local rendered="${WORK}/chart-deployment.yaml"
  if [[ ! -s "${rendered}" ]]; then
    "${HELM}" template bench "${CHART_DIR}" --namespace "${OPERATOR_NS}" --kube-version "${K8S_VERSION}" \
      --show-only templates/deployment.yaml > "${rendered}" || { rm -f "${rendered}"; return 1; }
  fi
  cat "${rendered}"
}

# chart_env <name>: the value of the operator container's environment variable <name> in the chart ("" if unset).
chart_env() {
  chart_deployment | awk -v n="$1" '
    $0 ~ "name: " n "$" { getline; if ($1 == "value:") { sub(/^ *value: /, ""); gsub(/"/, ""); print }; exit }'
}

# native_memory: with BENCH_NMT=1, the JVM's committed memory per category (native memory tracking).
native_memory() {
  [[ "${BENCH_NMT:-0}" == 1 ]] || return 0
  local jcmd
  jcmd="$(dirname "$(readlink -f "${OPERATOR_JAVA}")")/jcmd"
  "${jcmd}" "${OPERATOR_PID}" VM.native_memory summary > "${WORK}/native-memory.txt" 2>&1 || { echo "native memory: jcmd failed"; return 0; }
  echo "native memory tracking (committed MiB per category):"
  awk '/^Total:/ { match($0, /committed=[0-9]+KB/); printf "  %-28s %7.1f\n", "Total", substr($0, RSTART + 10, RLENGTH - 12) / 1024 }
    /^-  *[A-Za-z]/ && /committed=/ { name = $0; sub(/^- */, "", name); sub(/ *\(.*/, "", name)
      match($0, /committed=[0-9]+KB/); printf "  %-28s %7.1f\n", name, substr($0, RSTART + 10, RLENGTH - 12) / 1024 }' \
    "${WORK}/native-memory.txt" | awk '$NF >= 1.0'
}

# live_heap: the heap left after a full collection (the live set), and the classes holding most of it.
live_heap() {
  local jcmd
  jcmd="$(dirname "$(readlink -f "${OPERATOR_JAVA}")")/jcmd"
  [[ -x "${jcmd}" ]] || { echo "live heap: no jcmd next to ${OPERATOR_JAVA}"; return 0; }
  "${jcmd}" "${OPERATOR_PID}" GC.class_histogram > "${WORK}/class-histogram.txt" 2>&1 || { echo "live heap: jcmd failed"; return 0; }
  awk '/^Total/ { printf "live heap after a full GC: %.1f MiB in %d objects\n", $3 / 1048576, $2 }' "${WORK}/class-histogram.txt"
  echo "  largest classes (MiB, instances, class):"
  awk '$1 ~ /^[0-9]+:$/ && NF >= 4 && n < 12 { printf "    %8.1f %9d  %s\n", $3 / 1048576, $2, $4; n++ }' "${WORK}/class-histogram.txt"
}

main() {
  export ECHO_CLUSTER_NAME="${BENCH_CLUSTER_NAME:-echo-bench}"
  # kwok nodes only: the benchmark measures the operator, not containers (cluster.sh defaults to a real node).
  export ECHO_CLUSTER_REAL_NODES="${ECHO_CLUSTER_REAL_NODES:-0}"
  KUBECONFIG_FILE="(cluster not up)"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/echo-bench.XXXXXX")"
  local wall_start=${SECONDS}
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM

  command -v jq > /dev/null || die "jq is required"
  ensure_jars
  ensure_helm
  # kwok nodes admit 110 pods each; both runs' pods (2 N) stay scheduled, plus room for the control plane's.
  export ECHO_CLUSTER_NODES="${ECHO_CLUSTER_NODES:-$(((2 * N + 10) / 100 + 1))}"
  log "cluster ${ECHO_CLUSTER_NAME} up (${ECHO_CLUSTER_NODES} kwok nodes)"
  "${BENCH_DIR}/cluster.sh" up > "${WORK}/cluster-up.log" 2>&1 || { cat "${WORK}/cluster-up.log" >&2; die "cluster up failed"; }
  KUBECONFIG_FILE="$("${BENCH_DIR}/cluster.sh" kubeconfig)"
  # kwokctl gives kube-apiserver a /24 service range (about 250 ClusterIPs): too small for one Service per
  # EchoService in both runs. A second ServiceCIDR (GA since Kubernetes 1.33) extends it without recreating the cluster.
  k apply --server-side -f - > /dev/null << EOF
apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata:
  name: echo-bench
spec:
  cidrs: ["10.96.0.0/16"]
EOF
  wait_until 60 "ServiceCIDR echo-bench Ready" \
    bash -c "\"${KUBECTL}\" --kubeconfig \"${KUBECONFIG_FILE}\" get servicecidr echo-bench -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"

  log "chart (CRD and RBAC) into ${OPERATOR_NS}; its operator Deployment scaled to 0"
  install_chart > "${WORK}/helm.log" 2>&1 || { cat "${WORK}/helm.log" >&2; die "helm install failed"; }
  scale_chart_operator_to_zero >> "${WORK}/helm.log" 2>&1 || { cat "${WORK}/helm.log" >&2; die "cannot scale the chart's operator to 0"; }
  write_operator_kubeconfig "${WORK}/operator.kubeconfig" > /dev/null
  local jvm_flags
  jvm_flags="$(chart_jvm_flags)" || die "cannot derive the operator's JVM flags from the chart"
  read -r -a OPERATOR_JVM_FLAGS <<< "${jvm_flags}"
  # BENCH_NMT=1: native memory tracking, printed per category at the end (costs a little memory itself).
  [[ "${BENCH_NMT:-0}" == 1 ]] && OPERATOR_JVM_FLAGS+=(-XX:NativeMemoryTracking=summary)
  MALLOC_ARENA_MAX_CHART="$(chart_env MALLOC_ARENA_MAX)"

  gen_namespaces "${OP_PREFIX}" > "${WORK}/op-namespaces.yaml"
  gen_namespaces "${DIRECT_PREFIX}" > "${WORK}/direct-namespaces.yaml"
  gen_echoservices "${OP_PREFIX}" > "${WORK}/echoservices.yaml"
  # The limit: the children the operator's own builders render for the same EchoServices, in the direct namespaces.
  gen_echoservices "${DIRECT_PREFIX}" > "${WORK}/direct-echoservices.yaml"
  java -jar "${OPERATOR_JAR}" --render "${WORK}/direct-echoservices.yaml" > "${WORK}/direct-children.yaml"
  log "rendered $(grep -c '^kind:' "${WORK}/direct-children.yaml") children for ${N} EchoServices"
  # Split per namespace for the concurrent direct applies.
  awk -v dir="${WORK}" '
    function flush(  f) {
      if (ns == "") { print "rendered object without a namespace" > "/dev/stderr"; exit 1 }
      f = dir "/direct-children-" ns ".yaml"; printf "%s", doc >> f; close(f); doc = ""
    }
    /^---/ { if (doc != "") flush(); doc = $0 "\n"; ns = ""; next }
    { doc = doc $0 "\n" }
    /^  namespace: / { ns = $2; gsub(/"/, "", ns) }
    END { if (doc != "") flush() }' "${WORK}/direct-children.yaml"
  k apply --server-side -f "${WORK}/op-namespaces.yaml" -f "${WORK}/direct-namespaces.yaml" > /dev/null
  wait_until 120 "default ServiceAccounts in the bench namespaces" \
    bash -c "[[ \$(\"${KUBECTL}\" --kubeconfig \"${KUBECONFIG_FILE}\" get serviceaccounts -A --no-headers | grep -c '^bench-') -ge $((2 * NAMESPACES)) ]]"

  # --- 1. the operator: one process, as the chart's ServiceAccount, leader election off (one replica; this keeps
  # Lease renewals out of the idle count), the chart's JVM flags.
  log "operator: $("${OPERATOR_JAVA}" -version 2>&1 | sed -n 1p), ${MALLOC_ARENA_MAX_CHART:+MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX_CHART} }java ${OPERATOR_JVM_FLAGS[*]} -jar echo-operator.jar (RECONCILE_CONCURRENCY ${RECONCILE_CONCURRENCY:-default})"
  env KUBECONFIG="${WORK}/operator.kubeconfig" LEADER_ELECTION_ENABLED=false MANAGEMENT_PORT="${MGMT_PORT}" BIND_ADDRESS=127.0.0.1 LOG_LEVEL=info \
    RESYNC_INTERVAL="${RESYNC_INTERVAL}" \
    ${RECONCILE_CONCURRENCY:+RECONCILE_CONCURRENCY="${RECONCILE_CONCURRENCY}"} \
    ${MALLOC_ARENA_MAX_CHART:+MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX_CHART}"} \
    "${OPERATOR_JAVA}" "${OPERATOR_JVM_FLAGS[@]}" -jar "${OPERATOR_JAR}" > "${WORK}/operator.log" 2>&1 < /dev/null &
  OPERATOR_PID=$!
  sample_rss &
  SAMPLER_PID=$!
  wait_until 90 "operator /readyz" operator_ready "${MGMT_PORT}" \
    || { tail -20 "${WORK}/operator.log" >&2; die "the operator did not become ready"; }

  log "operator run: applying ${N} EchoServices in ${NAMESPACES} namespaces at once"
  START_NS=$(date +%s%N)
  k apply --server-side -f "${WORK}/echoservices.yaml" > /dev/null
  local apply_op t_op
  apply_op="$(elapsed)"
  t_op="$(time_until_all count_ready_echoservices "${OP_PREFIX}")" || die "the operator did not converge"
  echo "operator: ${N} EchoServices Ready in ${t_op}s (apply returned after ${apply_op}s)"

  # --- 2. idle: nothing changes, but the operator's resyncs (RESYNC_INTERVAL) reconcile every EchoService. The
  # operator's writes, from its own counter (exact); for comparison, kube-apiserver's count of writes by all clients
  # to the kinds the operator writes.
  log "idle: counting writes for ${IDLE_SECONDS}s (operator RESYNC_INTERVAL ${RESYNC_INTERVAL})"
  sleep 5 # let the last status patches and Deployment status updates of the convergence land
  apiserver_writes > "${WORK}/writes-before.txt"
  operator_writes > "${WORK}/operator-writes-before.txt"
  local reconciles_before reconciles_idle
  reconciles_before="$(reconcile_count)"
  sleep "${IDLE_SECONDS}"
  apiserver_writes > "${WORK}/writes-after.txt"
  operator_writes > "${WORK}/operator-writes-after.txt"
  reconciles_idle=$(($(reconcile_count) - reconciles_before))
  local idle_writes all_writes
  idle_writes="$(write_delta "${WORK}/operator-writes-before.txt" "${WORK}/operator-writes-after.txt" 2> "${WORK}/idle-breakdown.txt")"
  all_writes="$(write_delta "${WORK}/writes-before.txt" "${WORK}/writes-after.txt" 2> "${WORK}/idle-breakdown-all.txt")"
  echo "idle: ${reconciles_idle} reconciles (resyncs) in ${IDLE_SECONDS}s"
  echo "idle: the operator sent ${idle_writes} write requests in ${IDLE_SECONDS}s" \
    "($(awk '{ t += $3 } END { print t + 0 }' "${WORK}/operator-writes-before.txt") before, during the convergence)"
  cat "${WORK}/idle-breakdown.txt"
  echo "idle: kube-apiserver counted ${all_writes} write requests by all clients to those kinds in the same window"
  cat "${WORK}/idle-breakdown-all.txt"

  reconcile_latency
  local rss_kib rss_mib
  rss_kib="$(awk '/^VmHWM:/ { print $2 }' "/proc/${OPERATOR_PID}/status")"
  [[ -f "${WORK}/rss-peak-kib" ]] && (($(cat "${WORK}/rss-peak-kib") > rss_kib)) && rss_kib="$(cat "${WORK}/rss-peak-kib")"
  rss_mib=$(((rss_kib + 1023) / 1024))
  echo "operator peak RSS: ${rss_mib} MiB (VmHWM; ${OPERATOR_JVM_FLAGS[*]})"
  native_memory
  live_heap
  echo "operator log: $(wc -l < "${WORK}/operator.log") lines, $(grep -c '"level":"WARN"' "${WORK}/operator.log" || true) WARN, $(grep -c '"level":"ERROR"' "${WORK}/operator.log" || true) ERROR"
  grep -E '"level":"(WARN|ERROR)"' "${WORK}/operator.log" | cut -c1-400 | sed 's/^/  /' || true
  kill "${SAMPLER_PID}" 2> /dev/null || true
  SAMPLER_PID=""
  kill "${OPERATOR_PID}"
  wait_until 20 "operator exit" bash -c "! kill -0 ${OPERATOR_PID}" > /dev/null || kill -KILL "${OPERATOR_PID}"
  OPERATOR_PID=""

  # --- 3. the limit: the rendered children applied directly (operator stopped), until every Deployment is Available.
  log "direct run: applying the rendered children into the ${DIRECT_PREFIX}-* namespaces"
  START_NS=$(date +%s%N)
  # One server-side apply per namespace, all at once (as many concurrent clients as the operator's namespaces).
  printf '%s\n' "${WORK}"/direct-children-*.yaml \
    | xargs -P "${NAMESPACES}" -I{} "${KUBECTL}" --kubeconfig "${KUBECONFIG_FILE}" apply --server-side \
      --field-manager=bench-direct -f {} > /dev/null
  local apply_direct t_direct
  apply_direct="$(elapsed)"
  t_direct="$(time_until_all count_available_deployments "${DIRECT_PREFIX}")" || die "the direct apply did not converge"
  echo "direct: ${N} Deployments Available in ${t_direct}s (apply returned after ${apply_direct}s)"

  local ratio
  ratio="$(awk -v a="${t_op}" -v b="${t_direct}" 'BEGIN { printf "%.2f\n", a / b }')"
  echo "wall time: $((SECONDS - wall_start))s"
  echo "converge_ratio=${ratio} idle_writes=${idle_writes} rss_mib=${rss_mib} n=${N}"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
