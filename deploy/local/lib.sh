# Shared definitions for build-control-plane.sh and cluster.sh. Sourced, not executed.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this file

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONTROL_PLANE_MOD="${LOCAL_DIR}/control-plane"
# kube-apiserver of the oldest Kubernetes release the chart supports (Chart.yaml kubeVersion): the api-tests' second
# version (build-control-plane.sh <x.y.z>, mvn -P api-tests -Dkube-api.version=<x.y.z>; docs/e2e.md).
OLDEST_CONTROL_PLANE_MOD="${LOCAL_DIR}/control-plane-oldest"
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

OLDEST_K8S_VERSION="$(mod_version "${OLDEST_CONTROL_PLANE_MOD}/go.mod" k8s.io/kubernetes)" # e.g. v1.29.15
OLDEST_K8S_SEMVER="${OLDEST_K8S_VERSION#v}"
OLDEST_K8S_CACHE="${ECHO_K8S_OLDEST_CACHE:-${HOME}/.cache/echo-operator/k8s/${OLDEST_K8S_VERSION}}"
OLDEST_K8S_BIN="${OLDEST_K8S_CACHE}/bin"
KUBEAPITEST_DIR="${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}"

# Binaries the cluster needs, in the cache's bin directory.
CONTROL_PLANE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
ALL_BINARIES=(etcd "${CONTROL_PLANE_BINARIES[@]}" kwok kwokctl)

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- the real node (build-node.sh, node.sh, images.sh) ----------------------------------------------------------
# Pinned upstream releases, built with `go install module@version` into a cache outside the repository.
CONTAINERD_VERSION="v2.4.2"
COREDNS_VERSION="v1.15.0"       # the newest CoreDNS the module proxy serves (go 1.26)
METRICS_SERVER_VERSION="v0.8.0"
# NetworkPolicy: kube-router's firewall controller (iptables + ipset). kube-network-policies v0.8.0 needs the
# nftables `queue` expression, which this kernel lacks (CONFIG_NFT_QUEUE unset); see docs/local-cluster.md.
KUBE_ROUTER_VERSION="v2.1.0"    # the only kube-router v2 the module proxy serves
NODE_CACHE="${ECHO_NODE_CACHE:-${HOME}/.cache/echo-operator/node}"
NODE_BIN="${NODE_CACHE}/bin"
NODE_BINARIES=(containerd ctr containerd-shim-runc-v2 coredns metrics-server kube-router pause)
# Debian packages the node needs (installed by node.sh/images.sh when missing; the scripts run as root).
NODE_DEB_PACKAGES=(runc containernetworking-plugins iptables ipset conntrack socat docker-registry)
# The node's image registry (Debian's docker-registry, the CNCF distribution registry): on loopback only, so that
# pods with imagePullPolicy Always (the production example) pull as they would from a real registry. Every registry
# name resolves to it (containerd's hosts.toml).
REGISTRY_ADDR="127.0.0.1:5000"
IMAGE_DEB_PACKAGES=(buildah debootstrap busybox-static slirp4netns)

# ensure_debs <package...>: apt-get installs the missing ones (Debian's own packages, nothing else).
ensure_debs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ "$(id -u)" == 0 ]] || die "missing Debian packages (${missing[*]}): install them as root"
  log "installing Debian packages: ${missing[*]}"
  # No package may start a service (docker-registry's would listen on every interface): invoke-rc.d asks
  # policy-rc.d, which says no (101) while this install runs.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e "${policy}" ]]; then
    printf '#!/bin/sh\nexit 101\n' > "${policy}" && chmod 0755 "${policy}" && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
  ((own_policy == 0)) || rm -f "${policy}"
}
# The node's own images (images.sh build-node): built here from the binaries above and Debian's busybox.
PAUSE_IMAGE="localhost/echo-local/pause:1"
COREDNS_IMAGE="localhost/echo-local/coredns:${COREDNS_VERSION}"
METRICS_SERVER_IMAGE="localhost/echo-local/metrics-server:${METRICS_SERVER_VERSION}"
CLIENT_IMAGE="localhost/echo-local/client:1"
