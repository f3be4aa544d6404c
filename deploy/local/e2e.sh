#!/usr/bin/env bash
# End-to-end test of the product on a real node: the control plane built from Go modules (kube-apiserver, etcd,
# kube-controller-manager, kube-scheduler) and a node of this machine (containerd + runc + kubelet + kube-proxy, a CNI
# bridge, kube-router's NetworkPolicy, CoreDNS, metrics-server), see docs/local-cluster.md. Both images are built from
# the project's Dockerfiles and run as pods: the operator from its Helm chart, echo-server from the EchoServices.
# Traffic comes from client pods (deploy/local/loadgen) and from this machine through a NodePort. See docs/e2e.md for
# every check.
#
# usage: deploy/local/e2e.sh
# Environment: E2E_KEEP_CLUSTER=1 keeps the cluster (and prints its kubeconfig) instead of deleting it;
#   E2E_CLUSTER_NAME (echo-e2e) names the cluster; E2E_PLATFORM (local) or kind: run against the kind cluster of
#   $KUBECONFIG with the images already loaded (the GitHub e2e workflow), where the checks that need this machine's
#   node say so and are skipped; ECHO_HELM overrides the helm binary.
# Each check prints PASS/FAIL (or SKIP with the reason); the last line is "N passed, M failed"; exit status 0 only
# when all pass. On a failure the suite saves pod logs, events and every EchoService that is not Ready to the work
# directory it names.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/e2e-lib.sh
source "${E2E_DIR}/e2e-lib.sh"
# shellcheck source=deploy/monitoring/prometheus-lib.sh
source "${REPO_ROOT}/deploy/monitoring/prometheus-lib.sh" # PROMETHEUS, ensure_prometheus, prometheus_*

PLATFORM="${E2E_PLATFORM:-local}"
[[ "${PLATFORM}" == local || "${PLATFORM}" == kind ]] || die "E2E_PLATFORM must be local or kind, got '${PLATFORM}'"
E2E_NS="echo-e2e"                # the namespace of the traffic checks' EchoServices and client pods
EXAMPLE_NAMESPACES=(echo-dev echo-staging echo-production)
CLUSTER_DOMAIN="cluster.local"
BODY='{"e2e":[1,2.5,"three",{"four":null}],"unicode":"\u00e9\u4e2d","nested":{"a":[[],{}]}}'
# Offered load of the checks under traffic (requests/s from one client pod); the issue asks for at least 200.
LOAD_RATE="${E2E_LOAD_RATE:-250}"

# --- platform -----------------------------------------------------------------------------------------------------

# The images the pods run: echo-server and the operator from images.sh (their Dockerfiles), the client from images.sh
# build-node. On kind the workflow builds and loads them under the same names.
image_names() {
  if [[ "${PLATFORM}" == local ]]; then
    SERVER_IMAGE="$("${E2E_DIR}/images.sh" name echo-server)"
    OPERATOR_IMAGE="$("${E2E_DIR}/images.sh" name operator)"
  else
    local version
    version="$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' "${REPO_ROOT}/pom.xml" | sed -n 1p)"
    SERVER_IMAGE="ghcr.io/echo-platform/echo-server:${version}"
    OPERATOR_IMAGE="ghcr.io/echo-platform/echo-operator:${version}"
  fi
}

# kill_container <namespace> <pod> <container>: SIGKILL to the container's processes, as the kernel's OOM killer or a
# crash would end them (not a pod deletion: the kubelet restarts the container in the same pod).
kill_container() {
  local cid
  cid="$(k get pod "$2" -n "$1" -o jsonpath="{.status.containerStatuses[?(@.name==\"$3\")].containerID}")"
  cid="${cid#containerd://}"
  [[ -n "${cid}" ]] || { echo "no container $3 in pod $1/$2"; return 1; }
  if [[ "${PLATFORM}" == local ]]; then
    "${NODE_BIN}/ctr" --address "/run/echo-operator/${ECHO_CLUSTER_NAME}/containerd.sock" -n k8s.io \
      tasks kill --signal SIGKILL "${cid}"
  else
    docker exec "$(k get pod "$2" -n "$1" -o jsonpath='{.spec.nodeName}')" crictl stop --timeout 0 "${cid}" > /dev/null
  fi
}

# The address this machine reaches NodePorts at: the real node's bridge address, or the kind node's.
node_address() { k get node "$1" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'; }

# skip_unless_local: a check that needs this machine's node; elsewhere it reports SKIP (step's status 77).
skip_unless_local() {
  if [[ "${PLATFORM}" != local ]]; then
    echo "needs this machine's node (its firewall chain): not on ${PLATFORM}"
    return 1
  fi
}

# --- client pods and load ---------------------------------------------------------------------------------------

# client_pod <namespace> <name> <labels as JSON>: a restricted pod with curl, busybox and loadgen; /tmp is writable.
client_pod() {
  k apply --server-side -f - > /dev/null << EOF
apiVersion: v1
kind: Pod
metadata:
  name: $2
  namespace: $1
  labels: $3
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: client
      image: ${CLIENT_IMAGE}
      imagePullPolicy: IfNotPresent
      command: [/bin/sleep, "7200"]
      resources:
        requests: {cpu: 50m, memory: 64Mi}
        limits: {memory: 512Mi}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
      volumeMounts: [{name: tmp, mountPath: /tmp}]
  volumes: [{name: tmp, emptyDir: {sizeLimit: 16Mi}}]
EOF
}

in_pod() { k exec -n "$1" "$2" -- "${@:3}"; }

# echo_from <namespace> <pod> <url>: POSTs BODY and compares the answer byte for byte.
echo_from() {
  local out
  out="$(in_pod "$1" "$2" curl -sS -m 5 -H 'Content-Type: application/json' --data-binary "${BODY}" "$3")" || return 1
  [[ "${out}" == "${BODY}" ]] || { echo "answer differs: ${out}"; return 1; }
}

# reaches <namespace> <pod> <url>: whether a POST gets any HTTP answer within 3 s.
reaches() { in_pod "$1" "$2" curl -s -m 3 -o /dev/null -H 'Content-Type: application/json' --data-binary '{}' "$3"; }

# load_start <name> <namespace> <pod> <loadgen args...>: loadgen in the pod, in the background; its JSON summary goes
# to WORK/<name>.json. It runs until load_stop <name> (or its -duration).
load_start() {
  local name=$1 ns=$2 pod=$3
  shift 3
  in_pod "${ns}" "${pod}" rm -f "/tmp/stop-${name}"
  (k exec -n "${ns}" "${pod}" -- loadgen -stop-file "/tmp/stop-${name}" "$@" > "${WORK}/${name}.json" 2> "${WORK}/${name}.err" < /dev/null || true) &
  echo "$!" > "${WORK}/${name}.pid"
  sleep 2
}

# load_stop <name> <namespace> <pod>: stops it, waits for the summary, prints it.
load_stop() {
  local name=$1 pid
  pid="$(cat "${WORK}/${name}.pid")"
  in_pod "$2" "$3" touch "/tmp/stop-${name}"
  wait "${pid}" 2> /dev/null || true
  jq -c . "${WORK}/${name}.json" || { echo "no summary from loadgen:"; cat "${WORK}/${name}.err"; return 1; }
}

# no_failures <name> <min rate>: the run answered every request (after its retries) at the offered rate or more.
no_failures() {
  local s
  s="$(cat "${WORK}/$1.json")"
  jq -e --argjson rate "$2" '.failed == 0 and .sent > 0 and .ratePerSecond >= ($rate * 0.95)' <<< "${s}" > /dev/null \
    || { echo "load $1: $(jq -c '{sent, failed, statuses, errors, ratePerSecond}' <<< "${s}")"; return 1; }
  echo "load $1: $(jq -r '"\(.sent) requests at \(.ratePerSecond | floor)/s, \(.failed) failed, \(.retried) retried after no answer, p99 \(.p99Millis) ms"' <<< "${s}")"
}

# The kubectl exec processes of loads a failed step left running (loadgen itself stops at its -duration).
stop_all_load() {
  local f
  for f in "${WORK}"/*.pid; do
    [[ -e "${f}" ]] && kill "$(cat "${f}")" 2> /dev/null
  done
  return 0
}

# --- EchoServices of the traffic checks -----------------------------------------------------------------------------

# e2e_echoservice <name> <extra spec YAML, indented by 2>: default resources; NodePort; ingress only from pods
# labelled e2e.echo.platform.dev/client=allowed; a per-client rate limit above the offered load (one client pod
# sends all of it).
e2e_echoservice() {
  k apply --server-side -f - << EOF
apiVersion: echo.platform.dev/v1alpha1
kind: EchoService
metadata:
  name: $1
  namespace: ${E2E_NS}
spec:
  labels: {e2e.echo.platform.dev/suite: traffic}
  service: {type: NodePort}
  settings: {rateLimitRps: 5000, rateLimitBurst: 10000}
  networkPolicy:
    enabled: true
    ingressFrom:
      - podSelector: {matchLabels: {e2e.echo.platform.dev/client: allowed}}
$2
EOF
}

url_of() { echo "http://$1.${E2E_NS}.svc.${CLUSTER_DOMAIN}/echo"; }

# --- failure artifacts ------------------------------------------------------------------------------------------

collect_artifacts() {
  local dir="${WORK}/artifacts" ns pod c
  mkdir -p "${dir}"
  k get nodes -o wide > "${dir}/nodes.txt" 2>&1
  k get events -A --sort-by=.lastTimestamp > "${dir}/events.txt" 2>&1
  k get pods -A -o wide > "${dir}/pods.txt" 2>&1
  k get echoservices -A -o json 2> /dev/null \
    | jq '[.items[] | select((.status.conditions // []) | any(.type == "Ready" and .status == "True") | not)]' \
      > "${dir}/echoservices-not-ready.json"
  for ns in "${OPERATOR_NS}" "${EXAMPLE_NAMESPACES[@]}" "${E2E_NS}" kube-system; do
    k get pods -n "${ns}" -o name 2> /dev/null | while read -r pod; do
      k describe -n "${ns}" "${pod}" > "${dir}/${ns}_${pod#pod/}.describe.txt" 2>&1
      for c in $(k get -n "${ns}" "${pod}" -o jsonpath='{.spec.containers[*].name}' 2> /dev/null); do
        k logs -n "${ns}" "${pod}" -c "${c}" > "${dir}/${ns}_${pod#pod/}_${c}.log" 2>&1
        k logs -n "${ns}" "${pod}" -c "${c}" --previous > "${dir}/${ns}_${pod#pod/}_${c}.previous.log" 2> /dev/null \
          || rm -f "${dir}/${ns}_${pod#pod/}_${c}.previous.log"
      done
    done
  done
  echo "artifacts (pod logs, events, EchoServices not Ready): ${dir}"
  echo "EchoServices not Ready: $(jq -r 'map("\(.metadata.namespace)/\(.metadata.name)") | join(" ")' "${dir}/echoservices-not-ready.json")"
}

e2e_cleanup() {
  local rc=$?
  set +e
  stop_all_load
  if ((FAILED > 0 || rc != 0)) && [[ "${KUBECONFIG_FILE}" != "(cluster not up)" ]]; then
    collect_artifacts
  fi
  if [[ "${E2E_KEEP_CLUSTER:-0}" == 1 || "${PLATFORM}" != local ]]; then
    echo "cluster kept; KUBECONFIG=${KUBECONFIG_FILE}; files in ${WORK}"
  else
    step "9. cluster down" s_cluster_down
    if ((FAILED == 0 && rc == 0)); then rm -rf "${WORK}"; else echo "files kept in ${WORK}"; fi
  fi
  summary
  if ((FAILED > 0 && rc == 0)); then rc=1; fi
  exit "${rc}"
}

# --- 1. the cluster and the images --------------------------------------------------------------------------------

s_cluster_down() {
  "${E2E_DIR}/cluster.sh" down > "${WORK}/cluster-down.log" 2>&1 || { cat "${WORK}/cluster-down.log"; return 1; }
  echo "cluster ${ECHO_CLUSTER_NAME} deleted"
}

s_cluster_up() {
  "${E2E_DIR}/cluster.sh" up
  "${KUBECTL}" --kubeconfig "$("${E2E_DIR}/cluster.sh" kubeconfig)" get nodes -o wide
}

s_images() {
  "${E2E_DIR}/images.sh" import
  "${E2E_DIR}/images.sh" sizes
}

# --- 2. the operator as pods of its chart ---------------------------------------------------------------------------

operator_pods() { k get pods -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}" "$@"; }

s_helm_install() {
  ensure_helm
  "${HELM}" version --short
  install_chart
  h status "${RELEASE}" -n "${OPERATOR_NS}" | sed -n '1,6p'
  [[ "$(k get ns "${OPERATOR_NS}" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" == restricted ]]
  k rollout status deployment -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}" --timeout=180s
  operator_pods -o wide
  operator_pods -o json | jq -e --arg image "${OPERATOR_IMAGE}" '.items | length == 2 and all(
      (.status.conditions | any(.type == "Ready" and .status == "True"))
      and .spec.containers[0].image == $image
      and .spec.containers[0].readinessProbe.httpGet.path == "/readyz"
      and .spec.containers[0].livenessProbe.httpGet.path == "/healthz"
      and (.status.containerStatuses[0].restartCount == 0))' > /dev/null \
    || { echo "expected 2 Ready operator pods of ${OPERATOR_IMAGE} with their probes and no restart"; return 1; }
  echo "2 operator pods Ready through /readyz (and live through /healthz), image ${OPERATOR_IMAGE}"
}

lease_holder_pod() {
  local holder
  holder="$(lease_holder)"
  local pods
  [[ -n "${holder}" ]] && pods="$(operator_pods -o name)" && grep -qx "pod/${holder}" <<< "${pods}" && echo "${holder}"
}

# leader_pod: the pod holding the Lease, asked until it answers (up to 60 s). A single read can fail while the API
# server is slow to answer on a busy machine (its error is not shown) or while the Lease changes hands.
leader_pod() {
  local i pod
  for ((i = 0; i < 60; i++)); do
    if pod="$(lease_holder_pod)"; then
      echo "${pod}"
      return 0
    fi
    sleep 1
  done
  echo "no operator pod held the Lease for 60 s" >&2
  return 1
}

s_operator_leads() {
  wait_until 90 "an operator pod holds the Lease" lease_holder_pod
  local leader
  leader="$(leader_pod)" || return 1
  echo "leader: ${leader} (Lease ${OPERATOR_NS}/${LEASE_NAME})"
  [[ -n "$(k get networkpolicy -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}" -o name)" ]] \
    || { echo "the chart's NetworkPolicy is missing"; return 1; }
  k get networkpolicy -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}" \
    -o jsonpath='{range .items[*]}{.metadata.name}: egress ports {.spec.egress[*].ports[*].port}{"\n"}{end}'
  # In-cluster configuration: the pod's own ServiceAccount token, no kubeconfig.
  operator_pods -o json | jq -e '.items | all(.spec.serviceAccountName != "default"
      and (.spec.containers[0].env // [] | all(.name != "KUBECONFIG")))' > /dev/null \
    || { echo "the operator pods do not run as the chart's ServiceAccount with in-cluster configuration"; return 1; }
  # Its first lines name the API server and who the operator is there (a SelfSubjectReview).
  local sa line
  sa="$(operator_pods -o jsonpath='{.items[0].spec.serviceAccountName}')"
  line="$(k logs -n "${OPERATOR_NS}" "${leader}" | jq -R -r -n '[inputs | fromjson? | .message // "" | select(startswith("Kubernetes API server"))] | first // ""')"
  echo "${line}"
  [[ "${line}" == *", as system:serviceaccount:${OPERATOR_NS}:${sa}" ]] \
    || { echo "the operator's start-up line does not name its ServiceAccount ${sa}"; return 1; }
}

# can <verb> <resource> [namespace]: whether the chart's ServiceAccount may.
can() {
  local sa
  sa="$(operator_pods -o jsonpath='{.items[0].spec.serviceAccountName}')"
  k auth can-i "$1" "$2" --as="system:serviceaccount:${OPERATOR_NS}:${sa}" ${3:+-n "$3"} 2> /dev/null | grep -qx yes
}

s_rbac() {
  local needed=(
    "get echoservices.echo.platform.dev" "list echoservices.echo.platform.dev" "watch echoservices.echo.platform.dev"
    "patch echoservices.echo.platform.dev/status" "update echoservices.echo.platform.dev/status"
    "patch configmaps" "patch deployments.apps" "patch services" "patch networkpolicies.networking.k8s.io"
    "patch poddisruptionbudgets.policy" "patch horizontalpodautoscalers.autoscaling" "delete horizontalpodautoscalers.autoscaling"
    "create events" "watch deployments.apps")
  local refused=(
    "list secrets" "get secrets" "create pods" "create pods/exec" "delete namespaces" "patch nodes" "create clusterroles.rbac.authorization.k8s.io"
    "create rolebindings.rbac.authorization.k8s.io" "delete echoservices.echo.platform.dev" "update customresourcedefinitions.apiextensions.k8s.io"
    "create serviceaccounts/token" "impersonate users")
  local v bad=0
  for v in "${needed[@]}"; do
    # shellcheck disable=SC2086 # verb and resource
    can ${v} echo-dev || { echo "missing: ${v}"; bad=1; }
  done
  for v in "${refused[@]}"; do
    # shellcheck disable=SC2086
    if can ${v} echo-dev; then echo "more than needed: ${v}"; bad=1; fi
  done
  ((bad == 0)) || return 1
  echo "the ServiceAccount may do the ${#needed[@]} things the operator does and none of ${#refused[@]} it does not"
}

# The operator's own log after the examples are Ready: nothing it tried was forbidden.
s_no_forbidden() {
  local pod
  pod="$(leader_pod)" || return 1
  local leader_log
  leader_log="$(k logs -n "${OPERATOR_NS}" "${pod}")" || { echo "cannot read the log of the leader ${pod}"; return 1; }
  if grep -i 'forbidden' <<< "${leader_log}" | sed -n 1,3p | grep .; then
    echo "the leader's log shows refused requests"
    return 1
  fi
  echo "no forbidden request in the leader's log ($(k logs -n "${OPERATOR_NS}" "${pod}" | wc -l) lines)"
}

# --- 3. the environment examples ----------------------------------------------------------------------------------

s_apply_examples() {
  local f ns
  for f in dev staging production; do
    if [[ "${PLATFORM}" == local ]]; then
      k apply --server-side -f "${REPO_ROOT}/deploy/examples/echoservice-${f}.yaml"
    else
      # kind has no registry with the images (they are loaded into its nodes): production's Always would not pull.
      sed 's/imagePullPolicy: Always/imagePullPolicy: IfNotPresent/' "${REPO_ROOT}/deploy/examples/echoservice-${f}.yaml" \
        | k apply --server-side -f -
    fi
  done
  for ns in "${EXAMPLE_NAMESPACES[@]}"; do
    [[ "$(k get ns "${ns}" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" == restricted ]] \
      || { echo "namespace ${ns} does not enforce restricted"; return 1; }
  done
  for ns in "${EXAMPLE_NAMESPACES[@]}"; do
    echoservice_ready 300 echo -n "${ns}"
  done
  k get echoservices -A
}

# expected_children <namespace> <name>: kinds the EchoService's spec calls for.
expected_children() {
  local es
  es="$(k get echoservice "$2" -n "$1" -o json)"
  echo configmap deployment service
  # (jq's // would turn an explicit false into the default)
  [[ "$(jq -r '.spec.networkPolicy.enabled | if . == null then true else . end' <<< "${es}")" == true ]] && echo networkpolicy
  [[ "$(jq -r '.spec.podDisruptionBudget.enabled | if . == null then true else . end' <<< "${es}")" == true ]] && echo poddisruptionbudget
  [[ "$(jq -r '.spec.autoscaling.enabled | if . == null then false else . end' <<< "${es}")" == true ]] && echo horizontalpodautoscaler
  return 0
}

check_children() { # <namespace> <name>
  local ns=$1 name=$2 uid kind obj all=(configmap deployment service networkpolicy poddisruptionbudget horizontalpodautoscaler)
  uid="$(k get echoservice "${name}" -n "${ns}" -o jsonpath='{.metadata.uid}')"
  local expected
  expected=" $(expected_children "${ns}" "${name}" | tr '\n' ' ')"
  for kind in "${all[@]}"; do
    if [[ "${expected}" == *" ${kind} "* ]]; then
      obj="$(k get "${kind}" "${name}" -n "${ns}" -o json)" || { echo "${ns}/${kind}/${name} missing"; return 1; }
      jq -e --arg uid "${uid}" '.metadata.ownerReferences | any(.kind == "EchoService" and .uid == $uid and .controller == true)' \
        <<< "${obj}" > /dev/null || { echo "${ns}/${kind}/${name} has no controller owner reference to the EchoService"; return 1; }
      jq -e '.metadata.labels["app.kubernetes.io/managed-by"] == "echo-operator" and .metadata.labels["app.kubernetes.io/part-of"] == "echo-operator"' \
        <<< "${obj}" > /dev/null || { echo "${ns}/${kind}/${name} lacks the standard labels"; return 1; }
    elif k get "${kind}" "${name}" -n "${ns}" > /dev/null 2>&1; then
      echo "${ns}/${kind}/${name} exists although the spec disables it"
      return 1
    fi
  done
  echo "ok ${ns}/${name}: $(expected_children "${ns}" "${name}" | tr '\n' ' ')owned by EchoService ${uid}"
}

s_children() {
  local ns
  for ns in "${EXAMPLE_NAMESPACES[@]}"; do check_children "${ns}" echo; done
}

# pods_ready <namespace> <instance> <count>: exactly <count> pods, all Ready on a node, none restarted.
pods_ready() {
  k get pods -n "$1" -l "app.kubernetes.io/instance=$2" -o json | jq -e --argjson n "$3" '
    [.items[] | select(.metadata.deletionTimestamp == null)] | length == $n and all(
      (.status.conditions // [] | any(.type == "Ready" and .status == "True"))
      and (.status.containerStatuses // [] | all(.restartCount == 0)))' > /dev/null
}

s_pods() {
  local ns replicas
  for ns in "${EXAMPLE_NAMESPACES[@]}"; do
    replicas="$(k get deployment echo -n "${ns}" -o jsonpath='{.spec.replicas}')"
    wait_until 120 "${replicas} Ready pods in ${ns}" pods_ready "${ns}" echo "${replicas}"
    k get pods -n "${ns}" -l app.kubernetes.io/instance=echo -o json | jq -e --arg image "${SERVER_IMAGE}" '.items | all(
        .spec.containers[0].image == $image and
        .spec.securityContext.runAsNonRoot == true
        and (.spec.containers[0].readinessProbe.httpGet.port == "management")
        and (.spec.containers[0].securityContext.readOnlyRootFilesystem == true))' > /dev/null \
      || { echo "pods in ${ns} lack the restricted settings or the management-port probes"; return 1; }
    echo "ok ${ns}: ${replicas} echo-server pods Ready through /readyz on the management port, no restart"
  done
  k get pods -n echo-production -o wide
}

s_columns() {
  local out header
  out="$(k get echoservices -A)"
  echo "${out}"
  header="$(head -1 <<< "${out}" | tr -s ' ')"
  [[ "${header}" == "NAMESPACE NAME READY REPLICAS VERSION URL AGE" ]] || { echo "unexpected columns: ${header}"; return 1; }
  awk 'NR > 1 && $2 == "echo" { if ($3 != "True" || $4 !~ /^[0-9]+\/[0-9]+$/ || $6 !~ /^http:\/\/echo\.echo-[a-z]+\.svc\.cluster\.local:[0-9]+$/) bad = 1; n++ }
       END { exit (n == 3 && !bad) ? 0 : 1 }' <<< "${out}" || { echo "rows lack Ready=True, n/n replicas or the URL"; return 1; }
  out="$(k get echoservices -A -o wide)"
  echo "${out}"
  header="$(head -1 <<< "${out}" | tr -s ' ')"
  [[ "${header}" == "NAMESPACE NAME READY REPLICAS VERSION URL AGE IMAGE SERVICE AUTOSCALING PAUSED" ]] \
    || { echo "unexpected -o wide columns: ${header}"; return 1; }
  awk 'NR > 1 && $2 == "echo" { if ($8 !~ /echo-server/ || $9 !~ /^(ClusterIP|NodePort|LoadBalancer)$/ || $10 !~ /^(off|[0-9]+-[0-9]+)$/) bad = 1; n++ }
       END { exit (n == 3 && !bad) ? 0 : 1 }' <<< "${out}" || { echo "wide rows lack the image, Service type or autoscaling range"; return 1; }
  k get echosvc -n echo-dev echo > /dev/null # the short name
}

s_scale() {
  k scale echoservice echo -n echo-staging --replicas=3
  wait_until 60 "Deployment replicas 3" jsonpath_is 3 deployment echo -n echo-staging '{.spec.replicas}'
  wait_until 120 "3 Ready pods" pods_ready echo-staging echo 3
  wait_until 60 "status 3/3" jsonpath_is 3/3 echoservice echo -n echo-staging '{.status.replicaSummary}'
  k get echoservice echo -n echo-staging
}

s_revert() {
  local image container
  container="$(k get deployment echo -n echo-dev -o jsonpath='{.spec.template.spec.containers[0].name}')"
  image="$(k get deployment echo -n echo-dev -o jsonpath='{.spec.template.spec.containers[0].image}')"
  k patch configmap echo -n echo-dev --type merge -p '{"data":{"LOG_LEVEL":"error"}}'
  k set image deployment/echo -n echo-dev "${container}=registry.invalid/not-echo:1"
  wait_until 60 "ConfigMap LOG_LEVEL back to debug" jsonpath_is debug configmap echo -n echo-dev '{.data.LOG_LEVEL}'
  wait_until 60 "Deployment image back to ${image}" jsonpath_is "${image}" deployment echo -n echo-dev '{.spec.template.spec.containers[0].image}'
  k rollout status deployment/echo -n echo-dev --timeout=120s
  echo "edits of LOG_LEVEL and the image were reverted; the Deployment is back to ${image}"
  # Each revert is reported on the EchoService with the field and the manager that set it.
  wait_until 60 "DriftReverted events for both edits" drift_reported \
    || { drift_events; return 1; }
  drift_events
}

drift_events() {
  k -n echo-dev get events --field-selector reason=DriftReverted,involvedObject.name=echo \
    -o custom-columns=TYPE:.type,MESSAGE:.message
}
drift_reported() {
  local events
  events="$(drift_events)"
  grep -qF 'ConfigMap echo: reverted data.LOG_LEVEL (set by kubectl-patch)' <<< "${events}" \
    && grep -qF 'Deployment echo: reverted spec.template.spec.containers[name=echo-server].image (set by kubectl-set)' <<< "${events}"
}

hpa_active() { jsonpath_is True hpa echo -n "$1" '{.status.conditions[?(@.type=="ScalingActive")].status}'; }

# The production example autoscales: the HPA reads real CPU from the metrics API and, at idle, keeps minReplicas;
# the operator's apply leaves spec.replicas to it.
s_autoscaling_idle() {
  wait_until 180 "the production HPA reads CPU" hpa_active echo-production
  k get deployment echo -n echo-production -o json --show-managed-fields | jq -e '
      [.metadata.managedFields[] | select(.manager == "echo-operator" and .operation == "Apply")] | length == 1
      and all(.fieldsV1["f:spec"] | has("f:replicas") | not)' > /dev/null \
    || { echo "the operator's apply owns spec.replicas of an autoscaled Deployment"; return 1; }
  sleep 30 # two more HPA periods at idle
  k get hpa echo -n echo-production
  local min max desired
  min="$(k get hpa echo -n echo-production -o jsonpath='{.spec.minReplicas}')"
  max="$(k get hpa echo -n echo-production -o jsonpath='{.spec.maxReplicas}')"
  desired="$(k get hpa echo -n echo-production -o jsonpath='{.status.desiredReplicas}')"
  k top pods -n echo-production --no-headers 2> /dev/null | sed 's/^/  idle: /'
  ((desired == min && desired < max)) || { echo "at idle the HPA wants ${desired} (min ${min}, max ${max})"; return 1; }
  echo "at idle the HPA keeps minReplicas ${min} (max ${max}); spec.replicas is not the operator's"
}

s_invalid() {
  local out
  if out="$(k create -f - 2>&1 << 'EOF'
apiVersion: echo.platform.dev/v1alpha1
kind: EchoService
metadata:
  name: invalid
  namespace: echo-dev
spec:
  replicas: -1
  service: {type: ClusterIP, nodePort: 30080}
EOF
  )"; then
    echo "an invalid EchoService was accepted"
    return 1
  fi
  echo "${out}"
  if ! grep -q 'spec.replicas: Invalid value: -1' <<< "${out}" \
    || ! grep -q 'spec.service.nodePort is only allowed with spec.service.type NodePort' <<< "${out}"; then
    echo "the refusal does not name the fields"
    return 1
  fi
}

# Deleting the staging and production examples: the garbage collector removes every child, ReplicaSets and pods
# included (and frees the node for the traffic checks).
# The fleet dashboard and alerts on real pods: with the Prometheus Operator's PodMonitor CRD installed, EchoService
# `scraped` (small limits, as deploy/monitoring/check.sh sets them) gets its PodMonitor; a Prometheus on this machine
# (Debian's, 127.0.0.1 only) scrapes the pod as that PodMonitor says (deploy/monitoring/podmonitor-scrape-config.py:
# the Prometheus Operator's translation; the namespace's pods as file_sd targets with the meta labels of Kubernetes
# discovery, which Debian's build lacks), so the series carry the labels the PodMonitor gives them; the traffic of check.sh comes from the client pods (deploy/monitoring/traffic.sh); then every
# fleet dashboard and alert expression must return data (deploy/monitoring/promql-check.py). The scrape reaches the
# management port from the node, which the EchoService's NetworkPolicy always admits.
s_fleet_scrape() {
  [[ "${PLATFORM}" == local ]] || { echo "needs a Prometheus on the node's machine"; return 77; }
  local port url max_body=65536
  ensure_prometheus
  trap fleet_scrape_cleanup EXIT
  k apply --server-side -f "${PODMONITOR_CRD}" > /dev/null
  k wait --for condition=Established --timeout=60s crd/podmonitors.monitoring.coreos.com > /dev/null
  k apply --server-side -f - << EOF
apiVersion: echo.platform.dev/v1alpha1
kind: EchoService
metadata: {name: scraped, namespace: ${E2E_NS}}
spec:
  replicas: 1
  podDisruptionBudget: {enabled: false}
  monitoring: {interval: 1s}
  settings: {rateLimitRps: 30, rateLimitBurst: 30, maxBodySize: ${max_body}, maxInflightBodyBytes: $((4 * max_body)), readTimeout: 2s}
  networkPolicy:
    ingressFrom:
      - podSelector: {matchLabels: {e2e.echo.platform.dev/client: allowed}}
EOF
  echoservice_ready 180 scraped -n "${E2E_NS}"
  wait_until 60 "the PodMonitor of ${E2E_NS}/scraped" k -n "${E2E_NS}" get podmonitors.monitoring.coreos.com scraped
  k -n "${E2E_NS}" get pods -o json > "${WORK}/pods.json"
  k -n "${E2E_NS}" get podmonitors.monitoring.coreos.com scraped -o json \
    | python3 "${REPO_ROOT}/deploy/monitoring/podmonitor-scrape-config.py" --pods "${WORK}/pods.json" \
      --targets "${WORK}/targets.json" --rules "${REPO_ROOT}/deploy/helm/echo-operator/files/rules/echo-fleet.rules.yaml" \
      > "${WORK}/prometheus.yml"
  port="$(free_port)"
  url="http://127.0.0.1:${port}"
  rm -rf "${WORK}/prometheus-data"
  "${PROMETHEUS}" --config.file="${WORK}/prometheus.yml" --storage.tsdb.path="${WORK}/prometheus-data" \
    --web.listen-address="127.0.0.1:${port}" --log.level=warn > "${WORK}/prometheus.log" 2>&1 &
  echo "$!" > "${WORK}/prometheus.pid"
  wait_until 30 "prometheus /-/ready" curl -fsS -m 2 "${url}/-/ready" || { tail -20 "${WORK}/prometheus.log"; return 1; }
  local service="http://scraped.${E2E_NS}.svc.${CLUSTER_DOMAIN}"
  in_pod "${E2E_NS}" client rm -f /tmp/stop-traffic
  in_pod "${E2E_NS}" client-2 rm -f /tmp/stop-traffic
  (k exec -i -n "${E2E_NS}" client -- bash -s -- "${service}" "${max_body}" /tmp/stop-traffic 300 mixed \
    < "${REPO_ROOT}/deploy/monitoring/traffic.sh" > "${WORK}/traffic-mixed.log" 2>&1 || true) &
  echo "$!" > "${WORK}/traffic-mixed.pid"
  (k exec -i -n "${E2E_NS}" client-2 -- bash -s -- "${service}" "${max_body}" /tmp/stop-traffic 300 burst \
    < "${REPO_ROOT}/deploy/monitoring/traffic.sh" > "${WORK}/traffic-burst.log" 2>&1 || true) &
  echo "$!" > "${WORK}/traffic-burst.pid"
  # The series as the PodMonitor labels them, then enough samples for every window ($__rate_interval is 30s).
  local selector="namespace=\"${E2E_NS}\", echoservice=\"scraped\""
  wait_until 120 "30 scrapes of the pod of ${E2E_NS}/scraped" prometheus_scraped "${url}" "${selector}" 30 \
    || { curl -fsS -m 5 "${url}/api/v1/targets" | jq -c '.data.activeTargets[] | {scrapeUrl, health, lastError}'; tail -20 "${WORK}/prometheus.log"; return 1; }
  curl -fsS -m 5 "${url}/api/v1/query" --data-urlencode "query=up{${selector}}" \
    | jq -r '.data.result[] | "scraped: " + (.metric | to_entries | map("\(.key)=\(.value)") | join(" "))'
  local statuses
  statuses="$(prometheus_statuses "${url}" "${selector}")"
  echo "traffic from the client pods, answered: ${statuses}"
  local status
  for status in 200 400 413 415 429 503; do
    [[ " ${statuses} " == *" ${status} "* ]] || { echo "the traffic produced no ${status}"; return 1; }
  done
  python3 "${REPO_ROOT}/deploy/monitoring/promql-check.py" "${url}" \
    "${REPO_ROOT}/deploy/helm/echo-operator/files/dashboards/echo-fleet.json" "${E2E_NS}" scraped
}

# The processes and objects of s_fleet_scrape, whatever its outcome.
PODMONITOR_CRD="${REPO_ROOT}/deploy/monitoring/crds/monitoring.coreos.com_podmonitors.yaml"
fleet_scrape_cleanup() {
  set +e
  in_pod "${E2E_NS}" client touch /tmp/stop-traffic 2> /dev/null
  in_pod "${E2E_NS}" client-2 touch /tmp/stop-traffic 2> /dev/null
  local f
  for f in traffic-mixed traffic-burst prometheus; do
    [[ -s "${WORK}/${f}.pid" ]] && { kill "$(cat "${WORK}/${f}.pid")" 2> /dev/null; wait "$(cat "${WORK}/${f}.pid")" 2> /dev/null; rm -f "${WORK}/${f}.pid"; }
  done
  k -n "${E2E_NS}" delete echoservice scraped --ignore-not-found --wait=false > /dev/null
  k delete -f "${PODMONITOR_CRD}" --ignore-not-found > /dev/null
}

# With the Prometheus Operator's real PodMonitor CRD (deploy/monitoring/crds, v0.85.0; the Prometheus Operator itself
# does not run here): the EchoService that already exists gets its PodMonitor without any change to it (the operator's
# API discovery notices the CRD within 15 s and reconciles every EchoService), the PodMonitor survives the real
# schema's pruning, a new EchoService gets one, and deleting it collects it. Late in the suite: EchoServices
# reconciled while the CRD is installed get one, which the write-counting checks would see.
s_podmonitor() {
  local crd="${PODMONITOR_CRD}" ok=0
  k apply --server-side -f "${crd}" > /dev/null
  k wait --for condition=Established --timeout=60s crd/podmonitors.monitoring.coreos.com > /dev/null
  k apply --server-side -f - <<'EOF'
apiVersion: echo.platform.dev/v1alpha1
kind: EchoService
metadata: {name: monitored, namespace: echo-dev}
spec: {replicas: 0, monitoring: {interval: 15s}}
EOF
  wait_until 60 "the PodMonitor of the existing echo-dev/echo" k -n echo-dev get podmonitors.monitoring.coreos.com echo \
    && wait_until 60 "the PodMonitor of echo-dev/monitored" k -n echo-dev get podmonitors.monitoring.coreos.com monitored \
    && podmonitor_as_built monitored 15s \
    && k -n echo-dev delete echoservice monitored --wait=true \
    && wait_until 60 "the PodMonitor collected with its EchoService" none_left podmonitors.monitoring.coreos.com -n echo-dev monitored \
    && ok=1
  k -n echo-dev delete echoservice monitored --ignore-not-found --wait=false > /dev/null
  k delete -f "${crd}" --ignore-not-found > /dev/null
  ((ok == 1)) && echo "PodMonitor created for the existing and the new EchoService, kept whole by the real CRD, garbage-collected with its EchoService"
}

# The stored PodMonitor of echo-dev/$1 as the operator built it: owner, management port, interval, the relabeling to
# the echoservice label (a field the real schema did not know would have been pruned).
podmonitor_as_built() {
  local got want
  got="$(k -n echo-dev get podmonitors.monitoring.coreos.com "$1" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.spec.podMetricsEndpoints[0].port} {.spec.podMetricsEndpoints[0].path} {.spec.podMetricsEndpoints[0].interval} {.spec.podMetricsEndpoints[0].relabelings[0].targetLabel} {.spec.selector.matchLabels.app\.kubernetes\.io/instance}')"
  want="EchoService/$1 management /metrics $2 echoservice $1"
  echo "PodMonitor $1: ${got}"
  [[ "${got}" == "${want}" ]] || { echo "expected: ${want}"; return 1; }
}

s_gc() {
  k delete echoservice echo -n echo-staging --wait=false
  k delete echoservice echo -n echo-production --wait=false
  local ns
  for ns in echo-staging echo-production; do
    wait_until 120 "children in ${ns} garbage-collected" none_left \
      configmap,deployment,replicaset,pod,service,networkpolicy,poddisruptionbudget,horizontalpodautoscaler \
      -n "${ns}" -l app.kubernetes.io/instance=echo
  done
  echo "all children (and ReplicaSets, pods) of staging and production removed by the garbage collector"
}

# --- 4. traffic: Services, NetworkPolicy, DNS ---------------------------------------------------------------------

s_traffic_setup() {
  restricted_namespace "${E2E_NS}"
  e2e_echoservice echo ""
  client_pod "${E2E_NS}" client '{e2e.echo.platform.dev/client: allowed}'
  client_pod "${E2E_NS}" client-2 '{e2e.echo.platform.dev/client: allowed}'
  client_pod "${E2E_NS}" stranger '{e2e.echo.platform.dev/client: stranger}'
  k wait --for=condition=Ready pod/client pod/client-2 pod/stranger -n "${E2E_NS}" --timeout=120s
  echoservice_ready 180 echo -n "${E2E_NS}"
  wait_until 120 "2 Ready echo-server pods" pods_ready "${E2E_NS}" echo 2
}

s_echo_cluster_ip() {
  wait_until 30 "an answer through the ClusterIP" echo_from "${E2E_NS}" client "$(url_of echo)"
  echo_from "${E2E_NS}" client "$(url_of echo)"
  echo "POST $(url_of echo) from pod client: the body came back byte for byte"
}

s_echo_node_port() {
  local port node addr out
  port="$(k get service echo -n "${E2E_NS}" -o jsonpath='{.spec.ports[0].nodePort}')"
  node="$(k get pods -n "${E2E_NS}" -l app.kubernetes.io/instance=echo -o jsonpath='{.items[0].spec.nodeName}')"
  addr="$(node_address "${node}")"
  out="$(curl -sS -m 5 -H 'Content-Type: application/json' --data-binary "${BODY}" "http://${addr}:${port}/echo")"
  [[ "${out}" == "${BODY}" ]] || { echo "answer differs: ${out}"; return 1; }
  echo "POST http://${addr}:${port}/echo from this machine: the body came back byte for byte"
}

stranger_refused() { ! reaches "${E2E_NS}" stranger "$(url_of echo)"; }

s_network_policy_ingress() {
  reaches "${E2E_NS}" client "$(url_of echo)" || { echo "the admitted client gets no answer"; return 1; }
  wait_until 30 "the stranger refused" stranger_refused
  local _
  for _ in 1 2 3; do
    if reaches "${E2E_NS}" stranger "$(url_of echo)"; then echo "a pod outside ingressFrom got an answer"; return 1; fi
  done
  echo "client (e2e.echo.platform.dev/client=allowed) answered; stranger refused 3/3 (kube-router rejects; a policy that drops would time out)"
}

# An ephemeral container in an echo-server pod shares its network namespace, so the pod's egress policy applies to
# it: DNS to kube-dns works, every other connection fails (the API server, another pod, an address off the cluster).
s_network_policy_egress() {
  local pod other api out
  pod="$(k get pods -n "${E2E_NS}" -l app.kubernetes.io/instance=echo -o jsonpath='{.items[0].metadata.name}')"
  other="$(k get pod client -n "${E2E_NS}" -o jsonpath='{.status.podIP}')"
  api="$(k get service kubernetes -n default -o jsonpath='{.spec.clusterIP}')"
  k debug -n "${E2E_NS}" "pod/${pod}" -c egress-probe --image="${CLIENT_IMAGE}" --image-pull-policy=IfNotPresent \
    --profile=restricted --target=echo-server -- sh -c "
      nslookup kubernetes.default.svc.${CLUSTER_DOMAIN} > /dev/null 2>&1 && echo dns=ok || echo dns=failed
      nc -w 3 ${api} 443 < /dev/null > /dev/null 2>&1 && echo api=open || echo api=blocked
      nc -w 3 ${other} 80 < /dev/null > /dev/null 2>&1 && echo pod=open || echo pod=blocked
      curl -s -m 3 -o /dev/null http://echo-server-egress-check.invalid/ && echo name=open || echo name=blocked" > /dev/null
  wait_until 60 "the probe container finished" jsonpath_is "" pod "${pod}" -n "${E2E_NS}" \
    '{.status.ephemeralContainerStatuses[?(@.name=="egress-probe")].state.running}'
  wait_until 30 "the probe container terminated" ephemeral_terminated "${pod}"
  out="$(k logs -n "${E2E_NS}" "${pod}" -c egress-probe)"
  echo "${out}" | tr '\n' ' '
  echo
  [[ "${out}" == *"dns=ok"* && "${out}" == *"api=blocked"* && "${out}" == *"pod=blocked"* ]]
  echo "from echo-server pod ${pod}: DNS resolves; the API server (${api}:443) and a pod (${other}:80) are unreachable"
}

ephemeral_terminated() {
  [[ -n "$(k get pod "$1" -n "${E2E_NS}" -o jsonpath='{.status.ephemeralContainerStatuses[?(@.name=="egress-probe")].state.terminated.exitCode}')" ]]
}

s_egress_dropped() {
  skip_unless_local || return 77
  local before after
  before="$(egress_drop_count)"
  if in_pod "${E2E_NS}" client nc -w 3 198.51.100.1 80 < /dev/null > /dev/null 2>&1; then
    echo "a pod connected to 198.51.100.1"
    return 1
  fi
  after="$(egress_drop_count)"
  echo "DROP counter of the node's forward chain: ${before} -> ${after} packets"
  ((after > before))
}

# The packets of the node's DROP rule for traffic leaving the bridge (deploy/local/node.sh, firewall_up).
egress_drop_count() {
  iptables -w -t mangle -L ECHO-NODE-FORWARD -v -x -n \
    | awk '$3 == "DROP" && $6 != "*" && $7 == "*" { print $1; found = 1 } END { exit !found }'
}

# --- 5. changes under load ----------------------------------------------------------------------------------------

# sample_rollout <file>: every 0.5 s the Deployment's pods (all ReplicaSets) and Ready ones, until the file is gone.
sample_rollout() {
  while [[ -f "$1.run" ]]; do
    k get deployment echo -n "${E2E_NS}" -o jsonpath='{.status.replicas} {.status.readyReplicas} {.status.updatedReplicas}{"\n"}' >> "$1" 2> /dev/null
    sleep 0.5
  done
}

status_of_body() { # <size in bytes>: the status a POST of a JSON body of that size gets
  in_pod "${E2E_NS}" client sh -c "head -c $(($1 - 8)) /dev/zero | tr '\\0' x | { printf '{\"a\":\"'; cat; printf '\"}'; } \
    | curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @- $(url_of echo)"
}

s_rollout_under_load() {
  local before after samples="${WORK}/rollout-samples"
  before="$(status_of_body 1500000)"
  [[ "${before}" == 413 ]] || { echo "a 1.5 MB body got ${before} before the change (maxBodySize 1 MiB)"; return 1; }
  load_start rollout "${E2E_NS}" client -url "$(url_of echo)" -rate "${LOAD_RATE}" -duration 300s
  : > "${samples}"
  touch "${samples}.run"
  sample_rollout "${samples}" &
  local sampler=$!
  k patch echoservice echo -n "${E2E_NS}" --type merge -p '{"spec":{"settings":{"maxBodySize":2097152}}}'
  wait_until 60 "ConfigMap MAX_BODY_SIZE=2097152" jsonpath_is 2097152 configmap echo -n "${E2E_NS}" '{.data.MAX_BODY_SIZE}'
  # Ready for the patched generation: the operator has written the new pod template and seen its rollout
  # complete. `kubectl rollout status` alone could read the Deployment between the ConfigMap's write and the
  # Deployment's, and report the previous template's rollout as complete.
  echoservice_ready 240 echo -n "${E2E_NS}"
  k rollout status deployment/echo -n "${E2E_NS}" --timeout=60s
  sleep 3
  rm -f "${samples}.run"
  wait "${sampler}" || true
  load_stop rollout "${E2E_NS}" client
  no_failures rollout "${LOAD_RATE}"
  # maxSurge 1, maxUnavailable 0: never fewer than 2 Ready pods, never more than 3 pods.
  awk '{ if ($1 > max) max = $1; if (min == "" || $2 < min) min = $2 } END { printf "pods at most %d, Ready at least %d over %d samples\n", max, min, NR; exit !(max <= 3 && min >= 2) }' "${samples}" \
    || { echo "the rollout was not one pod at a time"; return 1; }
  after="$(status_of_body 1500000)"
  [[ "${after}" == 200 ]] || { echo "a 1.5 MB body got ${after} after the rollout"; return 1; }
  echo "the new pods accept a 1.5 MB body (413 before the change)"
}

# Pod UIDs and restart counts of every echo-server pod.
server_pods_signature() {
  k get pods -A -l app.kubernetes.io/name=echo-server -o json \
    | jq -r '.items[] | "\(.metadata.namespace)/\(.metadata.name) \(.metadata.uid) \([.status.containerStatuses[]?.restartCount] | add)"' | sort
}

s_operator_upgrade_under_load() {
  local chart="${WORK}/chart-next" before version next_tag
  version="$(sed -n 's/^version: //p' "${CHART_DIR}/Chart.yaml")"
  next_tag="${OPERATOR_IMAGE##*:}-e2e.1"
  rm -rf "${chart}"
  cp -r "${CHART_DIR}" "${chart}"
  sed -i "s/^version: .*/version: ${version}-e2e.1/" "${chart}/Chart.yaml"
  # The same image under a new tag, as a release of the same tree would be.
  if [[ "${PLATFORM}" == local ]]; then
    "${NODE_BIN}/ctr" --address "/run/echo-operator/${ECHO_CLUSTER_NAME}/containerd.sock" -n k8s.io \
      images tag --force "${OPERATOR_IMAGE}" "${OPERATOR_IMAGE%:*}:${next_tag}" > /dev/null
  else
    local node
    for node in $(k get nodes -o jsonpath='{.items[*].metadata.name}'); do
      docker exec "${node}" ctr -n k8s.io images tag --force "${OPERATOR_IMAGE}" "${OPERATOR_IMAGE%:*}:${next_tag}" > /dev/null
    done
  fi
  before="$(server_pods_signature)"
  load_start upgrade "${E2E_NS}" client -url "$(url_of echo)" -rate "${LOAD_RATE}" -duration 300s
  h upgrade "${RELEASE}" "${chart}" -n "${OPERATOR_NS}" --reuse-values --set image.tag="${next_tag}" --wait --timeout 4m | sed -n '1,6p'
  k rollout status deployment -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}" --timeout=180s
  wait_until 90 "an upgraded operator pod holds the Lease" upgraded_leader "${next_tag}"
  sleep 20 # the new leader reconciles every EchoService
  load_stop upgrade "${E2E_NS}" client
  no_failures upgrade "${LOAD_RATE}"
  same_signature "echo-server pods changed during the operator upgrade" "${before}" "$(server_pods_signature)"
  echo "chart ${version} -> ${version}-e2e.1, operator image tag ${next_tag}: $(wc -l <<< "${before}") echo-server pods unchanged (same UIDs, no restart)"
}

# same_signature <what changed> <before> <after>: equal, or the difference and failure.
same_signature() {
  [[ "$2" == "$3" ]] && return 0
  echo "$1:"
  diff <(echo "$2") <(echo "$3") || true
  return 1
}

upgraded_leader() {
  local pod
  pod="$(lease_holder_pod)" || return 1
  [[ "$(k get pod "${pod}" -n "${OPERATOR_NS}" -o jsonpath='{.spec.containers[0].image}')" == *":$1" ]]
}

restarted_and_ready() { # <namespace> <pod> <restarts before>
  k get pod "$2" -n "$1" -o json | jq -e --argjson n "$3" \
    '(.status.containerStatuses[0].restartCount > $n) and (.status.conditions | any(.type == "Ready" and .status == "True"))' > /dev/null
}

s_kill_server_under_load() {
  local pod restarts
  pod="$(k get pods -n "${E2E_NS}" -l app.kubernetes.io/instance=echo -o jsonpath='{.items[0].metadata.name}')"
  restarts="$(k get pod "${pod}" -n "${E2E_NS}" -o jsonpath='{.status.containerStatuses[0].restartCount}')"
  load_start kill "${E2E_NS}" client -url "$(url_of echo)" -rate "${LOAD_RATE}" -duration 300s
  kill_container "${E2E_NS}" "${pod}" echo-server
  echo "SIGKILL to echo-server in ${pod} at $(date -u +%T)"
  wait_until 120 "${pod} restarted and Ready" restarted_and_ready "${E2E_NS}" "${pod}" "${restarts}"
  sleep 5
  load_stop kill "${E2E_NS}" client
  no_failures kill "${LOAD_RATE}"
  echo "${pod}: last state $(k get pod "${pod}" -n "${E2E_NS}" -o jsonpath='{.status.containerStatuses[0].lastState.terminated.reason} (exit {.status.containerStatuses[0].lastState.terminated.exitCode})'), Ready again"
}

s_kill_operator() {
  local leader restarts lease_seconds t0
  # Right after the upgrade the Lease can still name a replaced pod until a new one takes it.
  leader="$(leader_pod)" || return 1
  restarts="$(k get pod "${leader}" -n "${OPERATOR_NS}" -o jsonpath='{.status.containerStatuses[0].restartCount}')"
  lease_seconds="$(k get lease "${LEASE_NAME}" -n "${OPERATOR_NS}" -o jsonpath='{.spec.leaseDurationSeconds}')"
  kill_container "${OPERATOR_NS}" "${leader}" "$(k get pod "${leader}" -n "${OPERATOR_NS}" -o jsonpath='{.spec.containers[0].name}')"
  t0=${SECONDS}
  echo "SIGKILL to the leader ${leader} at $(date -u +%T)"
  wait_until $((lease_seconds + 60)) "a leader after the kill" new_lease_holder "${leader}" "${restarts}"
  echo "$(lease_holder) leads after $((SECONDS - t0)) s (lease duration ${lease_seconds} s)"
  wait_until 120 "${leader} restarted and Ready" restarted_and_ready "${OPERATOR_NS}" "${leader}" "${restarts}"
  # The new leader reconciles: a change made now is applied.
  k patch echoservice echo -n echo-dev --type merge -p '{"spec":{"settings":{"logLevel":"warn"}}}'
  wait_until 60 "ConfigMap LOG_LEVEL=warn" jsonpath_is warn configmap echo -n echo-dev '{.data.LOG_LEVEL}'
  echo "killed operator container restarted and Ready; the leader applies a new change"
}

# The Lease held by a live pod other than the killed leader's incarnation: another pod, or the same pod restarted.
new_lease_holder() {
  local holder
  holder="$(lease_holder_pod)" || return 1
  [[ "${holder}" != "$1" ]] && return 0
  k get pod "$1" -n "${OPERATOR_NS}" -o json | jq -e --argjson n "$2" '.status.containerStatuses[0].restartCount > $n' > /dev/null
}

s_operator_restart_writes_nothing() {
  local before
  sleep 5
  before="$(children_signature | sort)"
  k rollout restart deployment -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}"
  k rollout status deployment -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}" --timeout=180s
  wait_until 90 "a restarted operator pod holds the Lease" lease_holder_pod
  sleep 25 # the new leader reconciles every EchoService once its informers have synced
  same_signature "children written after the restart" "${before}" "$(children_signature | sort)"
  echo "$(wc -l <<< "${before}") resource versions, generations and managed-field timestamps unchanged"
}

# Every child's write identity: resourceVersion for objects only the operator writes (ConfigMaps, Services,
# NetworkPolicies), generation for those controllers update the status of, plus every field manager's timestamp.
children_signature() {
  local kind
  for kind in configmap service networkpolicy; do
    k get "${kind}" -A -l app.kubernetes.io/managed-by=echo-operator -o json \
      | jq -r --arg k "${kind}" '.items[] | "\($k) \(.metadata.namespace)/\(.metadata.name) rv=\(.metadata.resourceVersion)"'
  done
  for kind in deployment poddisruptionbudget horizontalpodautoscaler echoservice; do
    k get "${kind}" -A -o json \
      | jq -r --arg k "${kind}" '.items[] | select($k == "echoservice" or .metadata.labels["app.kubernetes.io/managed-by"] == "echo-operator")
          | "\($k) \(.metadata.namespace)/\(.metadata.name) generation=\(.metadata.generation)"'
  done
  for kind in configmap service networkpolicy deployment poddisruptionbudget horizontalpodautoscaler; do
    k get "${kind}" -A -l app.kubernetes.io/managed-by=echo-operator -o json --show-managed-fields \
      | jq -r --arg k "${kind}" '.items[] | . as $o | .metadata.managedFields[]
          | select(.manager | startswith("echo-operator") or . == "fabric8-kubernetes-client")
          | "\($k) \($o.metadata.namespace)/\($o.metadata.name) \(.manager) \(.operation) \(.subresource // "") \(.time)"'
  done
}

ready_pods_are() { # <namespace> <instance> <n>: n Ready pods of the instance, none terminating
  k get pods -n "$1" -l "app.kubernetes.io/instance=$2" -o json | jq -e --argjson n "$3" '
    [.items[] | select(.metadata.deletionTimestamp == null)] | length == $n and all(
      .status.conditions // [] | any(.type == "Ready" and .status == "True"))' > /dev/null
}

# kubectl drain of the echo-server pods' node under load (EchoService echo: 2 replicas, PDB maxUnavailable 1). With
# another schedulable node the drain must complete, the pods moving there. With this machine's single real node the
# evicted pod's replacement cannot be scheduled while the node is cordoned: the PDB must let exactly one eviction
# through and refuse the next, so the drain waits (given 30 s) instead of taking the service down, and the remaining
# pod serves alone. Either way 0 failed requests; uncordoned, the Deployment is back to 2 Ready pods.
s_drain_under_load() {
  local node others rc=0 evicted
  node="$(k get pods -n "${E2E_NS}" -l app.kubernetes.io/instance=echo -o jsonpath='{.items[0].spec.nodeName}')"
  others="$(k get nodes -o json | jq --arg n "${node}" '[.items[] | select(.metadata.name != $n and (.spec.unschedulable | not))] | length')"
  load_start drain "${E2E_NS}" client -url "$(url_of echo)" -rate "${LOAD_RATE}" -duration 300s
  # Only this EchoService's pods (an instance label alone would match echo-dev's too).
  k drain "${node}" --pod-selector app.kubernetes.io/instance=echo,e2e.echo.platform.dev/suite=traffic \
    --ignore-daemonsets --delete-emptydir-data \
    --timeout 30s > "${WORK}/drain.log" 2>&1 || rc=$?
  grep -v '^error when evicting' "${WORK}/drain.log" | sed -n '1,8p'
  echo "... $(grep -c 'violate the pod.s disruption budget' "${WORK}/drain.log" || true) evictions refused by the PDB"
  k get pods -n "${E2E_NS}" -l app.kubernetes.io/instance=echo -o wide
  evicted="$(grep -c '^pod/.* evicted$' "${WORK}/drain.log" || true)"
  local ok=1
  if ((others == 0)); then
    ((rc != 0)) || { echo "the drain completed on the only node: the PDB let both pods go"; ok=0; }
    ((evicted == 1)) || { echo "${evicted} pods evicted, expected exactly 1 (maxUnavailable 1)"; ok=0; }
    k get pods -n "${E2E_NS}" -l app.kubernetes.io/instance=echo -o json \
      | jq -e '[.items[] | select(.status.conditions // [] | any(.type == "Ready" and .status == "True"))] | length == 1' > /dev/null \
      || { echo "expected the one pod the PDB kept Ready during the drain"; ok=0; }
  else
    ((rc == 0)) || { echo "the drain did not complete with ${others} other schedulable nodes"; ok=0; }
  fi
  k uncordon "${node}"
  wait_until 120 "2 Ready echo-server pods again" ready_pods_are "${E2E_NS}" echo 2
  sleep 3
  load_stop drain "${E2E_NS}" client
  no_failures drain "${LOAD_RATE}" || ok=0
  ((ok)) && echo "drain of ${node}: ${evicted} evicted, then $( ((others == 0)) && echo "held by the PDB (no other node for the replacement)" || echo "completed"); 2 Ready after uncordon"
  ((ok))
}

# --- 6. autoscaling and memory ------------------------------------------------------------------------------------

hpa_desired() { k get hpa "$1" -n "${E2E_NS}" -o jsonpath='{.status.desiredReplicas}'; }
hpa_cpu() { k get hpa "$1" -n "${E2E_NS}" -o jsonpath='{.status.currentMetrics[?(@.resource.name=="cpu")].resource.current.averageUtilization}'; }
deployment_at_least() { (($(k get deployment "$1" -n "${E2E_NS}" -o jsonpath='{.status.readyReplicas}') >= $2)); }
deployment_at() { jsonpath_is "$2" deployment "$1" -n "${E2E_NS}" '{.spec.replicas}'; }

# Default resources (CPU request 100m, target 70 %), 1-3 replicas; the scale-down window is shortened to 30 s for the
# test (default 300 s).
s_hpa() {
  e2e_echoservice scaler "  autoscaling: {enabled: true, minReplicas: 1, maxReplicas: 3, scaleDownStabilizationWindowSeconds: 30}
  podDisruptionBudget: {enabled: false}"
  echoservice_ready 180 scaler -n "${E2E_NS}"
  wait_until 180 "the HPA reads CPU" hpa_active_e2e scaler
  sleep 30
  k get hpa scaler -n "${E2E_NS}"
  [[ "$(hpa_desired scaler)" == 1 ]] || { echo "at idle the HPA wants $(hpa_desired scaler), not minReplicas 1"; return 1; }
  echo "idle: 1 replica (min 1, max 3); $(k top pods -n "${E2E_NS}" -l app.kubernetes.io/instance=scaler --no-headers 2> /dev/null | awk '{print $2 " CPU, " $3 " memory"}')"
  local t0=${SECONDS}
  # One pod (CPU limit 200m) cannot serve 400 requests/s: until the new pods are Ready it sheds the excess with 503
  # (body budget, per-client connection cap) or 429; those are the answers a client is promised under overload.
  load_start hpa "${E2E_NS}" client -url "$(url_of scaler)" -rate 400 -duration 300s -body-size 4096 -allow 200,503,429
  wait_until 180 "scaled up to 2 or more Ready pods" deployment_at_least scaler 2
  echo "under 400 requests/s of 4 KiB: $(k get deployment scaler -n "${E2E_NS}" -o jsonpath='{.status.readyReplicas}') Ready replicas after $((SECONDS - t0)) s; HPA CPU $(hpa_cpu scaler) % of request (target 70 %)"
  load_stop hpa "${E2E_NS}" client
  no_failures hpa 400
  echo "answers: $(jq -r '.statuses | to_entries | map("\(.key)=\(.value)") | join(" ")' "${WORK}/hpa.json")"
  t0=${SECONDS}
  wait_until 240 "scaled back to 1" deployment_at scaler 1
  echo "idle again: back to 1 replica $((SECONDS - t0)) s after the load stopped (window 30 s)"
  k get hpa scaler -n "${E2E_NS}"
}

hpa_active_e2e() { jsonpath_is True hpa "$1" -n "${E2E_NS}" '{.status.conditions[?(@.type=="ScalingActive")].status}'; }

# 500 concurrent 1 MiB uploads (250 from each of two client pods) against an EchoService with default resources (one
# pod, 128Mi): answers 200, 503 (body budget, connection cap) or 429 only, and no container OOMKilled.
s_memory() {
  e2e_echoservice memory "  replicas: 1
  podDisruptionBudget: {enabled: false}"
  echoservice_ready 180 memory -n "${E2E_NS}"
  wait_until 60 "an answer" echo_from "${E2E_NS}" client "$(url_of memory)"
  load_start memory-1 "${E2E_NS}" client -url "$(url_of memory)" -concurrency 250 -requests 250 -body-size 1048576 -allow 200,503,429 -retries 0 -timeout 60s
  load_start memory-2 "${E2E_NS}" client-2 -url "$(url_of memory)" -concurrency 250 -requests 250 -body-size 1048576 -allow 200,503,429 -retries 0 -timeout 60s
  wait "$(cat "${WORK}/memory-1.pid")" "$(cat "${WORK}/memory-2.pid")" 2> /dev/null || true
  jq -c '{sent, failed, statuses, errors, p99Millis}' "${WORK}/memory-1.json" "${WORK}/memory-2.json"
  local pod
  pod="$(k get pods -n "${E2E_NS}" -l app.kubernetes.io/instance=memory -o jsonpath='{.items[0].metadata.name}')"
  k get pod "${pod}" -n "${E2E_NS}" -o json | jq -e '.status.containerStatuses | all(.restartCount == 0 and (.lastState.terminated.reason // "") != "OOMKilled")' > /dev/null \
    || { echo "echo-server restarted: $(k get pod "${pod}" -n "${E2E_NS}" -o jsonpath='{.status.containerStatuses[0].lastState}')"; return 1; }
  jq -s -e 'all(.failed == 0 and .sent == 250)' "${WORK}/memory-1.json" "${WORK}/memory-2.json" > /dev/null \
    || { echo "answers other than 200, 503 and 429, or requests without an answer"; return 1; }
  echo "500 uploads of 1 MiB at once: $(jq -s -r 'map(.statuses | to_entries) | add | group_by(.key) | map("\(.[0].key)=\(map(.value) | add)") | join(" ")' "${WORK}/memory-1.json" "${WORK}/memory-2.json"); ${pod} not restarted, no OOMKilled"
  if [[ "${PLATFORM}" == local ]]; then
    echo "memory cgroup peak of the pod: $(pod_memory_peak "${pod}")"
  fi
}

# The pod's memory cgroup high-water mark (cgroup v1 max_usage_in_bytes) under the node's cgroup parent.
pod_memory_peak() {
  local uid f
  uid="$(k get pod "$1" -n "${E2E_NS}" -o jsonpath='{.metadata.uid}')"
  f="$(find /sys/fs/cgroup/memory -maxdepth 4 -type d -name "pod${uid}" 2> /dev/null | sed -n 1p)"
  [[ -n "${f}" ]] && awk '{ printf "%.1f MiB (limit 128 MiB)", $1 / 1048576 }' "${f}/memory.max_usage_in_bytes"
}

# --- 7. the chart: CRD upgrade, uninstall ---------------------------------------------------------------------------

s_helm_upgrade_crd() {
  local chart="${WORK}/chart"
  rm -rf "${chart}"
  cp -r "${CHART_DIR}" "${chart}"
  local crd="${chart}/files/crds/${CRD_NAME}-v1.yml"
  [[ -f "${crd}" ]] || { echo "the chart has no ${crd#"${WORK}/"}"; return 1; }
  # A new optional field in the copy's CRD (under spec.properties).
  python3 - "${crd}" << 'EOF'
import sys
path = sys.argv[1]
lines = open(path).read().split("\n")
# openAPIV3Schema.properties.spec.properties: the first "properties:" under "spec:" (after its description).
for i, line in enumerate(lines):
    if line == "          spec:":
        j = next((k for k in range(i + 1, len(lines)) if lines[k] == "            properties:"), None)
        if j is None or any(l.startswith("          ") and not l.startswith("           ") for l in lines[i + 1:j]):
            sys.exit("spec.properties not found in " + path)
        lines[j + 1:j + 1] = [
            "              e2eUpgradeMarker:",
            "                description: \"Added by the end-to-end test's chart upgrade.\"",
            "                type: \"string\""]
        break
else:
    sys.exit("spec not found in " + path)
open(path, "w").write("\n".join(lines))
EOF
  h upgrade "${RELEASE}" "${chart}" -n "${OPERATOR_NS}" --reuse-values --wait --timeout 3m | sed -n '1,6p'
  k get crd "${CRD_NAME}" -o json \
    | jq -e '.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.e2eUpgradeMarker.type == "string"' > /dev/null \
    || { echo "the upgraded CRD lacks the new field"; return 1; }
  k wait --for=condition=Established crd/"${CRD_NAME}" --timeout=30s
  k patch echoservice echo -n echo-dev --type merge -p '{"spec":{"e2eUpgradeMarker":"kept"}}'
  [[ "$(k get echoservice echo -n echo-dev -o jsonpath='{.spec.e2eUpgradeMarker}')" == kept ]] \
    || { echo "the new field is not served"; return 1; }
  echo "revision $(h history "${RELEASE}" -n "${OPERATOR_NS}" -o json | jq 'map(.revision) | max'): the cluster's CRD has spec.e2eUpgradeMarker"
}

# docs/deploy.md: helm uninstall removes the Deployment, ServiceAccount, RBAC, Service, PDB and NetworkPolicy; the CRD
# is kept (crds.keep, helm.sh/resource-policy: keep) and with it every EchoService.
s_helm_uninstall() {
  h uninstall "${RELEASE}" -n "${OPERATOR_NS}" --wait --timeout 2m
  # --wait covers the Deployment; its pods finish their graceful shutdown after it is gone.
  wait_until 60 "the operator pods are gone" none_left pod -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}"
  local left
  left="$(k get deployment,replicaset,pod,serviceaccount,service,configmap,secret,role,rolebinding,poddisruptionbudget,networkpolicy \
    -n "${OPERATOR_NS}" -o name | grep -v -E '^(serviceaccount/default|configmap/kube-root-ca.crt)$' || true)"
  left+="$(k get clusterrole,clusterrolebinding -l "app.kubernetes.io/instance=${RELEASE}" -o name)"
  left+="$(k get clusterrole,clusterrolebinding -o name | grep -i echo-operator || true)"
  [[ -z "${left}" ]] || { echo "left behind:"; echo "${left}"; return 1; }
  [[ -z "$(h list -A -q)" ]] || { echo "helm still lists a release"; return 1; }
  [[ "$(k get crd "${CRD_NAME}" -o jsonpath='{.metadata.annotations.helm\.sh/resource-policy}')" == keep ]] \
    || { echo "the CRD is not kept as docs/deploy.md documents"; return 1; }
  k get echoservice echo -n echo-dev > /dev/null
  echo "nothing of the chart left in ${OPERATOR_NS} or cluster-wide; the CRD and EchoServices are kept (crds.keep)"
}

main() {
  export ECHO_CLUSTER_NAME="${E2E_CLUSTER_NAME:-echo-e2e}"
  KUBECONFIG_FILE="(cluster not up)"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/echo-e2e.XXXXXX")"
  local start=${SECONDS}
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM

  command -v jq > /dev/null || die "jq is required"
  image_names
  if [[ "${PLATFORM}" == local ]]; then
    required "1. cluster up: control plane and a real node" s_cluster_up
    KUBECONFIG_FILE="$("${E2E_DIR}/cluster.sh" kubeconfig)"
    required "1. both images built from their Dockerfiles and imported into the node" s_images
  else
    KUBECONFIG_FILE="${KUBECONFIG:?E2E_PLATFORM=kind needs KUBECONFIG}"
  fi
  required "2. helm install into ${OPERATOR_NS} (PSA restricted): the operator pods Ready through their probes" s_helm_install
  required "2. an operator pod holds the Lease, in-cluster, through the chart's NetworkPolicy" s_operator_leads
  step "2. the operator's RBAC is what it needs and no more" s_rbac
  required "3. dev, staging, production examples Ready" s_apply_examples
  step "3. every child exists with owner references" s_children
  step "3. echo-server pods Ready through their probes, restricted, no restart" s_pods
  step "3. kubectl get echoservices -A columns" s_columns
  step "3. no request of the operator was forbidden" s_no_forbidden
  step "3. kubectl scale echoservice" s_scale
  step "3. a manual edit of an owned field is reverted" s_revert
  step "3. production autoscales on real CPU and stays at minReplicas at idle" s_autoscaling_idle
  step "3. an invalid EchoService is refused with a clear message" s_invalid
  step "3. deleting EchoServices garbage-collects their children" s_gc
  required "4. an EchoService and client pods in ${E2E_NS}" s_traffic_setup
  step "4. /echo byte for byte from a client pod through the ClusterIP" s_echo_cluster_ip
  step "4. /echo byte for byte from this machine through the NodePort" s_echo_node_port
  step "4. NetworkPolicy: an admitted client is answered, another pod is refused" s_network_policy_ingress
  step "4. NetworkPolicy: echo-server resolves DNS and can open no other connection" s_network_policy_egress
  step "4. pod traffic to an address off the machine is dropped" s_egress_dropped
  step "5. a settings change rolls one pod at a time under ${LOAD_RATE} requests/s: 0 failed" s_rollout_under_load
  step "5. SIGKILL of an echo-server container under load: it restarts, 0 failed" s_kill_server_under_load
  step "5. helm upgrade of the operator under load: 0 failed, no echo-server pod restarted" s_operator_upgrade_under_load
  step "5. kubectl drain under load: evictions within the PDB, 0 failed" s_drain_under_load
  step "5. SIGKILL of the leading operator: a leader again within the lease, changes applied" s_kill_operator
  step "5. a restarted operator writes nothing to unchanged children" s_operator_restart_writes_nothing
  step "6. HPA: idle at minReplicas, scales up on CPU under load and back after the window" s_hpa
  step "6. 500 concurrent 1 MiB uploads: only 200/503/429, no OOMKilled" s_memory
  step "6. a Prometheus scraping a pod as its PodMonitor says: every fleet dashboard and alert expression has data" s_fleet_scrape
  step "6. with the Prometheus Operator's CRDs, a PodMonitor per EchoService, collected with it" s_podmonitor
  step "7. helm upgrade applies a changed CRD" s_helm_upgrade_crd
  step "7. helm uninstall leaves nothing of the operator behind" s_helm_uninstall
  echo
  echo "e2e wall time: $((SECONDS - start))s"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
