#!/usr/bin/env bash
# A local Kubernetes cluster: the control plane built by build-control-plane.sh (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler) run by kwokctl's binary runtime on 127.0.0.1, with
#  - one real node (default): containerd + runc + a CNI bridge + kube-proxy + kubelet on this machine (node.sh), with
#    NetworkPolicy (kube-router's firewall), CoreDNS and metrics-server as pods from locally built images;
#  - and/or kwok nodes: kwok-controller simulating nodes and the pod lifecycle (the operator scale benchmark).
# Nothing is downloaded: binaries are built from Go modules, images on this machine (images.sh).
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_NAME="${ECHO_CLUSTER_NAME:-echo}"
REAL_NODES="${ECHO_CLUSTER_REAL_NODES:-1}"
[[ "${REAL_NODES}" =~ ^[01]$ ]] \
  || die "ECHO_CLUSTER_REAL_NODES must be 0 or 1, got '${REAL_NODES}' (kube-proxy and kube-router own this machine's netfilter: one real node per machine)"
if ((REAL_NODES > 0)); then NODE_COUNT="${ECHO_CLUSTER_NODES:-0}"; else NODE_COUNT="${ECHO_CLUSTER_NODES:-3}"; fi
[[ "${NODE_COUNT}" =~ ^[0-9]+$ ]] || die "ECHO_CLUSTER_NODES must be a non-negative integer, got '${NODE_COUNT}'"
((REAL_NODES + NODE_COUNT > 0)) || die "no nodes: set ECHO_CLUSTER_REAL_NODES=1 or ECHO_CLUSTER_NODES > 0"
[[ "${CLUSTER_NAME}" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] \
  || die "ECHO_CLUSTER_NAME must be a DNS label (lower-case letters, digits, '-'), got '${CLUSTER_NAME}'"
# containerd's shim socket directory (/run/echo-operator/<name>/s) may have at most 42 characters.
((${#CLUSTER_NAME} <= 20)) || die "ECHO_CLUSTER_NAME may have at most 20 characters, got '${CLUSTER_NAME}'"
# kwokctl keeps clusters (pki, etcd data, logs, kubeconfig) under its workdir.
export KWOK_WORKDIR="${ECHO_CLUSTER_WORKDIR:-${XDG_STATE_HOME:-${HOME}/.local/state}/echo-operator/kwok}"
CLUSTER_DIR="${KWOK_WORKDIR}/clusters/${CLUSTER_NAME}"
KUBECONFIG_FILE="${CLUSTER_DIR}/kubeconfig.yaml"
KWOKCTL="${K8S_BIN}/kwokctl"
KUBECTL="${K8S_BIN}/kubectl"
SMOKE_NS="local-cluster-smoke"
SMOKE_RESTRICTED_NS="local-cluster-smoke-restricted"
# The node and its add-ons (functions only).
# shellcheck source=deploy/local/node.sh
source "${LOCAL_DIR}/node.sh"
# The mode a cluster was created in (kwokctl's config differs: apiserver port and flags for the real node).
MODE_FILE="${KWOK_WORKDIR}/nodes/${CLUSTER_NAME}.mode"
# kwok nodes accept any image (nothing runs); the real node runs only images imported into its containerd.
if ((REAL_NODES > 0)); then SMOKE_IMAGE="${PAUSE_IMAGE}"; else SMOKE_IMAGE="registry.k8s.io/pause:3.10"; fi
# shellcheck source=deploy/local/node-checks.sh
source "${LOCAL_DIR}/node-checks.sh"

usage() {
  cat <<EOF
usage: $(basename "$0") up|down|kubeconfig|status|verify

  up          build missing binaries (set ECHO_CLUSTER_NO_BUILD=1 to fail instead), create or
              restart the cluster '${CLUSTER_NAME}' with ${REAL_NODES} real node(s) and ${NODE_COUNT} kwok nodes
  down        delete the cluster and its state, the real node and everything it set up on this machine
              (processes, mounts, cgroups, bridge, iptables chains, sysctls); nothing to do when absent
  kubeconfig  print the kubeconfig path:  export KUBECONFIG="\$($0 kubeconfig)"
  status      components and nodes
  verify      smoke test: nodes Ready, a Deployment becomes Ready, PodSecurity 'restricted' refuses a
              privileged pod; on the real node also: echo-server from its image answers through its
              ClusterIP and NodePort, DNS, NetworkPolicy, the metrics API, and pod traffic off the machine
              is dropped

Environment: ECHO_CLUSTER_NAME (echo), ECHO_CLUSTER_REAL_NODES (1: one real node; 0: none),
  ECHO_CLUSTER_NODES (kwok nodes: 0 beside a real node, 3 without), ECHO_CLUSTER_WORKDIR
  (${KWOK_WORKDIR}), ECHO_K8S_CACHE (${K8S_CACHE}), ECHO_NODE_CACHE (${NODE_CACHE}).
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
  local clusters
  clusters="$("${KWOKCTL}" get clusters 2> /dev/null)" || return 1
  grep -qx "${CLUSTER_NAME}" <<< "${clusters}"
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
  local file="${KWOK_WORKDIR}/echo-kwokctl-${CLUSTER_NAME}.yaml"
  mkdir -p "${KWOK_WORKDIR}"
  cat > "${file}" << EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
EOF
  if ((REAL_NODES > 0)); then
    # For the real node: the apiserver on a fixed port (the chart's NetworkPolicy allows 443 and 6443), its
    # certificate valid for the names and addresses pods use, the `kubernetes` Service endpoint on the bridge, kubelets
    # reached at their InternalIP with a client certificate, and the front-proxy settings an aggregated API
    # (metrics-server) needs to trust the requests the apiserver relays (kwokctl's one certificate, CN kwok-admin,
    # is also the apiserver's proxy client certificate).
    local pki="${CLUSTER_DIR}/pki"
    cat >> "${file}" << EOF
  kubeApiserverPort: ${APISERVER_PORT}
  kubeApiserverCertSANs: [${NODE_IP}, ${KUBERNETES_SERVICE_IP}, kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.${CLUSTER_DOMAIN}]
componentsPatches:
  - name: kube-apiserver
    extraArgs:
      - {key: advertise-address, value: "${NODE_IP}"}
      - {key: service-cluster-ip-range, value: "${SERVICE_CIDR}"}
      - {key: kubelet-preferred-address-types, value: InternalIP}
      - {key: kubelet-client-certificate, value: "${pki}/admin.crt"}
      - {key: kubelet-client-key, value: "${pki}/admin.key"}
      - {key: kubelet-certificate-authority, value: "${pki}/ca.crt"}
      - {key: requestheader-client-ca-file, value: "${pki}/ca.crt"}
      - {key: requestheader-allowed-names, value: kwok-admin}
      - {key: requestheader-username-headers, value: X-Remote-User}
      - {key: requestheader-group-headers, value: X-Remote-Group}
      - {key: requestheader-extra-headers-prefix, value: X-Remote-Extra-}
      - {key: enable-aggregator-routing, value: "true"}
  - name: kube-controller-manager
    extraArgs:
      - {key: service-cluster-ip-range, value: "${SERVICE_CIDR}"}
  # kwokctl runs kwok-controller with --manage-all-nodes=true, which would also drive the real node and its pods:
  # only the nodes kwokctl creates (annotated kwok.x-k8s.io/node=fake) are kwok's.
  - name: kwok-controller
    extraArgs:
      - {key: manage-all-nodes, value: "false", override: true}
      - {key: manage-nodes-with-annotation-selector, value: "kwok.x-k8s.io/node=fake"}
EOF
  fi
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

# The mode is part of kwokctl's stored config: a cluster created for kwok nodes only cannot take a real node.
check_mode() {
  local want="real-nodes=${REAL_NODES}" have
  have="$(cat "${MODE_FILE}" 2> /dev/null || echo "real-nodes=0")"
  [[ "${have}" == "${want}" ]] \
    || die "cluster '${CLUSTER_NAME}' was created with ${have}, asked for ${want}: '$0 down' first"
}

cmd_up() {
  local start=${SECONDS}
  ensure_binaries
  if ((REAL_NODES > 0)); then
    ensure_node_binaries
    # The bridge and its firewall exist before anything can start a pod; the apiserver's certificate names the
    # bridge address.
    network_up
  fi
  if cluster_exists; then
    check_mode
    if apiserver_ready; then
      log "cluster '${CLUSTER_NAME}' is already running"
    else
      log "cluster '${CLUSTER_NAME}' exists but is stopped: starting it"
      "${KWOKCTL}" start cluster --name "${CLUSTER_NAME}" --timeout 3m \
        || die "cannot start cluster '${CLUSTER_NAME}' (logs: ${CLUSTER_DIR}/logs); '$0 down' then '$0 up' recreates it"
    fi
  else
    log "creating cluster '${CLUSTER_NAME}' (Kubernetes ${K8S_VERSION}) in ${CLUSTER_DIR}"
    mkdir -p "$(dirname "${MODE_FILE}")"
    echo "real-nodes=${REAL_NODES}" > "${MODE_FILE}"
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
  # ServiceAccount admission needs the namespace's default ServiceAccount (kube-controller-manager).
  wait_for 120 "the default ServiceAccount" kc get serviceaccount default -n default
  wait_for 120 "the kube-system default ServiceAccount" kc get serviceaccount default -n kube-system

  ((REAL_NODES == 0)) || node_up

  local have
  have="$(kwok_node_count)"
  if ((have != NODE_COUNT)); then
    log "scaling kwok nodes ${have} -> ${NODE_COUNT}"
    # kwok's node template gives InternalIPs from 192.0.2.1 (on these machines eth0's own network and its gateway)
    # and pod CIDRs from 10.0.0.0/24. Beside a real node, the apiserver, metrics-server and kube-proxy would send
    # traffic there: kwok nodes get addresses in the cluster range instead, routed onto the bridge, where nothing
    # answers and nothing leaves the machine.
    local params=()
    ((REAL_NODES == 0)) || params=(--param ".nodeIPs=[\"${KWOK_NODE_IP_BASE}\"]" --param ".podCIDRs=[\"${KWOK_POD_CIDR_BASE}\"]")
    "${KWOKCTL}" scale node --name "${CLUSTER_NAME}" --replicas "${NODE_COUNT}" "${params[@]}" -v WARN > /dev/null
  fi
  wait_for 120 "${NODE_COUNT} Ready kwok nodes" nodes_ready
  log "cluster '${CLUSTER_NAME}' is up in $((SECONDS - start))s: export KUBECONFIG=${KUBECONFIG_FILE}"
  kc get nodes -o wide
}

ensure_node_binaries() {
  if "${LOCAL_DIR}/build-node.sh" --check 2> /dev/null; then
    return
  fi
  [[ -z "${ECHO_CLUSTER_NO_BUILD:-}" ]] || die "node binaries are missing in ${NODE_BIN}: run ${LOCAL_DIR}/build-node.sh"
  log "node binaries missing in ${NODE_BIN}: building them (cold build takes about 10 minutes)"
  "${LOCAL_DIR}/build-node.sh"
}

KWOK_NODE_SELECTOR='type=kwok'
kwok_node_count() { kc get nodes -l "${KWOK_NODE_SELECTOR}" -o name | wc -l; }

# kwok nodes Ready (and the real node, when there is one).
nodes_ready() {
  local ready
  ready="$(kc get nodes -l "${KWOK_NODE_SELECTOR}" -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)"
  ((ready == NODE_COUNT)) || return 1
  ((REAL_NODES == 0)) || node_ready
}

cmd_down() {
  local mode_real=0
  [[ "$(cat "${MODE_FILE}" 2> /dev/null)" == "real-nodes=1" ]] && mode_real=1
  # The node goes first: its kubelet and containers hold the apiserver's connections, its pods the mounts.
  if ((mode_real == 1)); then node_down force; else node_down; fi
  if cluster_exists; then
    "${KWOKCTL}" delete cluster --name "${CLUSTER_NAME}"
    log "cluster '${CLUSTER_NAME}' deleted"
  else
    log "cluster '${CLUSTER_NAME}' does not exist: nothing to delete"
  fi
  rm -f "${MODE_FILE}" "${KWOK_WORKDIR}/echo-kwokctl-${CLUSTER_NAME}.yaml"
  rmdir "${KWOK_WORKDIR}/nodes" 2> /dev/null || true
  ((mode_real == 0)) || node_leftovers_report
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
  if ((REAL_NODES > 0)); then
    echo "real node ${NODE_NAME}:"
    node_status
  fi
  kc get nodes -o wide
  ((REAL_NODES == 0)) || kc get pods -n kube-system -o wide
}

cmd_verify() {
  require_running
  local failures=0
  check() { # <description> <command...>
    local what="$1"
    shift
    if "$@"; then log "ok: ${what}"; else log "FAILED: ${what}"; failures=$((failures + 1)); fi
  }

  check "${NODE_COUNT} kwok nodes and ${REAL_NODES} real node(s) Ready" nodes_ready
  check "RBAC authorizer on (anonymous may not list pods)" rbac_denies_anonymous
  check "kube-controller-manager and kube-scheduler hold their leases" control_plane_leases

  kc delete namespace "${SMOKE_NS}" "${SMOKE_RESTRICTED_NS}" --ignore-not-found --wait=true > /dev/null
  kc create namespace "${SMOKE_NS}" > /dev/null
  kc -n "${SMOKE_NS}" create deployment smoke --image="${SMOKE_IMAGE}" --replicas=2 > /dev/null
  check "Deployment -> ReplicaSet -> 2 Pods Ready" \
    kc -n "${SMOKE_NS}" rollout status deployment/smoke --timeout=90s
  if ((REAL_NODES == 0)); then
    check "pods are scheduled on kwok nodes" pods_on_kwok_nodes
  fi

  kc create namespace "${SMOKE_RESTRICTED_NS}" > /dev/null
  kc label namespace "${SMOKE_RESTRICTED_NS}" pod-security.kubernetes.io/enforce=restricted > /dev/null
  check "PodSecurity restricted refuses a privileged pod" psa_refuses_privileged
  check "PodSecurity restricted admits a compliant pod, which becomes Ready" psa_admits_restricted
  kc delete namespace "${SMOKE_NS}" --wait=false > /dev/null

  ((REAL_NODES == 0)) || verify_real_node

  if [[ -n "${ECHO_VERIFY_KEEP:-}" ]]; then
    log "ECHO_VERIFY_KEEP set: namespace ${SMOKE_RESTRICTED_NS} kept"
  else
    kc delete namespace "${SMOKE_RESTRICTED_NS}" --wait=false > /dev/null
  fi
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
  kc -n "${SMOKE_RESTRICTED_NS}" run compliant --image="${SMOKE_IMAGE}" --overrides='{"spec":{
    "securityContext":{"runAsNonRoot":true,"runAsUser":65535,"seccompProfile":{"type":"RuntimeDefault"}},
    "containers":[{"name":"compliant","image":"'"${SMOKE_IMAGE}"'","securityContext":{
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
