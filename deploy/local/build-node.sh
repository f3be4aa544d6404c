#!/usr/bin/env bash
# Builds what a real node of the local cluster needs beside the Kubernetes binaries of build-control-plane.sh, into
# a cache outside the repository (~/.cache/echo-operator/node/bin):
#   containerd, ctr, containerd-shim-runc-v2   go install github.com/containerd/containerd/v2/cmd/...@v2.4.2
#   coredns                                    go install github.com/coredns/coredns@v1.15.0
#   metrics-server                             go install sigs.k8s.io/metrics-server/cmd/metrics-server@v0.8.0
#   kube-router (NetworkPolicy only)           go install github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@v2.1.0
#   pause                                      deploy/local/pause (the project's own sandbox program)
# Like build-control-plane.sh: only missing or outdated binaries are built; each carries a stamp.
#
# Environment: ECHO_NODE_CACHE (~/.cache/echo-operator/node), BUILD_NICE (19), BUILD_PARALLELISM (the number of CPUs:
#   these are part of a first `cluster.sh up`, whose cold set-up should stay within ~15 minutes on 2 cores; nice 19
#   keeps other work on the machine ahead of them).
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHECK_ONLY=false
case "${1:-}" in
  "") ;;
  --check) CHECK_ONLY=true ;;
  -h | --help)
    echo "usage: $(basename "$0") [--check]   builds into ${NODE_BIN}: ${NODE_BINARIES[*]}"
    exit 0
    ;;
  *) die "unknown argument '$1'" ;;
esac

# containerd's static, cgo-free build: no btrfs snapshotter (needs cgo headers), no man pages, pure-Go user and DNS
# lookups. The shim also drops its gRPC server (no_grpc): it speaks ttrpc only, which is all containerd 2 uses.
CONTAINERD_TAGS="no_btrfs urfave_cli_no_docs osusergo netgo static_build"

stamp_of() {
  case "$1" in
    containerd | ctr) echo "$1 ${CONTAINERD_VERSION} ${CONTAINERD_TAGS}" ;;
    containerd-shim-runc-v2) echo "$1 ${CONTAINERD_VERSION} ${CONTAINERD_TAGS} no_grpc" ;;
    coredns) echo "$1 ${COREDNS_VERSION}" ;;
    metrics-server) echo "$1 ${METRICS_SERVER_VERSION}" ;;
    kube-router) echo "$1 ${KUBE_ROUTER_VERSION}" ;;
    pause) echo "$1 $(sha256sum < "${LOCAL_DIR}/pause/main.go" | cut -c1-16)" ;;
  esac
}
stamp_file() { echo "${NODE_BIN}/.$1.stamp"; }
is_current() { [[ -x "${NODE_BIN}/$1" && -f "$(stamp_file "$1")" && "$(cat "$(stamp_file "$1")")" == "$(stamp_of "$1")" ]]; }

MISSING=()
for b in "${NODE_BINARIES[@]}"; do
  is_current "$b" || MISSING+=("$b")
done
if ((${#MISSING[@]} == 0)); then
  log "node binaries present in ${NODE_BIN}"
  exit 0
fi
if $CHECK_ONLY; then
  log "missing or outdated in ${NODE_BIN}: ${MISSING[*]}"
  exit 1
fi

command -v go > /dev/null || die "go is not installed"
# The checksum database is unreachable from these machines (see docs/local-cluster.md): these go installs of
# released modules are verified against nothing but the proxy's own go.sum-less download, so say so.
if [[ "$(go env GOSUMDB)" != off ]] && ! curl -fsS -m 10 -o /dev/null https://sum.golang.org/latest 2> /dev/null; then
  log "checksum database not reachable: building with GOSUMDB=off (modules from the proxy, unverified)"
  export GOSUMDB=off
fi
export CGO_ENABLED=0
NICE=(nice -n "${BUILD_NICE:-19}")
mkdir -p "${NODE_BIN}"

# install <binary> <tags> <module/path@version>: go install from a directory outside any module, straight into the
# cache (GOBIN); the binary's name is the last element of the package path, renamed when it differs.
install_bin() {
  local name=$1 tags=$2 pkg=$3 start=$SECONDS built
  log "building ${name} (${pkg}) ..."
  built="${pkg%@*}"
  built="${built##*/}"
  (cd "${NODE_CACHE}" && GOBIN="${NODE_BIN}" "${NICE[@]}" go install -p "${BUILD_PARALLELISM:-$(nproc)}" -trimpath \
    -tags "${tags}" -ldflags "-s -w" "${pkg}")
  [[ "${built}" == "${name}" ]] || mv -f "${NODE_BIN}/${built}" "${NODE_BIN}/${name}"
  stamp_of "${name}" > "$(stamp_file "${name}")"
  log "  ${name} done in $((SECONDS - start))s"
}

want() { local b; for b in "${MISSING[@]}"; do [[ "$b" == "$1" ]] && return 0; done; return 1; }
TOTAL_START=$SECONDS
CD=github.com/containerd/containerd/v2/cmd
want containerd && install_bin containerd "${CONTAINERD_TAGS}" "${CD}/containerd@${CONTAINERD_VERSION}"
want ctr && install_bin ctr "${CONTAINERD_TAGS}" "${CD}/ctr@${CONTAINERD_VERSION}"
want containerd-shim-runc-v2 && install_bin containerd-shim-runc-v2 "${CONTAINERD_TAGS} no_grpc" \
  "${CD}/containerd-shim-runc-v2@${CONTAINERD_VERSION}"
want coredns && install_bin coredns "" "github.com/coredns/coredns@${COREDNS_VERSION}"
want metrics-server && install_bin metrics-server "" "sigs.k8s.io/metrics-server/cmd/metrics-server@${METRICS_SERVER_VERSION}"
want kube-router && install_bin kube-router "" "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@${KUBE_ROUTER_VERSION}"
if want pause; then
  # A single file of the standard library: built in file mode, no module needed.
  (cd "${LOCAL_DIR}/pause" && "${NICE[@]}" go build -trimpath -ldflags "-s -w" -o "${NODE_BIN}/pause" main.go)
  stamp_of pause > "$(stamp_file pause)"
fi
log "built ${MISSING[*]} in $((SECONDS - TOTAL_START))s"
