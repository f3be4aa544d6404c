#!/usr/bin/env bash
# Builds a Kubernetes control plane from Go modules into a cache outside the repository:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (deploy/local/control-plane)
#   etcd                                                              (deploy/local/etcd)
#   kwok, kwokctl                                                     (go install sigs.k8s.io/kwok/cmd/...)
# Only missing or outdated binaries are built (each carries a stamp of the sources it came from).
# It also lays out the fabric8 kube-api-test offline directory ~/.kubeapitest/k8s/<x.y.z>-linux-amd64.
#
# Environment:
#   ECHO_K8S_CACHE      cache directory (default ~/.cache/echo-operator/k8s/<kubernetes version>)
#   KUBE_API_TEST_DIR   kube-api-test directory (default ~/.kubeapitest)
#   BUILD_NICE          niceness of the compiler (default 19: the machine is shared)
#   BUILD_PARALLELISM   go build -p (default 1)
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<EOF
usage: $(basename "$0") [--check]

Builds into ${K8S_BIN}:
  ${ALL_BINARIES[*]}
Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION}.
  --check   only report what is missing or outdated (exit 1 if anything is)
EOF
}

CHECK_ONLY=false
case "${1:-}" in
  "") ;;
  --check) CHECK_ONLY=true ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; die "unknown argument '$1'" ;;
esac

[[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] \
  || die "only linux/amd64 is supported (kube-api-test directory naming), got $(uname -s)/$(uname -m)"

# --- stamps: what each binary was built from -------------------------------------------------
hash_files() { cat "$@" | sha256sum | cut -c1-16; }

BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
k8s_ldflags() {
  # component-base/version variables of this release: gitMajor, gitMinor, gitVersion, gitCommit,
  # gitTreeState, buildDate. Without them the binaries report v0.0.0-master.
  local p=k8s.io/component-base/version
  printf '%s ' "-s -w" \
    "-X ${p}.gitVersion=${K8S_VERSION}" "-X ${p}.gitMajor=${K8S_MAJOR}" "-X ${p}.gitMinor=${K8S_MINOR}" \
    "-X ${p}.gitTreeState=clean" "-X ${p}.buildDate=$1"
}
kwok_ldflags() {
  local p=sigs.k8s.io/kwok/pkg/consts
  printf '%s ' "-s -w" "-X ${p}.Version=${KWOK_VERSION#v}" "-X ${p}.KubeVersion=${K8S_SEMVER}"
}

stamp_of() {
  case "$1" in
    etcd) echo "etcd ${ETCD_VERSION} $(hash_files "${ETCD_MOD}/go.mod" "${ETCD_MOD}/go.sum" "${ETCD_MOD}/main.go")" ;;
    kwok | kwokctl) echo "$1 ${KWOK_VERSION} kube ${K8S_SEMVER}" ;;
    *) echo "$1 ${K8S_VERSION} $(hash_files "${CONTROL_PLANE_MOD}/go.mod" "${CONTROL_PLANE_MOD}/go.sum" \
      "${CONTROL_PLANE_MOD}/cmd/$1/main.go")" ;;
  esac
}
stamp_file() { echo "${K8S_BIN}/.$1.stamp"; }
is_current() { [[ -x "${K8S_BIN}/$1" && -f "$(stamp_file "$1")" && "$(cat "$(stamp_file "$1")")" == "$(stamp_of "$1")" ]]; }
write_stamp() { stamp_of "$1" > "$(stamp_file "$1")"; }

MISSING=()
for b in "${ALL_BINARIES[@]}"; do
  is_current "$b" || MISSING+=("$b")
done

# --- kube-api-test offline layout -----------------------------------------------------------
# fabric8 kube-api-test (7.5.x) looks for <dir>/k8s/<x.y.z>-<os>-<arch>/{kube-apiserver,etcd,kubectl}
# and uses it without downloading when it exists. Symlinks into the cache are fine (File.exists
# and ProcessBuilder follow them).
layout_kubeapitest() {
  local dir="${KUBEAPITEST_DIR}/k8s/${K8S_SEMVER}-linux-amd64" b
  mkdir -p "${dir}"
  for b in kube-apiserver etcd kubectl; do
    ln -sfn "${K8S_BIN}/${b}" "${dir}/${b}"
  done
  log "kube-api-test binaries: ${dir} -> ${K8S_BIN}"
}

if ((${#MISSING[@]} == 0)); then
  log "all binaries present in ${K8S_BIN} (Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION})"
  $CHECK_ONLY || layout_kubeapitest
  exit 0
fi
if $CHECK_ONLY; then
  log "missing or outdated in ${K8S_BIN}: ${MISSING[*]}"
  exit 1
fi

# --- Go environment -------------------------------------------------------------------------
command -v go > /dev/null || die "go is not installed (Go >= 1.26 is needed to build Kubernetes ${K8S_VERSION})"
GO_MINOR="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
((GO_MINOR >= 26)) || die "Go $(go env GOVERSION) is too old: Kubernetes ${K8S_VERSION} needs go >= 1.26"

PROXY="$(go env GOPROXY)"
PROXY_URL="${PROXY%%[,|]*}"
if [[ "${PROXY_URL}" == http* ]] \
  && ! curl -fsS -m 15 -o /dev/null "${PROXY_URL%/}/k8s.io/kubernetes/@v/${K8S_VERSION}.info" 2> /dev/null; then
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
release_date() {
  local info
  info="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" 2> /dev/null | sed -n 's/.*"Time": "\(.*\)".*/\1/p' | head -1)"
  echo "${info:-${BUILD_DATE}}"
}

TOTAL_START=$SECONDS
log "building into ${K8S_BIN}: ${MISSING[*]}"

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
  DATE="$(cd "${CONTROL_PLANE_MOD}" && release_date)"
  # One binary at a time: the packages they share come from the build cache on the next ones.
  for b in "${CP_TARGETS[@]}"; do
    (cd "${CONTROL_PLANE_MOD}" \
      && timed "${b} ${K8S_VERSION}" "${NICE[@]}" go build -ldflags "$(k8s_ldflags "${DATE}")" \
        -o "${K8S_BIN}/${b}.tmp" "./cmd/${b}")
    mv -f "${K8S_BIN}/${b}.tmp" "${K8S_BIN}/${b}"
    write_stamp "$b"
  done
fi

for b in kwok kwokctl; do
  if want "$b"; then
    # go install needs a directory outside any module; GOBIN puts the binary straight in the cache.
    (cd "${K8S_CACHE}" && export GOBIN="${K8S_BIN}" && timed "${b} ${KWOK_VERSION}" "${NICE[@]}" \
      go install -ldflags "$(kwok_ldflags)" "sigs.k8s.io/kwok/cmd/${b}@${KWOK_VERSION}")
    write_stamp "$b"
  fi
done

log "built ${MISSING[*]} in $((SECONDS - TOTAL_START))s"
"${K8S_BIN}/kube-apiserver" --version >&2
"${K8S_BIN}/etcd" --version | head -1 >&2
"${K8S_BIN}/kwokctl" --version >&2
layout_kubeapitest
