#!/usr/bin/env bash
# Builds a Kubernetes control plane from Go modules into a cache outside the repository:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (deploy/local/control-plane)
#   etcd                                                              (deploy/local/etcd)
#   kwok, kwokctl                                                     (go install sigs.k8s.io/kwok/cmd/...)
# Only missing or outdated binaries are built (each carries a stamp of the sources it came from).
# It also lays out the fabric8 kube-api-test offline directory ~/.kubeapitest/k8s/<x.y.z>-linux-amd64.
#
# Given the version of deploy/local/control-plane-oldest (the oldest Kubernetes the chart supports), it builds only
# that release's kube-apiserver, into its own cache, and lays out its kube-api-test directory with the etcd and
# kubectl of the set above (built too when missing): what the api-tests need on that version (docs/e2e.md).
#
# Environment:
#   ECHO_K8S_CACHE      cache directory (default ~/.cache/echo-operator/k8s/<kubernetes version>)
#   ECHO_K8S_OLDEST_CACHE  the same for the oldest version's kube-apiserver
#   KUBE_API_TEST_DIR   kube-api-test directory (default ~/.kubeapitest)
#   BUILD_NICE          niceness of the compiler (default 19: the machine is shared)
#   BUILD_PARALLELISM   go build -p (default 1)
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<EOF
usage: $(basename "$0") [--check] [<kubernetes version>]

${K8S_SEMVER} (the default) builds into ${K8S_BIN}:
  ${ALL_BINARIES[*]}
  Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION}.
${OLDEST_K8S_SEMVER} (the oldest supported) builds kube-apiserver ${OLDEST_K8S_VERSION} into ${OLDEST_K8S_BIN},
  and etcd and kubectl of the set above when missing (kube-api-test runs them beside it).
  --check   only report what is missing or outdated (exit 1 if anything is)
EOF
}

CHECK_ONLY=false
TARGET_SEMVER="${K8S_SEMVER}"
for arg in "$@"; do
  case "${arg}" in
    --check) CHECK_ONLY=true ;;
    -h | --help) usage; exit 0 ;;
    v[0-9]*.*.* | [0-9]*.*.*) TARGET_SEMVER="${arg#v}" ;;
    *) usage >&2; die "unknown argument '${arg}'" ;;
  esac
done

# The binaries of this run. kube-apiserver@oldest is the oldest release's kube-apiserver, in its own cache.
case "${TARGET_SEMVER}" in
  "${K8S_SEMVER}") WANTED=("${ALL_BINARIES[@]}") ;;
  "${OLDEST_K8S_SEMVER}") WANTED=(etcd kubectl kube-apiserver@oldest) ;;
  *) die "no module here builds Kubernetes ${TARGET_SEMVER}: ${K8S_SEMVER} (deploy/local/control-plane) or" \
    "${OLDEST_K8S_SEMVER} (deploy/local/control-plane-oldest, kube-apiserver only)" ;;
esac

[[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] \
  || die "only linux/amd64 is supported (kube-api-test directory naming), got $(uname -s)/$(uname -m)"

# --- stamps: what each binary was built from -------------------------------------------------
hash_files() { cat "$@" | sha256sum | cut -c1-16; }

BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
k8s_ldflags() { # <version, e.g. v1.36.3> <build date>
  # component-base/version variables of this release: gitMajor, gitMinor, gitVersion, gitCommit,
  # gitTreeState, buildDate. Without them the binaries report v0.0.0-master.
  local p=k8s.io/component-base/version semver="${1#v}" major minor
  major="${semver%%.*}"
  minor="${semver#*.}"
  minor="${minor%%.*}"
  printf '%s ' "-s -w" \
    "-X ${p}.gitVersion=$1" "-X ${p}.gitMajor=${major}" "-X ${p}.gitMinor=${minor}" \
    "-X ${p}.gitTreeState=clean" "-X ${p}.buildDate=$2"
}
kwok_ldflags() {
  local p=sigs.k8s.io/kwok/pkg/consts
  printf '%s ' "-s -w" "-X ${p}.Version=${KWOK_VERSION#v}" "-X ${p}.KubeVersion=${K8S_SEMVER}"
}

stamp_of() {
  case "$1" in
    kube-apiserver@oldest) echo "kube-apiserver ${OLDEST_K8S_VERSION} $(hash_files "${OLDEST_CONTROL_PLANE_MOD}/go.mod" \
      "${OLDEST_CONTROL_PLANE_MOD}/go.sum" "${OLDEST_CONTROL_PLANE_MOD}/cmd/kube-apiserver/main.go")" ;;
    etcd) echo "etcd ${ETCD_VERSION} $(hash_files "${ETCD_MOD}/go.mod" "${ETCD_MOD}/go.sum" "${ETCD_MOD}/main.go")" ;;
    kwok | kwokctl) echo "$1 ${KWOK_VERSION} kube ${K8S_SEMVER}" ;;
    *) echo "$1 ${K8S_VERSION} $(hash_files "${CONTROL_PLANE_MOD}/go.mod" "${CONTROL_PLANE_MOD}/go.sum" \
      "${CONTROL_PLANE_MOD}/cmd/$1/main.go")" ;;
  esac
}
path_of() { # the binary's file
  case "$1" in
    *@oldest) echo "${OLDEST_K8S_BIN}/${1%@oldest}" ;;
    *) echo "${K8S_BIN}/$1" ;;
  esac
}
stamp_file() { local f; f="$(path_of "$1")"; echo "${f%/*}/.${f##*/}.stamp"; }
is_current() { [[ -x "$(path_of "$1")" && -f "$(stamp_file "$1")" && "$(cat "$(stamp_file "$1")")" == "$(stamp_of "$1")" ]]; }
write_stamp() { stamp_of "$1" > "$(stamp_file "$1")"; }

MISSING=()
for b in "${WANTED[@]}"; do
  is_current "$b" || MISSING+=("$b")
done

# --- kube-api-test offline layout -----------------------------------------------------------
# fabric8 kube-api-test (7.5.x) looks for <dir>/k8s/<x.y.z>-<os>-<arch>/{kube-apiserver,etcd,kubectl}
# and uses it without downloading when it exists. Symlinks into the cache are fine (File.exists
# and ProcessBuilder follow them).
# The oldest version's directory gets that release's kube-apiserver and the etcd and kubectl of the current set:
# the API server is what is under test; etcd only stores (its v3 gRPC API serves the etcd 3.5 client of older
# releases), and kube-api-test runs kubectl only for `kubectl get ns default` while it waits for the server.
layout_kubeapitest() {
  local dir="${KUBEAPITEST_DIR}/k8s/${TARGET_SEMVER}-linux-amd64" apiserver b
  apiserver="$(path_of kube-apiserver)"
  [[ "${TARGET_SEMVER}" == "${K8S_SEMVER}" ]] || apiserver="$(path_of kube-apiserver@oldest)"
  mkdir -p "${dir}"
  ln -sfn "${apiserver}" "${dir}/kube-apiserver"
  for b in etcd kubectl; do
    ln -sfn "$(path_of "${b}")" "${dir}/${b}"
  done
  if [[ "${TARGET_SEMVER}" == "${K8S_SEMVER}" ]]; then
    log "kube-api-test binaries: ${dir} -> ${K8S_BIN}"
  else
    log "kube-api-test binaries: ${dir} -> ${apiserver} (etcd, kubectl from ${K8S_BIN})"
  fi
}

if ((${#MISSING[@]} == 0)); then
  if [[ "${TARGET_SEMVER}" == "${K8S_SEMVER}" ]]; then
    log "all binaries present in ${K8S_BIN} (Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION})"
  else
    log "kube-apiserver ${OLDEST_K8S_VERSION} present in ${OLDEST_K8S_BIN}, etcd ${ETCD_VERSION} and kubectl in ${K8S_BIN}"
  fi
  $CHECK_ONLY || layout_kubeapitest
  exit 0
fi
if $CHECK_ONLY; then
  log "missing or outdated: ${MISSING[*]//@oldest/ ${OLDEST_K8S_VERSION}} (${K8S_BIN}, ${OLDEST_K8S_BIN})"
  exit 1
fi

# --- Go environment -------------------------------------------------------------------------
command -v go > /dev/null || die "go is not installed (Go >= 1.26 is needed to build Kubernetes ${K8S_VERSION})"
GO_MINOR="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
((GO_MINOR >= 26)) || die "Go $(go env GOVERSION) is too old: Kubernetes ${K8S_VERSION} needs go >= 1.26"
BUILD_K8S_VERSION="${K8S_VERSION}" # the release the module proxy must serve
[[ "${TARGET_SEMVER}" == "${K8S_SEMVER}" ]] || BUILD_K8S_VERSION="${OLDEST_K8S_VERSION}"

PROXY="$(go env GOPROXY)"
PROXY_URL="${PROXY%%[,|]*}"
if [[ "${PROXY_URL}" == http* ]] \
  && ! curl -fsS -m 15 -o /dev/null "${PROXY_URL%/}/k8s.io/kubernetes/@v/${BUILD_K8S_VERSION}.info" 2> /dev/null; then
  log "warning: the Go module proxy ${PROXY_URL} did not answer; the build only works if the module cache is complete"
fi

# The checksum database: when it cannot be reached, Go refuses modules that are not in a go.sum.
# Our modules commit go.sum (checked by go regardless of GOSUMDB), so turning the database off only
# loses the cross-check for modules new to go.sum, i.e. kwok installed with `go install ...@version`.
SUMDB="$(go env GOSUMDB)"
if [[ "${SUMDB}" != "off" ]]; then
  SUMDB_HOST="${SUMDB%% *}"
  SUMDB_HOST="${SUMDB_HOST%%+*}"
  if curl -fsS -m 10 -o /dev/null "https://${SUMDB_HOST}/latest" 2> /dev/null; then
    log "checksum database ${SUMDB_HOST} reachable: module checksums are verified against it"
  else
    log "checksum database ${SUMDB_HOST} is NOT reachable: building with GOSUMDB=off"
    log "  modules are verified against the committed go.sum files; kwok (go install @${KWOK_VERSION}) is unverified"
    export GOSUMDB=off
  fi
fi

export CGO_ENABLED=0
export GOFLAGS="$(go env GOFLAGS) -trimpath -p=${BUILD_PARALLELISM:-1}"
NICE=(nice -n "${BUILD_NICE:-19}")
mkdir -p "${K8S_BIN}"

timed() { # <label> <command...>  (explicit status: errexit is off inside `cmd && timed ...`)
  local start=$SECONDS label="$1"
  log "building ${label} ..."
  shift
  if ! "$@"; then
    log "FAILED: ${label} after $((SECONDS - start))s"
    return 1
  fi
  log "  done in $((SECONDS - start))s"
}

# Build-date for the version stamp: the release date published by the module proxy when known.
release_date() { # <version>
  local info
  info="$(go mod download -json "k8s.io/kubernetes@$1" 2> /dev/null | sed -n 's/.*"Time": "\(.*\)".*/\1/p' | sed -n 1p)"
  echo "${info:-${BUILD_DATE}}"
}

TOTAL_START=$SECONDS
if [[ "${TARGET_SEMVER}" == "${K8S_SEMVER}" ]]; then
  log "building into ${K8S_BIN}: ${MISSING[*]}"
else
  log "building ${MISSING[*]//@oldest/ ${OLDEST_K8S_VERSION}} (kube-apiserver into ${OLDEST_K8S_BIN}, etcd and kubectl into ${K8S_BIN})"
fi

want() { local b; for b in "${MISSING[@]}"; do [[ "$b" == "$1" ]] && return 0; done; return 1; }

if want etcd; then
  (cd "${ETCD_MOD}" && timed "etcd ${ETCD_VERSION}" "${NICE[@]}" go build -o "${K8S_BIN}/etcd.tmp" .)
  mv -f "${K8S_BIN}/etcd.tmp" "${K8S_BIN}/etcd"
  write_stamp etcd
fi

CP_TARGETS=()
for b in "${CONTROL_PLANE_BINARIES[@]}"; do
  want "$b" && CP_TARGETS+=("$b")
done
if ((${#CP_TARGETS[@]} > 0)); then
  DATE="$(cd "${CONTROL_PLANE_MOD}" && release_date "${K8S_VERSION}")"
  # One binary at a time: the packages they share come from the build cache on the next ones.
  for b in "${CP_TARGETS[@]}"; do
    (cd "${CONTROL_PLANE_MOD}" \
      && timed "${b} ${K8S_VERSION}" "${NICE[@]}" go build -ldflags "$(k8s_ldflags "${K8S_VERSION}" "${DATE}")" \
        -o "${K8S_BIN}/${b}.tmp" "./cmd/${b}")
    mv -f "${K8S_BIN}/${b}.tmp" "${K8S_BIN}/${b}"
    write_stamp "$b"
  done
fi

if want kube-apiserver@oldest; then
  mkdir -p "${OLDEST_K8S_BIN}"
  DATE="$(cd "${OLDEST_CONTROL_PLANE_MOD}" && release_date "${OLDEST_K8S_VERSION}")"
  (cd "${OLDEST_CONTROL_PLANE_MOD}" \
    && timed "kube-apiserver ${OLDEST_K8S_VERSION}" "${NICE[@]}" go build \
      -ldflags "$(k8s_ldflags "${OLDEST_K8S_VERSION}" "${DATE}")" \
      -o "${OLDEST_K8S_BIN}/kube-apiserver.tmp" ./cmd/kube-apiserver)
  mv -f "${OLDEST_K8S_BIN}/kube-apiserver.tmp" "${OLDEST_K8S_BIN}/kube-apiserver"
  write_stamp kube-apiserver@oldest
fi

for b in kwok kwokctl; do
  if want "$b"; then
    # go install needs a directory outside any module; GOBIN puts the binary straight in the cache.
    (cd "${K8S_CACHE}" && export GOBIN="${K8S_BIN}" && timed "${b} ${KWOK_VERSION}" "${NICE[@]}" \
      go install -ldflags "$(kwok_ldflags)" "sigs.k8s.io/kwok/cmd/${b}@${KWOK_VERSION}")
    write_stamp "$b"
  fi
done

log "built ${MISSING[*]//@oldest/ ${OLDEST_K8S_VERSION}} in $((SECONDS - TOTAL_START))s"
if [[ "${TARGET_SEMVER}" == "${K8S_SEMVER}" ]]; then
  "${K8S_BIN}/kube-apiserver" --version >&2
  "${K8S_BIN}/etcd" --version | sed -n 1p >&2
  "${K8S_BIN}/kwokctl" --version >&2
else
  "$(path_of kube-apiserver@oldest)" --version >&2
  "${K8S_BIN}/etcd" --version | sed -n 1p >&2
  "${K8S_BIN}/kubectl" version --client 2> /dev/null | sed -n 1p >&2
fi
layout_kubeapitest
