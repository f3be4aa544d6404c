#!/usr/bin/env bash
# The README's main-job command: from a fresh checkout, brings up a cluster, installs the operator, applies the dev
# example, waits for Ready, shows `kubectl get echoservices -A` and an /echo request answered byte for byte.
#
# usage: deploy/local/demo.sh [up]   start (idempotent)
#        deploy/local/demo.sh down   stop the local processes and remove what "up" created
#
# Where it runs:
#  - $KUBECONFIG points at a reachable cluster that is not this script's kwok cluster (e.g. kind): the chart is
#    installed normally (the operator runs in the cluster) and /echo is reached through `kubectl port-forward`.
#  - otherwise: the local kwok cluster of deploy/local/cluster.sh (control plane built from Go modules on first use,
#    about 30 minutes; later starts take seconds). kwok nodes run no containers, so the operator runs as a local
#    process authenticated as the chart's ServiceAccount, and echo-server runs as a local process with the
#    environment from the ConfigMap the operator created.
# Environment: DEMO_ECHO_PORT (18080) local port of echo-server / the port-forward; DEMO_OPERATOR_PORT (18090)
#   management port of the local operator.
set -euo pipefail

DEMO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/e2e-lib.sh
source "${DEMO_DIR}/e2e-lib.sh" # tools, chart install, operator helpers

STATE="${ECHO_DEMO_STATE:-${HOME}/.local/state/echo-operator/demo}"
ECHO_PORT="${DEMO_ECHO_PORT:-18080}"
OPERATOR_PORT="${DEMO_OPERATOR_PORT:-18090}"
DEV_EXAMPLE="${REPO_ROOT}/deploy/examples/echoservice-dev.yaml"
export ECHO_CLUSTER_NAME="${ECHO_CLUSTER_NAME:-echo}"
# kwok nodes until this script runs its checks on the real node (issue 11); cluster.sh defaults to a real node.
export ECHO_CLUSTER_REAL_NODES="${ECHO_CLUSTER_REAL_NODES:-0}"

say() { printf '\n==> %s\n' "$*"; }

# A real cluster: $KUBECONFIG set, reachable, and not the kwok cluster of cluster.sh.
real_cluster() {
  [[ -n "${KUBECONFIG:-}" ]] || return 1
  local local_kubeconfig
  local_kubeconfig="$("${DEMO_DIR}/cluster.sh" kubeconfig 2> /dev/null || true)"
  [[ "${KUBECONFIG}" != "${local_kubeconfig}" ]] || return 1
  "${KUBECTL_CMD}" --kubeconfig "${KUBECONFIG}" get --raw /readyz > /dev/null 2>&1
}

request_echo() { # <url>: POSTs a JSON document and compares the answer byte for byte
  local url=$1 body answer
  body="${STATE}/request.json"
  answer="${STATE}/response.json"
  printf '{"message":"hello from the echo-operator demo","unicode":"h\\u00e9llo \xe2\x9c\x93","nested":{"n":[1,2.5,-3e2,true,null]}}' > "${body}"
  wait_until 60 "echo-server ready at ${url}" curl -fsS -o /dev/null "${url}/readyz"
  echo "POST ${url}/echo"
  echo "  request:  $(cat "${body}")"
  curl -fsS -H 'Content-Type: application/json' --data-binary @"${body}" -o "${answer}" "${url}/echo"
  echo "  response: $(cat "${answer}")"
  if cmp -s "${body}" "${answer}"; then
    echo "  the response is byte-for-byte the request ($(wc -c < "${body}") bytes)"
  else
    echo "  the response differs from the request"
    return 1
  fi
}

stop_pidfile() { # <pid file>: SIGTERM, wait up to 60 s for the exit, then SIGKILL
  local f=$1 pid i
  [[ -f "${f}" ]] || return 0
  pid="$(cat "${f}")"
  if kill "${pid}" 2> /dev/null; then
    for ((i = 0; i < 120; i++)); do
      kill -0 "${pid}" 2> /dev/null || break
      sleep 0.5
    done
    kill -KILL "${pid}" 2> /dev/null && echo "killed $(basename "${f}" .pid) (did not stop within 60 s)"
  fi
  rm -f "${f}"
}

start_process() { # <name> <log> <command...>: background process recorded in $STATE/pids
  local name=$1 logfile=$2
  shift 2
  mkdir -p "${STATE}/pids"
  "$@" > "${logfile}" 2>&1 < /dev/null &
  echo $! > "${STATE}/pids/${name}.pid"
}

up_real() {
  export KUBECONFIG
  KUBECONFIG_FILE="${KUBECONFIG}"
  KUBECTL="${KUBECTL_CMD}"
  say "cluster: ${KUBECONFIG} ($("${KUBECTL}" --kubeconfig "${KUBECONFIG}" config current-context))"
  ensure_helm
  say "helm install ${RELEASE} into ${OPERATOR_NS} (the operator runs in the cluster)"
  install_chart
  say "dev example"
  k apply --server-side -f "${DEV_EXAMPLE}"
  k wait --for=condition=Ready echoservice/echo -n echo-dev --timeout=300s
  k get echoservices -A
  say "/echo through kubectl port-forward svc/echo ${ECHO_PORT}:80"
  start_process port-forward "${STATE}/port-forward.log" \
    "${KUBECTL}" --kubeconfig "${KUBECONFIG}" port-forward -n echo-dev svc/echo "${ECHO_PORT}:80"
  request_echo "http://127.0.0.1:${ECHO_PORT}"
  echo "real" > "${STATE}/mode"
}

up_local() {
  KUBECTL="${K8S_BIN}/kubectl"
  say "local cluster (deploy/local/cluster.sh up; the first run builds the control plane, about 30 minutes)"
  "${DEMO_DIR}/cluster.sh" up
  KUBECONFIG_FILE="$("${DEMO_DIR}/cluster.sh" kubeconfig)"
  ensure_helm
  say "helm install ${RELEASE} into ${OPERATOR_NS}"
  install_chart
  scale_chart_operator_to_zero # kwok would only simulate its pods; the operator runs locally below

  say "operator as a local process, authenticated as the chart's ServiceAccount (TokenRequest)"
  write_operator_kubeconfig "${STATE}/operator.kubeconfig"
  if [[ ! -f "${STATE}/pids/local-demo.pid" ]] || ! kill -0 "$(cat "${STATE}/pids/local-demo.pid")" 2> /dev/null; then
    start_operator local-demo "${OPERATOR_PORT}" "${STATE}/operator.kubeconfig" "${STATE}"
  fi
  wait_until 90 "operator ready on :${OPERATOR_PORT}" operator_ready "${OPERATOR_PORT}"
  wait_until 60 "operator leads" bash -c "[[ \$(\"${KUBECTL}\" --kubeconfig \"${KUBECONFIG_FILE}\" get lease ${LEASE_NAME} -n ${OPERATOR_NS} -o jsonpath='{.spec.holderIdentity}') == local-demo ]]"

  say "dev example"
  k apply --server-side -f "${DEV_EXAMPLE}"
  k wait --for=condition=Ready echoservice/echo -n echo-dev --timeout=180s
  k get echoservices -A

  say "echo-server as a local process with the environment of ConfigMap echo-dev/echo (PORT=${ECHO_PORT})"
  local env_args=()
  mapfile -t env_args < <(k get configmap echo -n echo-dev -o json | jq -r '.data | to_entries[] | "\(.key)=\(.value)"')
  printf '  %s\n' "${env_args[@]}"
  # A server from an earlier run may have another environment: replace it (it drains for SHUTDOWN_DELAY first).
  stop_pidfile "${STATE}/pids/echo-server.pid"
  start_process echo-server "${STATE}/echo-server.log" env "${env_args[@]}" PORT="${ECHO_PORT}" \
    java -XX:+UseSerialGC -jar "${SERVER_JAR}"
  request_echo "http://127.0.0.1:${ECHO_PORT}"
  echo "local" > "${STATE}/mode"
}

down() {
  local f mode
  mode="$(cat "${STATE}/mode" 2> /dev/null || echo local)"
  for f in "${STATE}"/pids/*.pid; do
    [[ -e "${f}" ]] || continue
    stop_pidfile "${f}"
    echo "stopped $(basename "${f}" .pid)"
  done
  if [[ "${mode}" == real && -n "${KUBECONFIG:-}" ]]; then
    KUBECONFIG_FILE="${KUBECONFIG}" KUBECTL="${KUBECTL_CMD}"
    k delete -f "${DEV_EXAMPLE}" --ignore-not-found --wait=false
    h uninstall "${RELEASE}" -n "${OPERATOR_NS}" --ignore-not-found
  else
    "${DEMO_DIR}/cluster.sh" down
  fi
  rm -rf "${STATE}"
}

demo_main() {
  KUBECTL_CMD="${K8S_BIN}/kubectl"
  [[ -x "${KUBECTL_CMD}" ]] || KUBECTL_CMD="$(command -v kubectl || echo kubectl)"
  case "${1:-up}" in
    up)
      local start=${SECONDS}
      command -v jq > /dev/null || die "jq is required"
      mkdir -p "${STATE}"
      ensure_jars
      if real_cluster; then up_real; else up_local; fi
      local running=("${STATE}"/pids/*.pid)
      running=("${running[@]##*/}")
      say "done in $((SECONDS - start))s. Running: ${running[*]%.pid}"
      echo "Logs in ${STATE}. Cluster: export KUBECONFIG=${KUBECONFIG_FILE}"
      echo "Try: curl -H 'Content-Type: application/json' -d '{\"hi\":1}' http://127.0.0.1:${ECHO_PORT}/echo"
      echo "Stop everything: deploy/local/demo.sh down"
      ;;
    down) down ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$1' (up|down)" ;;
  esac
}

demo_main "$@"
