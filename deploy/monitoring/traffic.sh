#!/usr/bin/env bash
# Traffic that gives every fleet dashboard panel and alert expression something to show: 200, 400, 413, 415, 404 and
# 503 (a body declared and never sent holds the client's share of the body budget) from one client, or a burst that
# the per-client rate limit answers 429 from another. Run by check.sh against a local echo-server and by the e2e in
# client pods (bash, curl). Bounded: it stops when <stop file> exists or after <max seconds>.
#
#   traffic.sh <base URL, http://host:port> <max body size> <stop file> <max seconds> mixed|burst [curl args...]
set -uo pipefail
base=$1 max_body=$2 stop=$3 max_seconds=$4 mode=$5
shift 5
host=${base#http://}
port=${host##*:}
[[ "${port}" == "${host}" ]] && port=80
host=${host%%:*}
tmp=$(mktemp -d)
trap 'rm -rf "${tmp}"' EXIT
head -c $((max_body + 1000)) /dev/zero | tr '\0' ' ' > "${tmp}/too-large.json"
c() { curl -s -o /dev/null -m 5 -H 'Expect:' "$@" || true; }
json=(-X POST -H 'Content-Type: application/json')
deadline=$((SECONDS + max_seconds))
while [[ ! -e "${stop}" ]] && ((SECONDS < deadline)); do
  case "${mode}" in
    mixed)
      c "${json[@]}" --data '{"hello": ["world", 1.50]}' "${base}/echo"     # 200
      c "${json[@]}" --data '{"n": 1}' "${base}/echo"                       # 200
      c "${json[@]}" --data '[1,2]' "${base}/echo"                          # 400 invalid_json
      c "${json[@]}" --data '{"a":' "${base}/echo"                          # 400 invalid_json
      c -X POST -H 'Content-Type: text/plain' --data '{}' "${base}/echo"    # 415 unsupported_media_type
      c "${json[@]}" --data-binary @"${tmp}/too-large.json" "${base}/echo"  # 413 too_large
      c "${base}/nope"                                                      # 404
      c "${base}/openapi.json"                                              # 200
      # 503 overloaded: a body of the largest size declared and never sent holds this client's share of the budget.
      if exec 3<> "/dev/tcp/${host}/${port}"; then
        printf 'POST /echo HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{' \
          "${host}" "${max_body}" >&3 || true
        sleep 0.2
        c "${json[@]}" --data '{}' "${base}/echo"                           # 503 overloaded
        exec 3>&-
      fi
      sleep 0.3
      ;;
    burst)
      c "$@" "${base}/openapi.json?n=[1-60]"                               # 429 rate_limited past the bucket
      sleep 0.3
      ;;
    *) echo "traffic.sh: mode must be mixed or burst, got ${mode}" >&2; exit 2 ;;
  esac
done
