#!/usr/bin/env bash
# The README's main-job command: from a fresh checkout, brings up a cluster, installs the operator, applies the dev
# example, waits for Ready, shows `kubectl get echoservices -A` and an /echo request answered byte for byte.
#
# usage: deploy/local/demo.sh [up]   start (idempotent)
#        deploy/local/demo.sh down   stop the port-forward and remove what "up" created (the local cluster)
#
# Where it runs:
#  - $KUBECONFIG points at a reachable cluster that is not this script's local cluster (e.g. kind, with the images
#    loaded): the chart is installed there.
#  - otherwise: the local cluster of deploy/local/cluster.sh, a control plane and a real node of this machine
#    (containerd, kubelet, kube-proxy; docs/local-cluster.md), with both images built from the project's Dockerfiles
#    (deploy/local/images.sh). Everything runs as pods: the operator from the chart, echo-server from the dev
#    EchoService. The first run builds the binaries and images (see the README for the time); later starts take
#    about a minute.
# In both, /echo is called through the Service with `kubectl port-forward` on 127.0.0.1.
# Environment: DEMO_ECHO_PORT (18080) local port of the port-forward.
set -euo pipefail

DEMO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/e2e-lib.sh
source "${DEMO_DIR}/e2e-lib.sh" # tools, chart install, operator helpers

STATE="${ECHO_DEMO_STATE:-${HOME}/.local/state/echo-operator/demo}"
ECHO_PORT="${DEMO_ECHO_PORT:-18080}"
OPERATOR_MANAGEMENT_PORT=8081 # the chart's managementPort
DEV_EXAMPLE="${REPO_ROOT}/deploy/examples/echoservice-dev.yaml"
export ECHO_CLUSTER_NAME="${ECHO_CLUSTER_NAME:-echo}"

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

# The chart, the dev example, and /echo through the Service (kubectl port-forward): the same on any cluster.
install_and_call() {
  ensure_helm
  say "helm install ${RELEASE} into ${OPERATOR_NS} (the operator runs in the cluster, from its image)"
  install_chart
  k get pods -n "${OPERATOR_NS}" -o wide
  say "dev example"
  k apply --server-side -f "${DEV_EXAMPLE}"
  echoservice_ready 300 echo -n echo-dev
  k get echoservices -A
  k get pods -n echo-dev -o wide
  say "/echo through the Service: kubectl port-forward svc/echo ${ECHO_PORT}:80 (listens on 127.0.0.1)"
  stop_pidfile "${STATE}/pids/port-forward.pid"
  start_process port-forward "${STATE}/port-forward.log" \
    "${KUBECTL}" --kubeconfig "${KUBECONFIG_FILE}" port-forward --address 127.0.0.1 -n echo-dev svc/echo "${ECHO_PORT}:80"
  request_echo "http://127.0.0.1:${ECHO_PORT}"
}

up_real() {
  export KUBECONFIG
  KUBECONFIG_FILE="${KUBECONFIG}"
  KUBECTL="${KUBECTL_CMD}"
  say "cluster: ${KUBECONFIG} ($("${KUBECTL}" --kubeconfig "${KUBECONFIG}" config current-context))"
  install_and_call
  echo "real" > "${STATE}/mode"
}

up_local() {
  KUBECTL="${K8S_BIN}/kubectl"
  say "local cluster: control plane and a real node (deploy/local/cluster.sh up; the first run builds everything)"
  "${DEMO_DIR}/cluster.sh" up
  KUBECONFIG_FILE="$("${DEMO_DIR}/cluster.sh" kubeconfig)"
  say "images from the project's Dockerfiles, imported into the node (deploy/local/images.sh import; cached)"
  "${DEMO_DIR}/images.sh" import
  install_and_call
  echo "local" > "${STATE}/mode"
}

# Every TCP port the demo opened on this machine: the listeners of the processes (or process groups) whose PID files
# the cluster, the node and the demo keep. Pods listen inside their own network namespaces.
ports_report() {
  local line local_addr pid pgid f
  local -A ours=()
  # The local cluster's kubeconfig is <workdir>/clusters/<name>/kubeconfig.yaml; its node's PIDs are in <workdir>/nodes/<name>.
  local cluster_dir
  cluster_dir="$(dirname "${KUBECONFIG_FILE}")"
  for f in "${cluster_dir}/pids/"*.pid "${cluster_dir}/../../nodes/${ECHO_CLUSTER_NAME}/pids/"*.pid "${STATE}/pids/"*.pid; do
    [[ -f "${f}" ]] && ours["$(cat "${f}")"]=1
  done
  say "ports opened on this machine"
  while read -r line; do
    local_addr="$(awk '{print $4}' <<< "${line}")"
    for pid in $(grep -o 'pid=[0-9]*' <<< "${line}" | cut -d= -f2 | sort -u); do
      pgid="$(ps -o pgid= -p "${pid}" 2> /dev/null | tr -d ' ')"
      if [[ -n "${ours[${pid}]:-}" || (-n "${pgid}" && -n "${ours[${pgid}]:-}") ]]; then
        printf '  %-21s %s\n' "${local_addr}" "$(ps -o comm= -p "${pid}")"
        break
      fi
    done
  done < <(ss -Hltnp 2> /dev/null) | sort -u
  echo "  127.0.0.1:${ECHO_PORT} is the port-forward to svc/echo in echo-dev (/echo, /healthz); the pods' own ports"
  echo "  (echo-server 8080 and management 8081, the operator's management port ${OPERATOR_MANAGEMENT_PORT}) are"
  echo "  on pod addresses only: kubectl -n ${OPERATOR_NS} port-forward deploy/${RELEASE} ${OPERATOR_MANAGEMENT_PORT}"
  echo "  reaches the operator's /metrics, /healthz and /readyz."
  echo "The operator runs in the cluster from the chart (release ${RELEASE} in ${OPERATOR_NS}): 'helm upgrade ${RELEASE}"
  echo "  deploy/helm/echo-operator -n ${OPERATOR_NS} --reuse-values --set ...' changes that same operator (there is no"
  echo "  second, local one), and the next 'demo.sh up' runs 'helm upgrade --install' of the same release again."
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
      if real_cluster; then up_real; else up_local; fi
      local running=("${STATE}"/pids/*.pid)
      running=("${running[@]##*/}")
      ports_report
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
