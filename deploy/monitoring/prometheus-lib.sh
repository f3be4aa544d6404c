# Prometheus and promtool of Debian, fetched into a cache (never installed as a service): sourced by check.sh and by
# the e2e (deploy/local/e2e.sh), with the two queries both make of it. Needs log and die (deploy/local/e2e-lib.sh).
# shellcheck shell=bash disable=SC2034 # its variables are used by the scripts that source it

# Debian bookworm's candidate; bump it together with the distribution's updates (apt-cache policy prometheus).
PROMETHEUS_DEB_VERSION="2.42.0+ds-5+deb12u1"
PROMETHEUS_CACHE="${ECHO_PROMETHEUS_CACHE:-${HOME}/.cache/echo-operator/prometheus/${PROMETHEUS_DEB_VERSION}}"
PROMTOOL="${PROMETHEUS_CACHE}/usr/bin/promtool"
PROMETHEUS="${PROMETHEUS_CACHE}/usr/bin/prometheus"

ensure_prometheus() {
  if [[ -x "${PROMTOOL}" && -x "${PROMETHEUS}" ]] \
    && [[ "$("${PROMTOOL}" --version 2>&1)" == *"revision: ${PROMETHEUS_DEB_VERSION})"* ]]; then
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
  [[ "$("${PROMTOOL}" --version 2>&1)" == *"revision: ${PROMETHEUS_DEB_VERSION})"* ]] \
    || die "${PROMTOOL} is not ${PROMETHEUS_DEB_VERSION}"
}

# prometheus_scraped <Prometheus URL> <selector> <count>: whether up{<selector>} has at least <count> samples in the
# last minute (enough for every window of the fleet dashboard and for the rules to evaluate).
prometheus_scraped() {
  curl -fsS -m 5 "$1/api/v1/query" --data-urlencode "query=count_over_time(up{$2}[1m])" \
    | python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; sys.exit(0 if r and float(r[0]["value"][1]) >= int(sys.argv[1]) else 1)' "$3"
}

# prometheus_statuses <Prometheus URL> <selector>: the statuses of http_server_requests_seconds_count{<selector>},
# sorted, separated by spaces.
prometheus_statuses() {
  curl -fsS -m 5 "$1/api/v1/query" --data-urlencode "query=sum by (status) (http_server_requests_seconds_count{$2})" \
    | python3 -c 'import json, sys; print(" ".join(sorted(s["metric"]["status"] for s in json.load(sys.stdin)["data"]["result"])))'
}
