#!/usr/bin/env bash
# Checks the monitoring the chart ships, with the Prometheus of Debian (prometheus and promtool; no service, no
# cluster):
#   1. promtool check rules: the fleet rule file (deploy/helm/echo-operator/files/rules/echo-fleet.rules.yaml) and
#      the chart's rendered PrometheusRule (both groups);
#   2. promtool test rules: deploy/monitoring/echo-fleet.test.yaml (every fleet alert) and
#      deploy/monitoring/echo-operator.test.yaml (the operator's alerts, against the rendered group);
#   3. PromQL against real metrics: a local echo-server (the packaged jar) scraped every second by a local Prometheus
#      with the labels of the per-EchoService PodMonitor (namespace="ci", echoservice="echo", pod="echo-0"), driven
#      with curl (200, 400, 404, 413, 415, 429 and 503), then every expression of the fleet dashboard and of the fleet
#      alerts evaluated through Prometheus' HTTP API (deploy/monitoring/promql-check.py): none may return no data.
# Everything listens on 127.0.0.1 only, every wait is bounded, the processes it starts are stopped by PID and its
# temporary directory is removed. Prometheus comes from `apt-get download` + `dpkg-deb` into a cache directory (never
# `apt-get install prometheus`, which would start a system service listening on every interface); helm is the one
# the local-cluster scripts build (deploy/local/e2e-lib.sh). Last line: "monitoring: all passed (...)".
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$(pwd)"

# shellcheck source=deploy/local/e2e-lib.sh
source deploy/local/e2e-lib.sh # HELM, ensure_helm, SERVER_JAR, free_port, log, die

# shellcheck source=deploy/monitoring/prometheus-lib.sh
source deploy/monitoring/prometheus-lib.sh # PROMETHEUS, PROMTOOL, ensure_prometheus, prometheus_*
FLEET_RULES="deploy/helm/echo-operator/files/rules/echo-fleet.rules.yaml"
FLEET_DASHBOARD="deploy/helm/echo-operator/files/dashboards/echo-fleet.json"

TMP="$(mktemp -d -t echo-monitoring.XXXXXX)"
SERVER_PID="" PROMETHEUS_PID="" TRAFFIC_PID="" BURST_PID=""
stop_pid() { # <pid> <name>: SIGTERM, up to 10 s, then SIGKILL
  local pid=$1 i
  [[ -n "${pid}" ]] && kill -0 "${pid}" 2> /dev/null || return 0
  kill "${pid}" 2> /dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "${pid}" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "${pid}" 2> /dev/null; then
    log "$2 (pid ${pid}) did not stop in 10 s: SIGKILL"
    kill -9 "${pid}" 2> /dev/null || true
  fi
  wait "${pid}" 2> /dev/null || true
}
cleanup() {
  local status=$?
  touch "${TMP}/stop" # the traffic loops end after their current round (each curl is bounded by -m)
  local pid i
  for pid in ${TRAFFIC_PID} ${BURST_PID}; do
    for ((i = 0; i < 200; i++)); do
      kill -0 "${pid}" 2> /dev/null || break
      sleep 0.1
    done
    stop_pid "${pid}" "traffic loop"
  done
  stop_pid "${PROMETHEUS_PID}" prometheus
  stop_pid "${SERVER_PID}" echo-server
  if ((status != 0)); then
    for f in echo-server.log prometheus.log; do
      [[ -s "${TMP}/${f}" ]] && { echo "--- last lines of ${f}"; tail -n 20 "${TMP}/${f}"; }
    done
  fi
  rm -rf "${TMP}"
  exit "${status}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# --- 1 and 2: promtool -----------------------------------------------------------------------------------------
ensure_prometheus
ensure_helm

echo "promtool $("${PROMTOOL}" --version 2>&1 | sed -n '1s/^promtool, version //p')"
"${PROMTOOL}" check rules "${FLEET_RULES}"

# The chart's PrometheusRule (release echo-operator in echo-system, as the operator's tests expect) as a rule file:
# its spec, one level less indented, is a `groups:` document.
"${HELM}" template echo-operator deploy/helm/echo-operator --namespace echo-system --kube-version v1.33.0 \
  --set metrics.prometheusRule.enabled=true --show-only templates/prometheusrule.yaml \
  | awk '/^spec:$/ { on = 1; next } /^---/ { on = 0 } on { sub(/^  /, ""); print }' > "${TMP}/echo-operator.rules.yaml"
grep -q "name: echo-fleet" "${TMP}/echo-operator.rules.yaml" || die "the rendered PrometheusRule has no echo-fleet group"
(cd "${TMP}" && "${PROMTOOL}" check rules echo-operator.rules.yaml) | sed 's/^Checking /Checking the chart'\''s rendered PrometheusRule: /'

"${PROMTOOL}" test rules deploy/monitoring/echo-fleet.test.yaml
cp deploy/monitoring/echo-operator.test.yaml "${TMP}/"
(cd "${TMP}" && "${PROMTOOL}" test rules echo-operator.test.yaml)
fleet_tests=$(grep -c '^  - name:' deploy/monitoring/echo-fleet.test.yaml)
operator_tests=$(grep -c '^  - name:' deploy/monitoring/echo-operator.test.yaml)
echo "promtool: rules valid; ${fleet_tests} fleet and ${operator_tests} operator alert tests passed"

# --- 3: PromQL against a real echo-server ----------------------------------------------------------------------
if [[ ! -f "${SERVER_JAR}" ]]; then
  log "building echo-server (mvn -B -o -q -pl echo-server -am package -DskipTests)"
  mvn -B -o -q -pl echo-server -am package -DskipTests
fi

PORT=$(free_port)
MANAGEMENT_PORT=$(free_port)
PROMETHEUS_PORT=$(free_port)
MAX_BODY_SIZE=65536
log "echo-server on 127.0.0.1:${PORT} (management ${MANAGEMENT_PORT}), prometheus on 127.0.0.1:${PROMETHEUS_PORT}"
# Small limits so that a few requests reach them: a client's body budget share is MAX_BODY_SIZE (a quarter of the
# budget), the rate limit 30 requests per second per client address.
env BIND_ADDRESS=127.0.0.1 PORT="${PORT}" MANAGEMENT_PORT="${MANAGEMENT_PORT}" SHUTDOWN_DELAY=0 SHUTDOWN_TIMEOUT=1s \
  LOG_LEVEL=error MAX_BODY_SIZE="${MAX_BODY_SIZE}" MAX_INFLIGHT_BODY_BYTES=$((4 * MAX_BODY_SIZE)) \
  RATE_LIMIT_RPS=30 RATE_LIMIT_BURST=30 READ_TIMEOUT=2s \
  java -Xmx128m -jar "${SERVER_JAR}" > "${TMP}/echo-server.log" 2>&1 &
SERVER_PID=$!
wait_until 30 "echo-server /healthz" curl -fsS -m 2 "http://127.0.0.1:${MANAGEMENT_PORT}/healthz" || exit 1

# The relabeling gives the series the labels of the per-EchoService PodMonitor the operator creates.
cat > "${TMP}/prometheus.yml" << EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - ${REPO}/${FLEET_RULES}
scrape_configs:
  - job_name: echo-server
    metrics_path: /metrics
    static_configs:
      - targets: ['127.0.0.1:${MANAGEMENT_PORT}']
    relabel_configs:
      - {target_label: namespace, replacement: ci}
      - {target_label: echoservice, replacement: echo}
      - {target_label: pod, replacement: echo-0}
EOF
"${PROMETHEUS}" --config.file="${TMP}/prometheus.yml" --storage.tsdb.path="${TMP}/data" \
  --web.listen-address="127.0.0.1:${PROMETHEUS_PORT}" --log.level=warn > "${TMP}/prometheus.log" 2>&1 &
PROMETHEUS_PID=$!
PROM_URL="http://127.0.0.1:${PROMETHEUS_PORT}"
wait_until 30 "prometheus /-/ready" curl -fsS -m 2 "${PROM_URL}/-/ready" || exit 1

# 200, 400, 413, 415, 404, 503 from 127.0.0.1; 429 from a burst of another client address (its own bucket of 30).
bash deploy/monitoring/traffic.sh "http://127.0.0.1:${PORT}" "${MAX_BODY_SIZE}" "${TMP}/stop" 600 mixed &
TRAFFIC_PID=$!
bash deploy/monitoring/traffic.sh "http://127.0.0.1:${PORT}" "${MAX_BODY_SIZE}" "${TMP}/stop" 600 burst --interface 127.0.0.2 &
BURST_PID=$!

wait_until 90 "30 scrapes of echo-server" prometheus_scraped "${PROM_URL}" 'job="echo-server"' 30 || exit 1
statuses=$(prometheus_statuses "${PROM_URL}" 'job="echo-server", route="/echo"')
echo "traffic: /echo answered ${statuses}"
for status in 200 400 413 415 503; do
  [[ " ${statuses} " == *" ${status} "* ]] || die "the traffic produced no ${status} on /echo"
done

python3 deploy/monitoring/promql-check.py "${PROM_URL}" "${FLEET_DASHBOARD}" ci echo
echo "monitoring: all passed (promtool: 2 rule files valid, ${fleet_tests} fleet and ${operator_tests} operator alert tests; promql: every expression returned data)"
