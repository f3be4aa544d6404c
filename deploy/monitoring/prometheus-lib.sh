# Prometheus and promtool of Debian, fetched into a cache (never installed as a service): sourced by check.sh and by
# the e2e (deploy/local/e2e.sh). Needs log and die (deploy/local/e2e-lib.sh).
# shellcheck shell=bash disable=SC2034 # its variables are used by the scripts that source it

# Debian bookworm's candidate; bump it together with the distribution's updates (apt-cache policy prometheus).
PROMETHEUS_DEB_VERSION="2.42.0+ds-5+deb12u1"
PROMETHEUS_CACHE="${ECHO_PROMETHEUS_CACHE:-${HOME}/.cache/echo-operator/prometheus/${PROMETHEUS_DEB_VERSION}}"
PROMTOOL="${PROMETHEUS_CACHE}/usr/bin/promtool"
PROMETHEUS="${PROMETHEUS_CACHE}/usr/bin/prometheus"

ensure_prometheus() {
  if [[ -x "${PROMTOOL}" && -x "${PROMETHEUS}" ]] \
    && "${PROMTOOL}" --version 2>&1 | grep -qF "revision: ${PROMETHEUS_DEB_VERSION})"; then
    return 0
  fi
  log "fetching Debian's prometheus ${PROMETHEUS_DEB_VERSION} into ${PROMETHEUS_CACHE} (apt-get download, dpkg-deb; not installed)"
  local dl
  dl="$(mktemp -d)"
  chmod 0755 "${dl}"
  chown _apt "${dl}" 2> /dev/null || true # apt downloads as _apt when it can write the directory
  if ! (cd "${dl}" && apt-get download -qq "prometheus=${PROMETHEUS_DEB_VERSION}" > /dev/null); then
    log "prometheus=${PROMETHEUS_DEB_VERSION} is not in the package lists: apt-get update"
    apt-get update -qq > /dev/null || true
    (cd "${dl}" && apt-get download -qq "prometheus=${PROMETHEUS_DEB_VERSION}" > /dev/null) || {
      rm -rf "${dl}"
      die "cannot download prometheus=${PROMETHEUS_DEB_VERSION}; candidate now: $(apt-cache policy prometheus | sed -n 's/ *Candidate: //p') (update PROMETHEUS_DEB_VERSION)"
    }
  fi
  rm -rf "${PROMETHEUS_CACHE}.partial"
  mkdir -p "${PROMETHEUS_CACHE}.partial"
  dpkg-deb --fsys-tarfile "${dl}"/prometheus_*.deb | tar -x -C "${PROMETHEUS_CACHE}.partial" ./usr/bin/prometheus ./usr/bin/promtool
  rm -rf "${dl}" "${PROMETHEUS_CACHE}"
  mv "${PROMETHEUS_CACHE}.partial" "${PROMETHEUS_CACHE}"
  "${PROMTOOL}" --version 2>&1 | grep -qF "revision: ${PROMETHEUS_DEB_VERSION})" || die "${PROMTOOL} is not ${PROMETHEUS_DEB_VERSION}"
}
