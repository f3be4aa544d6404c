#!/usr/bin/env bash
# A local Kubernetes cluster on 127.0.0.1: the control plane built by build-control-plane.sh
# (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) run by kwokctl's binary runtime,
# plus kwok-controller simulating nodes and the pod lifecycle. Nothing is downloaded.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_NAME="${ECHO_CLUSTER_NAME:-echo}"
NODE_COUNT="${ECHO_CLUSTER_NODES:-3}"
[[ "${NODE_COUNT}" =~ ^[1-9][0-9]*$ ]] || die "ECHO_CLUSTER_NODES must be a positive integer, got '${NODE_COUNT}'"
[[ "${CLUSTER_NAME}" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] \
  || die "ECHO_CLUSTER_NAME must be a DNS label (lower-case letters, digits, '-'), got '${CLUSTER_NAME}'"
# kwokctl keeps clusters (pki, etcd data, logs, kubeconfig) under its workdir.
export KWOK_WORKDIR="${ECHO_CLUSTER_WORKDIR:-${XDG_STATE_HOME:-${HOME}/.local/state}/echo-operator/kwok}"
CLUSTER_DIR="${KWOK_WORKDIR}/clusters/${CLUSTER_NAME}"
KUBECONFIG_FILE="${CLUSTER_DIR}/kubeconfig.yaml"
KWOKCTL="${K8S_BIN}/kwokctl"
KUBECTL="${K8S_BIN}/kubectl"
SMOKE_NS="local-cluster-smoke"
SMOKE_RESTRICTED_NS="local-cluster-smoke-restricted"

usage() {
  cat <<EOF
usage: $(basename "$0") up|down|kubeconfig|status|verify

  up          build missing binaries (set ECHO_CLUSTER_NO_BUILD=1 to fail instead), create or
              restart the cluster '${CLUSTER_NAME}' and scale it to ${NODE_COUNT} kwok nodes
  down        delete the cluster and its state (nothing to do when absent)
  kubeconfig  print the kubeconfig path:  export KUBECONFIG="\$($0 kubeconfig)"
  status      components and nodes
  verify      smoke test: nodes Ready, a Deployment becomes Ready, PodSecurity 'restricted'
              refuses a privileged pod

Environment: ECHO_CLUSTER_NAME (echo), ECHO_CLUSTER_NODES (3), ECHO_CLUSTER_WORKDIR
  (${KWOK_WORKDIR}), ECHO_K8S_CACHE (${K8S_CACHE}).
Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION}.
EOF
}

kc() { "${KUBECTL}" --kubeconfig "${KUBECONFIG_FILE}" "$@"; }

ensure_binaries() {
  if "${LOCAL_DIR}/build-control-plane.sh" --check 2> /dev/null; then
    return
  fi
  if [[ -n "${ECHO_CLUSTER_NO_BUILD:-}" ]]; then
    "${LOCAL_DIR}/build-control-plane.sh" --check || true
    die "control-plane binaries are missing in ${K8S_BIN}: run ${LOCAL_DIR}/build-control-plane.sh (about 30 minutes cold)"
  fi
  log "control-plane binaries missing in ${K8S_BIN}: building them (cold build takes about 30 minutes)"
  "${LOCAL_DIR}/build-control-plane.sh"
}

cluster_exists() {
  [[ -x "${KWOKCTL}" ]] || return 1
  "${KWOKCTL}" get clusters 2> /dev/null | grep -qx "${CLUSTER_NAME}"
}

apiserver_ready() {
  [[ -f "${KUBECONFIG_FILE}" ]] && kc get --raw /readyz --request-timeout=5s > /dev/null 2>&1
}

wait_for() { # <seconds> <description> <command...>
  local timeout="$1" deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@" > /dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${timeout}s waiting for ${what} (logs: ${CLUSTER_DIR}/logs)"
    sleep 2
  done
}

kwokctl_config() {
  # Bind every component to the loopback interface (kwokctl's default is 0.0.0.0).
  local file="${KWOK_WORKDIR}/echo-kwokctl.yaml"
  mkdir -p "${KWOK_WORKDIR}"
  cat > "${file}" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
EOF
  echo "${file}"
}

# kwokctl links each given binary into the cluster's bin directory; anything that is not a link
# into our cache would have been downloaded.
check_no_download() {
  local f target
  for f in "${CLUSTER_DIR}"/bin/*; do
    [[ -e "$f" ]] || continue
    target="$(readlink -f "$f")"
    [[ "${target}" == "$(readlink -f "${K8S_BIN}")"/* ]] \
      || die "cluster binary $f is not from ${K8S_BIN} (points to ${target})"
  done
}

cmd_up() {
  ensure_binaries
  if cluster_exists; then
    if apiserver_ready; then
      log "cluster '${CLUSTER_NAME}' is already running"
    else
      log "cluster '${CLUSTER_NAME}' exists but is stopped: starting it"
      "${KWOKCTL}" start cluster --name "${CLUSTER_NAME}" --timeout 3m \
        || die "cannot start cluster '${CLUSTER_NAME}' (logs: ${CLUSTER_DIR}/logs); '$0 down' then '$0 up' recreates it"
    fi
  else
    log "creating cluster '${CLUSTER_NAME}' (Kubernetes ${K8S_VERSION}) in ${CLUSTER_DIR}"
    KWOK_KUBE_VERSION="${K8S_VERSION}" KWOK_KUBECTL_BINARY="${KUBECTL}" \
      "${KWOKCTL}" create cluster --name "${CLUSTER_NAME}" \
      --config "$(kwokctl_config)" \
      --runtime binary \
      --etcd-binary "${K8S_BIN}/etcd" \
      --kube-apiserver-binary "${K8S_BIN}/kube-apiserver" \
      --kube-controller-manager-binary "${K8S_BIN}/kube-controller-manager" \
      --kube-scheduler-binary "${K8S_BIN}/kube-scheduler" \
      --kwok-controller-binary "${K8S_BIN}/kwok" \
      --secure-port=true --kube-authorization=true --kube-admission=true \
      --kubeconfig "" \
      --quiet-pull \
      --timeout 3m --wait 2m \
      || die "kwokctl could not create cluster '${CLUSTER_NAME}' (logs: ${CLUSTER_DIR}/logs); '$0 down' removes the remains"
  fi
  check_no_download
  wait_for 120 "kube-apiserver /readyz" apiserver_ready

  local have
  have="$(kc get nodes -o name | wc -l)"
  if ((have != NODE_COUNT)); then
    log "scaling kwok nodes ${have} -> ${NODE_COUNT}"
    "${KWOKCTL}" scale node --name "${CLUSTER_NAME}" --replicas "${NODE_COUNT}" -v WARN > /dev/null
  fi
  wait_for 120 "${NODE_COUNT} Ready nodes" nodes_ready
  # ServiceAccount admission needs the namespace's default ServiceAccount (kube-controller-manager).
  wait_for 120 "the default ServiceAccount" kc get serviceaccount default -n default
  log "cluster '${CLUSTER_NAME}' is up: export KUBECONFIG=${KUBECONFIG_FILE}"
  kc get nodes
}

nodes_ready() {
  local ready
  ready="$(kc get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)"
  ((ready == NODE_COUNT))
}

cmd_down() {
  if ! cluster_exists; then
    log "cluster '${CLUSTER_NAME}' does not exist: nothing to do"
    return
  fi
  "${KWOKCTL}" delete cluster --name "${CLUSTER_NAME}"
  log "cluster '${CLUSTER_NAME}' deleted"
}

require_running() {
  cluster_exists || die "cluster '${CLUSTER_NAME}' does not exist: run '$0 up'"
  apiserver_ready || die "cluster '${CLUSTER_NAME}' exists but its kube-apiserver is not ready: run '$0 up'"
}

cmd_kubeconfig() {
  cluster_exists && [[ -f "${KUBECONFIG_FILE}" ]] || die "cluster '${CLUSTER_NAME}' does not exist: run '$0 up'"
  echo "${KUBECONFIG_FILE}"
}

cmd_status() {
  require_running
  "${KWOKCTL}" get components --name "${CLUSTER_NAME}"
  kc version
  kc get nodes -o wide
}

cmd_verify() {
  require_running
  local failures=0
  check() { # <description> <command...>
    local what="$1"
    shift
    if "$@"; then log "ok: ${what}"; else log "FAILED: ${what}"; failures=$((failures + 1)); fi
  }

  check "${NODE_COUNT} kwok nodes Ready" nodes_ready
  check "RBAC authorizer on (anonymous may not list pods)" rbac_denies_anonymous
  check "kube-controller-manager and kube-scheduler hold their leases" control_plane_leases

  kc delete namespace "${SMOKE_NS}" "${SMOKE_RESTRICTED_NS}" --ignore-not-found --wait=true > /dev/null
  kc create namespace "${SMOKE_NS}" > /dev/null
  kc -n "${SMOKE_NS}" create deployment smoke --image=registry.k8s.io/pause:3.10 --replicas=2 > /dev/null
  check "Deployment -> ReplicaSet -> 2 Pods Ready on kwok nodes" \
    kc -n "${SMOKE_NS}" rollout status deployment/smoke --timeout=90s
  check "pods are scheduled on kwok nodes" pods_on_kwok_nodes

  kc create namespace "${SMOKE_RESTRICTED_NS}" > /dev/null
  kc label namespace "${SMOKE_RESTRICTED_NS}" pod-security.kubernetes.io/enforce=restricted > /dev/null
  check "PodSecurity restricted refuses a privileged pod" psa_refuses_privileged
  check "PodSecurity restricted admits a compliant pod, which becomes Ready" psa_admits_restricted

  kc delete namespace "${SMOKE_NS}" "${SMOKE_RESTRICTED_NS}" --wait=false > /dev/null
  if ((failures > 0)); then
    die "${failures} check(s) failed"
  fi
  log "all checks passed"
}

rbac_denies_anonymous() {
  local server
  server="$(kc config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  [[ "$(curl -sk -o /dev/null -w '%{http_code}' "${server}/api/v1/pods")" == 403 ]]
}

control_plane_leases() {
  kc -n kube-system get lease kube-controller-manager kube-scheduler > /dev/null
}

pods_on_kwok_nodes() {
  local nodes node
  nodes="$(kc -n "${SMOKE_NS}" get pods -l app=smoke -o jsonpath='{.items[*].spec.nodeName}')"
  [[ -n "${nodes}" ]] || return 1
  for node in ${nodes}; do
    [[ "$(kc get node "${node}" -o jsonpath='{.metadata.annotations.kwok\.x-k8s\.io/node}')" == fake ]] || return 1
  done
}

psa_admits_restricted() {
  kc -n "${SMOKE_RESTRICTED_NS}" run compliant --image=registry.k8s.io/pause:3.10 --overrides='{"spec":{
    "securityContext":{"runAsNonRoot":true,"runAsUser":65535,"seccompProfile":{"type":"RuntimeDefault"}},
    "containers":[{"name":"compliant","image":"registry.k8s.io/pause:3.10","securityContext":{
      "allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}' > /dev/null \
    && kc -n "${SMOKE_RESTRICTED_NS}" wait pod/compliant --for=condition=Ready --timeout=60s > /dev/null
}

psa_refuses_privileged() {
  local out
  if out="$(kc -n "${SMOKE_RESTRICTED_NS}" run privileged --image=registry.k8s.io/pause:3.10 \
    --overrides='{"spec":{"containers":[{"name":"privileged","image":"registry.k8s.io/pause:3.10","securityContext":{"privileged":true}}]}}' 2>&1)"; then
    log "a privileged pod was admitted: ${out}"
    return 1
  fi
  log "  refused: ${out}"
  [[ "${out}" == *'violates PodSecurity "restricted:latest"'* && "${out}" == *'privileged'* ]]
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  kubeconfig) cmd_kubeconfig ;;
  status) cmd_status ;;
  verify) cmd_verify ;;
  -h | --help | help) usage ;;
  "") usage >&2; exit 2 ;;
  *) usage >&2; die "unknown command '$1'" ;;
esac
