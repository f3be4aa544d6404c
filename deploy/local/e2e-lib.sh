# Library of the scripts that drive a local cluster: deploy/local/e2e.sh (the suite), demo.sh and bench-operator.sh.
# Sourced, not executed: it defines the tools (helm, kubectl, waits), the chart install, the operator helpers and the
# step harness (PASS/FAIL per named check, a summary line).
# shellcheck shell=bash disable=SC2034 # its variables are used by the scripts that source it

LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/lib.sh
source "${LIB_DIR}/lib.sh"
REPO_ROOT="$(cd "${LIB_DIR}/../.." && pwd)"

HELM_VERSION="v3.21.4"
HELM_CACHE="${ECHO_HELM_CACHE:-${HOME}/.cache/echo-operator/helm/${HELM_VERSION}}"
HELM="${ECHO_HELM:-${HELM_CACHE}/bin/helm}"
KUBECTL="${ECHO_KUBECTL:-${K8S_BIN}/kubectl}"  # ECHO_KUBECTL: another kubectl (the kind workflow's)
CHART_DIR="${REPO_ROOT}/deploy/helm/echo-operator"
OPERATOR_JAR="${REPO_ROOT}/operator/target/echo-operator.jar"
SERVER_JAR="${REPO_ROOT}/echo-server/target/echo-server.jar"
RELEASE="echo-operator"
OPERATOR_NS="echo-system"
LEASE_NAME="echo-operator-leader"
CRD_NAME="echoservices.echo.platform.dev"

# ---------------------------------------------------------------------------------------------------------------
# Tools

# Helm: the real CLI, built once from its Go module through the module proxy and cached beside the k8s binaries.
ensure_helm() {
  if [[ -x "${HELM}" ]] && "${HELM}" version --short 2> /dev/null | grep -q "^${HELM_VERSION}"; then
    return 0
  fi
  [[ -z "${ECHO_HELM:-}" ]] || die "ECHO_HELM=${ECHO_HELM} is not helm ${HELM_VERSION}"
  command -v go > /dev/null || die "helm ${HELM_VERSION} is missing in ${HELM_CACHE}/bin and Go is not installed to build it"
  local sumdb=()
  if ! curl -fsS -m 10 -o /dev/null https://sum.golang.org/lookup/helm.sh/helm/v3@${HELM_VERSION} 2> /dev/null; then
    log "sum.golang.org is not reachable: building helm with GOSUMDB=off (modules come from the proxy, unverified)"
    sumdb=(GOSUMDB=off)
  fi
  log "building helm ${HELM_VERSION} into ${HELM_CACHE}/bin (go install through the module proxy; a few minutes cold)"
  mkdir -p "${HELM_CACHE}/bin"
  env "${sumdb[@]}" GOBIN="${HELM_CACHE}/bin" CGO_ENABLED=0 GOFLAGS=-mod=mod \
    nice -n "${BUILD_NICE:-19}" go install -p "${BUILD_PARALLELISM:-1}" -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" \
    "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
  "${HELM}" version --short | grep -q "^${HELM_VERSION}" || die "built ${HELM} does not report ${HELM_VERSION}"
}

# A free TCP port on 127.0.0.1 (for processes this machine starts on loopback).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

ensure_jars() {
  if [[ ! -f "${OPERATOR_JAR}" || ! -f "${SERVER_JAR}" ]]; then
    log "building the operator and echo-server jars (mvn -B -q -DskipTests package)"
    (cd "${REPO_ROOT}" && mvn -B -q -DskipTests package -pl operator,echo-server -am)
  fi
}

k() { "${KUBECTL}" --kubeconfig "${KUBECONFIG_FILE}" "$@"; }
h() { "${HELM}" --kubeconfig "${KUBECONFIG_FILE}" "$@"; }

# wait_until <seconds> <description> <command...>: polls every second.
wait_until() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" > /dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "timed out after ${timeout}s waiting for: ${what}"
      return 1
    fi
    sleep 1
  done
}

# jsonpath_is <expected> <kubectl get args...>: whether `kubectl get ... -o jsonpath` prints exactly <expected>
# (a condition for wait_until, e.g. wait_until 60 "3 replicas" jsonpath_is 3 deployment echo -n ns '{.spec.replicas}').
# The last argument is the JSONPath expression.
jsonpath_is() {
  local expected=$1 path=${*: -1}
  shift
  [[ "$(k get "${@:1:$#-1}" -o jsonpath="${path}" 2> /dev/null)" == "${expected}" ]]
}

# echoservice_ready <seconds> <name> <kubectl args...>: waits until the EchoService's Ready condition is True for
# its current spec: the condition's observedGeneration equals metadata.generation, as `kubectl wait` requires. Right
# after a spec change the status still holds the previous generation's Ready=True until the operator has applied
# the change and seen the rollout through. A poll whose every failure means "not yet" rather than
# `kubectl wait --for=condition=Ready`: in one CI run that failed at once (".status.conditions accessor error:
# <nil>") on an EchoService created a moment before, although every stored version of a new EchoService has
# either no status or a list of conditions (OperatorOnApiServerIT.everyVersionOfANewEchoServiceIsOneKubectlWaitCanRead).
echoservice_ready() {
  local timeout=$1 name=$2
  shift 2
  wait_until "${timeout}" "EchoService ${name} Ready for its current generation" ready_for_generation "${name}" "$@"
}

# ready_for_generation <name> <kubectl args...>: whether Ready is True and was computed for metadata.generation.
ready_for_generation() {
  local seen generation observed status
  seen="$(k get echoservice "$@" -o jsonpath='{.metadata.generation} {.status.conditions[?(@.type=="Ready")].observedGeneration} {.status.conditions[?(@.type=="Ready")].status}' 2> /dev/null)" \
    || return 1
  read -r generation observed status <<< "${seen}"
  [[ -n "${generation}" && "${observed}" == "${generation}" && "${status}" == True ]]
}

# none_left <kubectl get args...>: whether `kubectl get` lists nothing (a condition for wait_until).
none_left() { [[ -z "$(k get "$@" -o name 2> /dev/null)" ]]; }

# ---------------------------------------------------------------------------------------------------------------
# The operator chart, and the operator as a local process (the scale benchmark on kwok nodes)

# restricted_namespace <name>: a namespace enforcing the restricted Pod Security Standard.
restricted_namespace() {
  k apply --server-side -f - << EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $1
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
EOF
}

# install_chart [extra helm args...]: the chart into echo-system (namespace enforcing PSA restricted).
# shellcheck disable=SC2120 # demo.sh passes arguments
install_chart() {
  restricted_namespace "${OPERATOR_NS}"
  h upgrade --install "${RELEASE}" "${CHART_DIR}" -n "${OPERATOR_NS}" --wait --timeout 3m "$@"
}

# On kwok nodes the chart's operator pods would only be simulated (no containers): the benchmark runs the operator as
# a local process instead. The chart's schema requires replicaCount >= 1, so the Deployment is scaled to 0 afterwards.
scale_chart_operator_to_zero() {
  k scale deployment -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}" --replicas=0
  wait_until 60 "chart operator pods gone" none_left pods -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}"
}

# write_operator_kubeconfig <file>: a kubeconfig authenticating as the chart's ServiceAccount with a token from the
# TokenRequest API, so the operator has exactly the chart's RBAC.
write_operator_kubeconfig() {
  local file=$1 sa token server ca
  sa="$(k get deployment -n "${OPERATOR_NS}" -l "app.kubernetes.io/instance=${RELEASE}" \
    -o jsonpath='{.items[0].spec.template.spec.serviceAccountName}')"
  [[ -n "${sa}" ]] || { echo "the chart's Deployment names no serviceAccountName"; return 1; }
  token="$(k create token "${sa}" -n "${OPERATOR_NS}" --duration=2h)"
  server="$(k config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  ca="$(k config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')"
  if [[ -z "${ca}" ]]; then
    local ca_file
    ca_file="$(k config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')"
    [[ -n "${ca_file}" ]] && ca="$(base64 -w0 < "${ca_file}")"
  fi
  umask 077
  cat > "${file}" << EOF
apiVersion: v1
kind: Config
clusters:
- name: cluster
  cluster:
    server: ${server}
$(if [[ -n "${ca}" ]]; then echo "    certificate-authority-data: ${ca}"; else echo "    insecure-skip-tls-verify: true"; fi)
users:
- name: ${sa}
  user:
    token: ${token}
contexts:
- name: ${sa}
  context:
    cluster: cluster
    user: ${sa}
    namespace: ${OPERATOR_NS}
current-context: ${sa}
EOF
  echo "operator kubeconfig: ServiceAccount ${OPERATOR_NS}/${sa} at ${server}"
}



operator_ready() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$1/readyz"; }

lease_holder() { k get lease "${LEASE_NAME}" -n "${OPERATOR_NS}" -o jsonpath='{.spec.holderIdentity}' 2> /dev/null; }

# ---------------------------------------------------------------------------------------------------------------
# The end-to-end run

PASSED=0
FAILED=0
SKIPPED=0
SKIPPED_STEPS=()
FAILED_STEPS=()

# step <name> <function> [args...]: runs the function in a subshell with errexit on and records PASS/FAIL (SKIP when
# it returns 77) in STEP_RC; always returns 0 (a caller's `step ... || x` would switch errexit off inside the step).
STEP_RC=0
step() {
  local name=$1 rc
  shift
  printf '\n=== %s\n' "${name}"
  set +e
  (
    set -e
    "$@"
  )
  rc=$?
  set -e
  if ((rc == 0)); then
    echo "PASS: ${name}"
    PASSED=$((PASSED + 1))
  elif ((rc == 77)); then
    echo "SKIP: ${name}"
    SKIPPED=$((SKIPPED + 1))
    SKIPPED_STEPS+=("${name}")
  else
    echo "FAIL: ${name}"
    FAILED=$((FAILED + 1))
    FAILED_STEPS+=("${name}")
  fi
  STEP_RC=${rc}
}

# required <name> <function>: a step the rest depends on; on failure the run stops (after clean-up).
required() {
  step "$@"
  if ((STEP_RC != 0)); then
    echo "cannot continue without: $1"
    exit 1
  fi
}

summary() {
  echo
  if ((FAILED > 0)); then
    printf 'failed: %s\n' "${FAILED_STEPS[@]}"
  fi
  if ((SKIPPED > 0)); then
    printf 'skipped: %s\n' "${SKIPPED_STEPS[@]}"
  fi
  if ((SKIPPED > 0)); then
    echo "${PASSED} passed, ${FAILED} failed, ${SKIPPED} skipped"
  else
    echo "${PASSED} passed, ${FAILED} failed"
  fi
}

