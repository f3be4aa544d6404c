#!/usr/bin/env bash
# Container images for the local real node, built on this machine without a registry or a Docker engine.
#
#   images.sh build          the project's images from the project's own Dockerfiles with buildah (cached: rebuilt
#                            only when an input changes): ghcr.io/echo-platform/echo-server:<version> and
#                            ghcr.io/echo-platform/echo-operator:<version> (<version> = the Maven project version)
#   images.sh build-node     the node's own images: pause, coredns, metrics-server, client (curl, busybox, loadgen)
#   images.sh import         imports the project's images into the running node's containerd (builds first if needed)
#   images.sh import-node    the same for the node's images (cluster.sh up does this)
#   images.sh sizes          prints the project images' sizes (unpacked and compressed)
#   images.sh name echo-server|operator   prints the image's name (with the version tag)
#   images.sh list           images in the build store and in the node's containerd
#   images.sh clean          removes the build store (the cache of stand-ins and layers)
#
# The Dockerfiles name base images that cannot be pulled here (maven:3.9-eclipse-temurin-25, eclipse-temurin:25-jdk,
# gcr.io/distroless/base-nossl-debian12:nonroot). Stand-ins with exactly those names are built first, from Debian
# packages (debootstrap), the machine's Temurin 25 JDK and Maven 3.9 from Maven Central; the build prints which.
#
# Environment: ECHO_IMAGES_CACHE (~/.cache/echo-operator/images), ECHO_CLUSTER_NAME (echo; the node to import into),
#   IMAGES_STORAGE_DRIVER (overlay), JAVA25_HOME (/usr/lib/jvm/temurin-25-jdk-amd64).
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REPO_ROOT="$(cd "${LOCAL_DIR}/../.." && pwd)"

IMAGES_CACHE="${ECHO_IMAGES_CACHE:-${HOME}/.cache/echo-operator/images}"
STORE="${IMAGES_CACHE}/storage"
DRIVER="${IMAGES_STORAGE_DRIVER:-overlay}"
JAVA25_HOME="${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
DEBIAN_SUITE="bookworm"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
MAVEN_VERSION="3.9.16"

# The names the Dockerfiles use, and the stand-ins' own base.
BASE_DEBIAN="localhost/echo-local/debian:${DEBIAN_SUITE}"
BASE_TEMURIN="docker.io/library/eclipse-temurin:25-jdk"
BASE_MAVEN="docker.io/library/maven:3.9-eclipse-temurin-25"
BASE_DISTROLESS="gcr.io/distroless/base-nossl-debian12:nonroot"

project_version() {
  # The first <version> of the root POM is the project's (it has no parent).
  sed -n 's|^  <version>\(.*\)</version>$|\1|p' "${REPO_ROOT}/pom.xml" | sed -n 1p
}
VERSION="$(project_version)"
[[ -n "${VERSION}" ]] || die "cannot read the project version from ${REPO_ROOT}/pom.xml"
SERVER_IMAGE="ghcr.io/echo-platform/echo-server:${VERSION}"
OPERATOR_IMAGE="ghcr.io/echo-platform/echo-operator:${VERSION}"

# Chroot isolation everywhere: RUN steps share this machine's network. buildah's default (oci) isolation would create a
# netavark bridge with MASQUERADE rules and switch on net.ipv4.ip_forward.
bh() {
  BUILDAH_ISOLATION=chroot buildah --root "${STORE}" --runroot "${IMAGES_CACHE}/run" --storage-driver "${DRIVER}" "$@"
}
image_exists() { bh inspect --type image "$1" > /dev/null 2>&1; }
image_id() { bh inspect --type image --format '{{.FromImageID}}' "$1" 2> /dev/null; }

# stamp <name> <inputs...>: the stamp of an image is the hash of what it was built from.
stamp_path() { echo "${IMAGES_CACHE}/stamps/$1"; }
is_current() { [[ -f "$(stamp_path "$1")" && "$(cat "$(stamp_path "$1")")" == "$2" ]] && image_exists "$3"; }
write_stamp() { mkdir -p "${IMAGES_CACHE}/stamps" && echo "$2" > "$(stamp_path "$1")"; }

# --- stand-ins for the base images ---------------------------------------------------------------------------------

standin_debian() {
  local stamp="debootstrap minbase ${DEBIAN_SUITE} ${DEBIAN_MIRROR}"
  is_current debian "${stamp}" "${BASE_DEBIAN}" && return 0
  log "stand-in ${BASE_DEBIAN}: debootstrap --variant=minbase ${DEBIAN_SUITE} (Debian packages)"
  local root="${IMAGES_CACHE}/debian-rootfs"
  rm -rf "${root}"
  debootstrap --variant=minbase "${DEBIAN_SUITE}" "${root}" "${DEBIAN_MIRROR}" > "${IMAGES_CACHE}/debootstrap.log" 2>&1 \
    || { tail -20 "${IMAGES_CACHE}/debootstrap.log" >&2; die "debootstrap failed (log: ${IMAGES_CACHE}/debootstrap.log)"; }
  # The same sources as this machine, and no package lists or caches in the image (as Docker's debian images).
  cat > "${root}/etc/apt/sources.list" << EOF
deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE} main
deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE}-updates main
deb ${DEBIAN_MIRROR%/debian}/debian-security ${DEBIAN_SUITE}-security main
EOF
  rm -rf "${root}"/var/lib/apt/lists/* "${root}"/var/cache/apt/*.bin "${root}"/var/cache/apt/archives/*.deb
  local c
  c="$(bh from scratch)"
  bh copy "$c" "${root}/" / > /dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env LANG=C.UTF-8 --cmd /bin/bash "$c"
  bh commit -q --rm "$c" "${BASE_DEBIAN}" > /dev/null
  rm -rf "${root}"
  write_stamp debian "${stamp}"
}

TEMURIN_DEBS=(tzdata curl wget ca-certificates fontconfig locales p11-kit binutils)
standin_temurin() {
  local release stamp
  release="$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "${JAVA25_HOME}/release")"
  [[ -n "${release}" ]] || die "no Temurin 25 JDK at ${JAVA25_HOME} (JAVA25_HOME)"
  stamp="temurin ${release} ${TEMURIN_DEBS[*]} on $(image_id "${BASE_DEBIAN}")"
  is_current temurin "${stamp}" "${BASE_TEMURIN}" && return 0
  log "stand-in ${BASE_TEMURIN}: ${BASE_DEBIAN} + this machine's Temurin ${release} (${JAVA25_HOME}) in /opt/java/openjdk + ${TEMURIN_DEBS[*]}"
  local c
  c="$(bh from "${BASE_DEBIAN}")"
  bh copy "$c" "${JAVA25_HOME}/" /opt/java/openjdk/ > /dev/null
  # The JDK's trust store is a link to the machine's; the image gets the file itself (Maven Central over HTTPS).
  bh run --isolation chroot --network host "$c" -- rm -f /opt/java/openjdk/lib/security/cacerts
  bh copy "$c" "$(readlink -f "${JAVA25_HOME}/lib/security/cacerts")" /opt/java/openjdk/lib/security/cacerts > /dev/null
  # The packages Adoptium's JDK images add to their OS base; binutils is what jlink --strip-debug runs (objcopy).
  bh run --isolation chroot --network host "$c" -- sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    ${TEMURIN_DEBS[*]} > /dev/null && rm -rf /var/lib/apt/lists/*"
  bh config --env JAVA_HOME=/opt/java/openjdk \
    --env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env JAVA_VERSION="jdk-${release}" --cmd jshell "$c"
  bh commit -q --rm "$c" "${BASE_TEMURIN}" > /dev/null
  write_stamp temurin "${stamp}"
}

standin_maven() {
  local stamp
  stamp="maven ${MAVEN_VERSION} on $(image_id "${BASE_TEMURIN}")"
  is_current maven "${stamp}" "${BASE_MAVEN}" && return 0
  local dist="${IMAGES_CACHE}/apache-maven-${MAVEN_VERSION}-bin.tar.gz"
  if [[ ! -s "${dist}" ]]; then
    log "fetching Maven ${MAVEN_VERSION} from Maven Central (org.apache.maven:apache-maven:${MAVEN_VERSION}:tar.gz:bin)"
    mvn -B -q dependency:copy -Dartifact="org.apache.maven:apache-maven:${MAVEN_VERSION}:tar.gz:bin" \
      -DoutputDirectory="${IMAGES_CACHE}" -Dmdep.useBaseVersion=true -Dstyle.color=never > /dev/null
  fi
  log "stand-in ${BASE_MAVEN}: ${BASE_TEMURIN} + Maven ${MAVEN_VERSION} in /usr/share/maven"
  local c
  c="$(bh from "${BASE_TEMURIN}")"
  bh add "$c" "${dist}" /usr/share/ > /dev/null
  bh run --isolation chroot --network host "$c" -- sh -c "mv /usr/share/apache-maven-${MAVEN_VERSION} /usr/share/maven && ln -s /usr/share/maven/bin/mvn /usr/bin/mvn"
  bh config --env MAVEN_HOME=/usr/share/maven --env MAVEN_CONFIG=/root/.m2 --cmd mvn "$c"
  bh commit -q --rm "$c" "${BASE_MAVEN}" > /dev/null
  write_stamp maven "${stamp}"
}

# distroless base-nossl: glibc, CA certificates, tzdata, netbase, os-release and the nonroot user (65532); no shell,
# no package manager. Made from the Debian packages' files (dpkg-deb -x), like distroless itself.
DISTROLESS_DEBS=(base-files netbase tzdata libc6 ca-certificates)
standin_distroless() {
  local stamp="distroless ${DISTROLESS_DEBS[*]} ${DEBIAN_SUITE} nsswitch"
  is_current distroless "${stamp}" "${BASE_DISTROLESS}" && return 0
  log "stand-in ${BASE_DISTROLESS}: files of the Debian packages ${DISTROLESS_DEBS[*]}, user nonroot (65532)"
  local work="${IMAGES_CACHE}/distroless" deb
  rm -rf "${work}"
  mkdir -p "${work}/debs" "${work}/root"
  (cd "${work}/debs" && apt-get download "${DISTROLESS_DEBS[@]}" > /dev/null 2>&1) \
    || { apt-get update -qq > /dev/null && (cd "${work}/debs" && apt-get download "${DISTROLESS_DEBS[@]}" > /dev/null); }
  for deb in "${work}"/debs/*.deb; do dpkg-deb -x "${deb}" "${work}/root"; done
  local r="${work:?}/root"
  # No shell and no tools: the packages' programs go (distroless keeps only libraries and data).
  rm -rf "${r:?}"/usr/share/{doc,man,info,lintian,locale} "${r:?}"/usr/sbin "${r:?}"/usr/bin "${r:?}"/sbin "${r:?}"/bin
  # ca-certificates' postinst would build the bundle; do what it does with the package's certificates.
  mkdir -p "${r}/etc/ssl/certs"
  cat "${r}"/usr/share/ca-certificates/mozilla/*.crt > "${r}/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "${r}/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' > "${r}/etc/group"
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n' > "${r}/etc/nsswitch.conf"
  mkdir -p "${r}/tmp" "${r}/home/nonroot" "${r}/root"
  chmod 1777 "${r}/tmp"
  chown 65532:65532 "${r}/home/nonroot"
  chmod 700 "${r}/root"
  local c
  c="$(bh from scratch)"
  bh copy "$c" "${r}/" / > /dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --user 65532 --workingdir /home/nonroot "$c"
  bh commit -q --rm "$c" "${BASE_DISTROLESS}" > /dev/null
  rm -rf "${work}"
  write_stamp distroless "${stamp}"
}

standins() {
  ensure_debs "${IMAGE_DEB_PACKAGES[@]}"
  mkdir -p "${IMAGES_CACHE}"
  remove_working_containers
  standin_debian
  standin_temurin
  standin_maven
  standin_distroless
  log "stand-ins for the Dockerfiles' base images (built here, not pulled):"
  local i
  for i in "${BASE_MAVEN}" "${BASE_TEMURIN}" "${BASE_DISTROLESS}"; do
    log "  ${i}  = local stand-in $(image_id "$i" | cut -c1-12)"
  done
}

# --- the project's images ------------------------------------------------------------------------------------------

# inputs_hash <Dockerfile> <context paths...>: what the image is built from (the Dockerfile, the files it copies, the
# stand-ins it starts from).
inputs_hash() {
  local dockerfile=$1
  shift
  {
    echo "version ${VERSION}"
    sha256sum "${dockerfile}"
    (cd "${REPO_ROOT}" && find "$@" -type f -not -path '*/target/*' -print0 | sort -z | xargs -0 sha256sum)
    image_id "${BASE_MAVEN}"
    image_id "${BASE_TEMURIN}"
    image_id "${BASE_DISTROLESS}"
  } | sha256sum | cut -c1-16
}

# build_project_image <name> <image> <Dockerfile> <ignore file or ""> <context paths...>
build_project_image() {
  local name=$1 image=$2 dockerfile=$3 ignorefile=$4 hash start=$SECONDS
  shift 4
  hash="$(inputs_hash "${dockerfile}" "$@")"
  if is_current "${name}" "${hash}" "${image}"; then
    log "${image}: up to date (inputs ${hash})"
    return 0
  fi
  log "building ${image} from ${dockerfile#"${REPO_ROOT}"/} (buildah bud, chroot isolation)"
  local revision
  revision="$(git -C "${REPO_ROOT}" rev-parse --short=12 HEAD 2> /dev/null || echo unknown)"
  local args=(--isolation chroot --network host --layers --force-rm --format docker -f "${dockerfile}" --build-arg "VERSION=${VERSION}"
    --build-arg "REVISION=${revision}" -t "${image}" --pull=false)
  [[ -n "${ignorefile}" ]] && args+=(--ignorefile "${ignorefile}")
  # The local Maven repository as a build volume: dependencies already on this machine are not fetched again (those
  # missing come from Maven Central, as in a real build). A RUN with its own cache mount (the operator's) uses that.
  mkdir -p "${HOME}/.m2"
  args+=(--volume "${HOME}/.m2:/root/.m2")
  mkdir -p "${IMAGES_CACHE}/logs"
  if ! bh bud "${args[@]}" "${REPO_ROOT}" > "${IMAGES_CACHE}/logs/${name}.log" 2>&1; then
    tail -30 "${IMAGES_CACHE}/logs/${name}.log" >&2
    die "building ${image} failed (log: ${IMAGES_CACHE}/logs/${name}.log)"
  fi
  write_stamp "${name}" "${hash}"
  log "  built ${image} in $((SECONDS - start))s"
}

cmd_build() {
  standins
  build_project_image echo-server "${SERVER_IMAGE}" "${REPO_ROOT}/deploy/images/echo-server/Dockerfile" "" \
    pom.xml echo-server-config/pom.xml echo-server-config/src echo-server/pom.xml echo-server/src operator/pom.xml deploy/pom.xml
  build_project_image operator "${OPERATOR_IMAGE}" "${REPO_ROOT}/deploy/images/operator/Dockerfile" \
    "${REPO_ROOT}/deploy/images/operator/Dockerfile.dockerignore" \
    pom.xml echo-server-config/pom.xml echo-server-config/src echo-server/pom.xml deploy/pom.xml operator/pom.xml crds \
    operator/src
  cmd_sizes
}

# Unpacked: the layers as stored (what the node's disk holds); compressed: the gzip layers of the OCI archive that is
# imported (what a registry would store and a pull would transfer).
cmd_sizes() {
  local image archive
  for image in "${SERVER_IMAGE}" "${OPERATOR_IMAGE}"; do
    image_exists "${image}" || { log "${image}: not built"; continue; }
    archive="$(export_archive "${image}")"
    printf '%s: unpacked %s MB, compressed %s MB (%s layers)\n' "${image}" \
      "$(unpacked_bytes "${archive}" | mb)" "$(compressed_bytes "${archive}" | mb)" \
      "$(layer_digests "${archive}" | wc -l)"
  done
}
mb() { awk '{ printf "%.1f", $1 / 1000000 }'; }
layer_digests() { # the layers of the archive's (single) manifest
  local manifest
  manifest="$(tar -xOf "$1" index.json | grep -o '"digest":"sha256:[0-9a-f]*"' | sed -n 1p | cut -d: -f3 | tr -d '"')"
  tar -xOf "$1" "blobs/sha256/${manifest}" | grep -o '"layers":\[.*\]' | grep -o 'sha256:[0-9a-f]*' | cut -d: -f2
}
unpacked_bytes() { # the uncompressed layer tars, what the node's snapshotter unpacks
  local d total=0 n
  for d in $(layer_digests "$1"); do
    n="$(tar -xOf "$1" "blobs/sha256/${d}" | gzip -dc | wc -c)"
    total=$((total + n))
  done
  echo "${total}"
}
compressed_bytes() { # the gzip layers, what a registry stores and a pull transfers
  local d total=0 n
  for d in $(layer_digests "$1"); do
    n="$(tar -tvf "$1" "blobs/sha256/${d}" | awk '{ print $3 }')"
    total=$((total + n))
  done
  echo "${total}"
}

# export_archive <image>: an OCI archive (gzip layers) in the cache, named by the image ID; prints its path.
export_archive() {
  local image=$1 id file
  id="$(image_id "${image}")"
  file="${IMAGES_CACHE}/archives/${id:0:16}.oci.tar"
  if [[ ! -s "${file}" ]]; then
    mkdir -p "${IMAGES_CACHE}/archives"
    bh push -q --format oci "${image}" "oci-archive:${file}.tmp:${image}" > /dev/null
    mv -f "${file}.tmp" "${file}"
  fi
  echo "${file}"
}

# --- the node's images ---------------------------------------------------------------------------------------------

# image_from_binary <image> <binary> <user> [args...]: FROM scratch with one static binary as the entrypoint.
image_from_binary() {
  local image=$1 bin=$2 user=$3 stamp c
  shift 3
  stamp="$(sha256sum < "${NODE_BIN}/${bin}" | cut -c1-16) $*"
  is_current "node-${bin}" "${stamp}" "${image}" && return 0
  c="$(bh from scratch)"
  bh copy --chmod 0755 "$c" "${NODE_BIN}/${bin}" "/${bin}" > /dev/null
  local entry
  entry="$(printf '"%s",' "/${bin}" "$@")"
  bh config --entrypoint "[${entry%,}]" --user "${user}" "$c"
  bh commit -q --rm "$c" "${image}" > /dev/null
  write_stamp "node-${bin}" "${stamp}"
  log "node image ${image} (from ${NODE_BIN}/${bin})"
}

# The test client: curl from Debian on the Debian stand-in, plus busybox's nslookup and nc (Debian's static busybox
# wget crashes with SIGSEGV on this machine, even outside a container), and the e2e suite's load generator
# (deploy/local/loadgen, Go standard library only, built here).
client_image() {
  local stamp loadgen_src="${LOCAL_DIR}/loadgen"
  stamp="curl + busybox $(dpkg-query -W -f='${Version}' busybox-static) + loadgen $(cat "${loadgen_src}"/go.mod "${loadgen_src}"/*.go | sha256sum | cut -c1-16) $(go env GOVERSION) on $(image_id "${BASE_DEBIAN}")"
  is_current node-client "${stamp}" "${CLIENT_IMAGE}" && return 0
  mkdir -p "${IMAGES_CACHE}/loadgen"
  (cd "${loadgen_src}" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "${IMAGES_CACHE}/loadgen/loadgen" .)
  local c
  c="$(bh from "${BASE_DEBIAN}")"
  bh copy --chmod 0755 "$c" "${IMAGES_CACHE}/loadgen/loadgen" /usr/local/bin/loadgen > /dev/null
  bh run --isolation chroot --network host "$c" -- sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends curl > /dev/null && rm -rf /var/lib/apt/lists/*"
  bh copy --chmod 0755 "$c" /bin/busybox /usr/local/bin/busybox > /dev/null
  bh run --isolation chroot --network host "$c" -- sh -c "ln -s busybox /usr/local/bin/nslookup && ln -s busybox /usr/local/bin/nc"
  bh config --entrypoint '["/bin/sh"]' --user 65532 "$c"
  bh commit -q --rm "$c" "${CLIENT_IMAGE}" > /dev/null
  write_stamp node-client "${stamp}"
  log "node image ${CLIENT_IMAGE} (Debian's curl and busybox, loadgen, on ${BASE_DEBIAN})"
}

# Working containers of an interrupted stand-in or node-image step (each holds an overlay mount in the store).
remove_working_containers() { bh rm --all > /dev/null 2>&1 || true; }

cmd_build_node() {
  ensure_debs "${IMAGE_DEB_PACKAGES[@]}"
  remove_working_containers
  "${LOCAL_DIR}/build-node.sh"
  mkdir -p "${IMAGES_CACHE}"
  standin_debian
  image_from_binary "${PAUSE_IMAGE}" pause 65535
  image_from_binary "${COREDNS_IMAGE}" coredns 65532
  image_from_binary "${METRICS_SERVER_IMAGE}" metrics-server 65532
  client_image
}

# --- a network namespace of its own for the builds ----------------------------------------------------------------

# Chroot isolation shares the network of the process that runs buildah. In this machine's network a RUN that listens
# (echo-server's AOT training run binds 127.0.0.1:18080 and 18081) collides with whatever else listens there, and with
# buildah's own network isolation (netavark) a bridge, MASQUERADE rules and net.ipv4.ip_forward=1 would appear. So
# the builds run in a network namespace of their own: loopback private, and outbound connections (Debian's mirror,
# Maven Central) through slirp4netns, a user-space TCP/IP stack that opens ordinary sockets from this machine: no
# bridge, no routing, no NAT rules on the host. The namespace cannot reach this machine's loopback
# (--disable-host-loopback).
# poll <tries> <seconds between tries> <command...>: whether the command succeeds within that many tries.
poll() {
  local tries=$1 interval=$2 n
  shift 2
  for ((n = 0; n < tries; n++)); do
    "$@" && return 0
    sleep "${interval}"
  done
  return 1
}

# own_netns <pid>: whether the process is in a network namespace other than this shell's.
own_netns() {
  local ours theirs
  ours="$(readlink /proc/self/ns/net)"
  theirs="$(readlink "/proc/$1/ns/net" 2> /dev/null)" || return 1
  [[ "${theirs}" != "${ours}" ]]
}

# tap0_has_address <pid>: whether tap0 in the process's network namespace has an IPv4 address.
tap0_has_address() { [[ "$(nsenter -t "$1" -n ip -4 addr show tap0 2> /dev/null)" == *"inet "* ]]; }

in_build_netns() { # <command...>
  mkdir -p "${IMAGES_CACHE}/logs" "${IMAGES_CACHE}/run"
  local ready="${IMAGES_CACHE}/run/netns-ready.$$" ns_pid slirp_pid rc=0
  rm -f "${ready}"
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare --net --fork --kill-child -- bash -c '
    ip link set lo up
    for i in $(seq 1 1200); do [ -e "$0" ] && break; sleep 0.05; done
    [ -e "$0" ] || { echo "error: slirp4netns did not configure the build network" >&2; exit 1; }
    exec "$@"' "${ready}" "$@" &
  ns_pid=$!
  # slirp4netns joins the network namespace of ns_pid as it is when slirp4netns starts. Until unshare has made its
  # own, that is this machine's: the tap device and its address and route would land here (6 starts in 40 did so
  # before this wait), and the build would run without a network.
  if ! poll 200 0.05 own_netns "${ns_pid}"; then
    kill "${ns_pid}" 2> /dev/null || true
    wait "${ns_pid}" 2> /dev/null || true
    die "the build's network namespace was not created within 10 s"
  fi
  slirp4netns --configure --mtu=65520 --disable-host-loopback "${ns_pid}" tap0 \
    > "${IMAGES_CACHE}/logs/slirp4netns.log" 2>&1 &
  slirp_pid=$!
  # The namespace's shell waits twice as long as this loop: the ready file always comes first (a busy machine once
  # took longer than the 10 s both waited before). Without an address the build does not start.
  if ! poll 300 0.1 tap0_has_address "${ns_pid}"; then
    kill "${ns_pid}" "${slirp_pid}" 2> /dev/null || true
    wait "${ns_pid}" "${slirp_pid}" 2> /dev/null || true
    die "slirp4netns did not configure the build's network within 30 s (log: ${IMAGES_CACHE}/logs/slirp4netns.log)"
  fi
  touch "${ready}"
  wait "${ns_pid}" || rc=$?
  kill "${slirp_pid}" 2> /dev/null || true
  wait "${slirp_pid}" 2> /dev/null || true
  rm -f "${ready}"
  return "${rc}"
}

# --- import into the node's containerd -----------------------------------------------------------------------------

NODE_RUN="/run/echo-operator/${ECHO_CLUSTER_NAME:-echo}"
CTR=("${NODE_BIN}/ctr" --address "${NODE_RUN}/containerd.sock" -n k8s.io)

import_images() { # <image...>
  "${CTR[@]}" version > /dev/null 2>&1 || die "the node's containerd is not running (${NODE_RUN}/containerd.sock): run cluster.sh up"
  local image archive want have
  for image in "$@"; do
    archive="$(export_archive "${image}")"
    have="$("${CTR[@]}" images ls "name==${image}" 2> /dev/null | awk 'NR > 1 { print $3 }')"
    # The archive's manifest digest is what containerd records as the image's target.
    want="$(tar -xOf "${archive}" index.json | sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' | sed -n 1p)"
    if [[ -n "${have}" && "${have}" == "${want}" ]]; then
      continue
    fi
    "${CTR[@]}" images import --no-unpack=false --digests=false "${archive}" > /dev/null
    log "imported ${image} into the node's containerd"
  done
  push_images "$@"
}

# push_images <image...>: into the node's registry (node.sh, registry_up) under the image's path, so that a pull
# (imagePullPolicy Always) finds the same image. Unchanged layers are not sent again.
push_images() {
  curl -fsS -o /dev/null "http://${REGISTRY_ADDR}/v2/" 2> /dev/null \
    || die "the node's registry is not running (http://${REGISTRY_ADDR}/v2/): run cluster.sh up"
  local image
  for image in "$@"; do
    bh push --quiet --tls-verify=false "${image}" "docker://${REGISTRY_ADDR}/${image#*/}" > /dev/null
  done
  log "pushed to the node's registry ${REGISTRY_ADDR}: ${*#*/}"
}

case "${1:-}" in
  build)
    ensure_debs "${IMAGE_DEB_PACKAGES[@]}"
    in_build_netns "$0" _build
    ;;
  build-node)
    ensure_debs "${IMAGE_DEB_PACKAGES[@]}"
    in_build_netns "$0" _build-node
    ;;
  _build) cmd_build ;;
  _build-node) cmd_build_node ;;
  import)
    "$0" build
    import_images "${SERVER_IMAGE}" "${OPERATOR_IMAGE}"
    ;;
  import-node)
    "$0" build-node
    import_images "${PAUSE_IMAGE}" "${COREDNS_IMAGE}" "${METRICS_SERVER_IMAGE}" "${CLIENT_IMAGE}"
    ;;
  sizes) cmd_sizes ;;
  name)
    case "${2:-}" in
      echo-server) echo "${SERVER_IMAGE}" ;;
      operator) echo "${OPERATOR_IMAGE}" ;;
      *) die "usage: $0 name echo-server|operator" ;;
    esac
    ;;
  list)
    bh images
    "${CTR[@]}" images ls -q 2> /dev/null || true
    ;;
  clean)
    bh rmi --all --force > /dev/null 2>&1 || true
    rm -rf "${IMAGES_CACHE}"
    ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
