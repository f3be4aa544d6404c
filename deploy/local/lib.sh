# Shared definitions for build-control-plane.sh and cluster.sh. Sourced, not executed.
# shellcheck shell=bash

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONTROL_PLANE_MOD="${LOCAL_DIR}/control-plane"
ETCD_MOD="${LOCAL_DIR}/etcd"

# The versions are read from the Go modules so that go.mod stays the single source of truth.
mod_version() { # <go.mod> <module path>
  local v
  v="$(awk -v m="$2" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m && $2 ~ /^v/ { print $2; exit }' "$1")"
  if [[ -z "${v}" ]]; then
    echo "error: cannot find the version of $2 in $1" >&2
    return 1
  fi
  printf '%s\n' "${v}"
}

K8S_VERSION="$(mod_version "${CONTROL_PLANE_MOD}/go.mod" k8s.io/kubernetes)" # e.g. v1.36.3
ETCD_VERSION="$(mod_version "${ETCD_MOD}/go.mod" go.etcd.io/etcd/server/v3)"  # e.g. v3.6.16
# kwok is installed with `go install ...@version` (no module of ours); v0.8.0 targets Kubernetes 1.36.
KWOK_VERSION="v0.8.0"

K8S_SEMVER="${K8S_VERSION#v}" # 1.36.3
K8S_MAJOR="${K8S_SEMVER%%.*}"
K8S_MINOR="${K8S_SEMVER#*.}"
K8S_MINOR="${K8S_MINOR%%.*}"

K8S_CACHE="${ECHO_K8S_CACHE:-${HOME}/.cache/echo-operator/k8s/${K8S_VERSION}}"
K8S_BIN="${K8S_CACHE}/bin"
KUBEAPITEST_DIR="${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}"

# Binaries the cluster needs, in the cache's bin directory.
CONTROL_PLANE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
ALL_BINARIES=(etcd "${CONTROL_PLANE_BINARIES[@]}" kwok kwokctl)

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
