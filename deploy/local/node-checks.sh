# The real node's smoke checks for `cluster.sh verify` and the clean-up check of `cluster.sh down`. Sourced by
# cluster.sh after node.sh; uses its `check` and `kc`. Everything runs in SMOKE_RESTRICTED_NS, which enforces the
# restricted Pod Security Standard.
# shellcheck shell=bash

SMOKE_SERVER_PORT=8080
SMOKE_MANAGEMENT_PORT=8081

verify_real_node() {
  local ns="${SMOKE_RESTRICTED_NS}"
  check "node processes running (${NODE_DAEMONS[*]})" node_daemons_running
  # The project's images, built from its Dockerfiles (cached) and imported into the node.
  "${LOCAL_DIR}/images.sh" import >&2
  SMOKE_SERVER_IMAGE="$("${LOCAL_DIR}/images.sh" name echo-server)"

  smoke_apply_server "${ns}"
  check "echo-server (${SMOKE_SERVER_IMAGE}) Ready under PSA restricted, probes on ${SMOKE_MANAGEMENT_PORT}" \
    kc -n "${ns}" rollout status deployment/echo --timeout=120s
  check "echo-server runs as UID 10001, no capabilities, seccomp filter, read-only root" \
    retry 20 server_process_is_restricted "${ns}"
  smoke_apply_client "${ns}" client
  check "client pod Ready" kc -n "${ns}" wait pod/client --for=condition=Ready --timeout=60s
  check "DNS: the Service name resolves to its ClusterIP in a pod" dns_resolves_service "${ns}"
  check "POST /echo through the ClusterIP Service from a pod answers byte for byte" echo_via_cluster_ip "${ns}"
  check "POST /echo through the NodePort from the host (${NODE_IP})" echo_via_node_port "${ns}"
  check "NetworkPolicy: a pod the policy does not admit is refused, one it admits gets the echo" network_policy_enforced "${ns}"
  check "metrics API: node and pod resource metrics from kubelet" metrics_available "${ns}"
  check "HPA reads the echo-server pods' CPU from the metrics API" hpa_has_metrics "${ns}"
  check "pod traffic to an off-machine address (${OFF_MACHINE_TEST_IP}) is dropped by ${FORWARD_CHAIN}" \
    egress_is_dropped "${ns}"
}

# The restricted profile, the echo-server image's user, a writable /tmp for the JVM, probes on the management port.
smoke_apply_server() {
  kc apply --server-side -f - > /dev/null << EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: $1}
spec:
  replicas: 1
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      automountServiceAccountToken: false
      nodeSelector: {kubernetes.io/hostname: ${NODE_NAME}}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: echo-server
          image: ${SMOKE_SERVER_IMAGE}
          imagePullPolicy: Never
          env:
            - {name: PORT, value: "${SMOKE_SERVER_PORT}"}
            - {name: MANAGEMENT_PORT, value: "${SMOKE_MANAGEMENT_PORT}"}
          ports:
            - {name: http, containerPort: ${SMOKE_SERVER_PORT}}
            - {name: management, containerPort: ${SMOKE_MANAGEMENT_PORT}}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 128Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          readinessProbe:
            httpGet: {path: /readyz, port: management}
            periodSeconds: 2
          livenessProbe:
            httpGet: {path: /healthz, port: management}
            periodSeconds: 10
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
      volumes:
        - name: tmp
          emptyDir: {medium: Memory, sizeLimit: 16Mi}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: $1}
spec:
  type: NodePort
  selector: {app: echo}
  ports:
    - {name: http, port: 80, targetPort: http}
EOF
}

smoke_apply_client() { # <namespace> <name> [role label]
  kc apply --server-side -f - > /dev/null << EOF
apiVersion: v1
kind: Pod
metadata:
  name: $2
  namespace: $1
  labels: {app: smoke-client, role: ${3:-none}}
spec:
  automountServiceAccountToken: false
  nodeSelector: {kubernetes.io/hostname: ${NODE_NAME}}
  terminationGracePeriodSeconds: 1
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: client
      image: ${CLIENT_IMAGE}
      imagePullPolicy: Never
      command: [/bin/sleep, "3600"]
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
EOF
}

in_client() { kc -n "$1" exec client -- "${@:2}"; }

# retry <seconds> <command...>: kube-proxy, CoreDNS and kube-router apply a new object within seconds, not at once.
retry() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

# The container's main process as the kernel sees it, found through containerd.
server_process_is_restricted() {
  local pod cid pid status root
  pod="$(kc -n "$1" get pods -l app=echo --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')"
  cid="$(kc -n "$1" get pod "${pod}" -o jsonpath='{.status.containerStatuses[0].containerID}')"
  cid="${cid#containerd://}"
  pid="$("${CTR[@]}" tasks ls 2> /dev/null | awk -v id="${cid}" '$1 == id { print $2 }')"
  [[ -n "${pid}" ]] || { log "  no task for container '${cid}' of pod '${pod}'"; return 1; }
  status="$(cat "/proc/${pid}/status")"
  root="$(awk '$5 == "/" { print $6 }' "/proc/${pid}/mountinfo" | sed -n 1p)"
  log "  pid ${pid}: $(grep -E '^(Uid|Gid|CapEff|CapBnd|NoNewPrivs|Seccomp):' <<< "${status}" | tr -s '\t\n' ' ') root mount ${root}"
  grep -qE '^Uid:\s+10001\s+10001\s+10001\s+10001$' <<< "${status}" \
    && grep -qE '^CapEff:\s+0+$' <<< "${status}" && grep -qE '^CapBnd:\s+0+$' <<< "${status}" \
    && grep -qE '^NoNewPrivs:\s+1$' <<< "${status}" && grep -qE '^Seccomp:\s+2$' <<< "${status}" \
    && [[ ",${root}," == *,ro,* ]]
}

dns_resolves_service() { retry 20 dns_resolves_service_once "$@"; }
dns_resolves_service_once() {
  local ip out
  ip="$(kc -n "$1" get service echo -o jsonpath='{.spec.clusterIP}')"
  out="$(in_client "$1" nslookup "echo.$1.svc.${CLUSTER_DOMAIN}" "${DNS_SERVICE_IP}" 2>&1)" || { log "  ${out}"; return 1; }
  log "  echo.$1.svc.${CLUSTER_DOMAIN} -> $(grep -A1 "^Name:" <<< "${out}" | sed -n 's/^Address: *//p' | tr '\n' ' ')(ClusterIP ${ip})"
  grep -q "^Address: *${ip}$" <<< "${out}"
}

SMOKE_BODY='{"smoke":[1,2.5,"three",{"four":null}],"unicode":"\u00e9\u4e2d"}'
echo_via_cluster_ip() { retry 15 echo_via_cluster_ip_once "$@"; }
echo_via_cluster_ip_once() {
  local out
  out="$(in_client "$1" curl -fsS -m 5 -H 'Content-Type: application/json' --data-binary "${SMOKE_BODY}" \
    "http://echo.$1.svc.${CLUSTER_DOMAIN}/echo")" || return 1
  [[ "${out}" == "${SMOKE_BODY}" ]] || { log "  got: ${out}"; return 1; }
}

echo_via_node_port() { retry 15 echo_via_node_port_once "$@"; }
echo_via_node_port_once() {
  local port out
  port="$(kc -n "$1" get service echo -o jsonpath='{.spec.ports[0].nodePort}')"
  out="$(curl -fsS -m 5 -H 'Content-Type: application/json' --data-binary "${SMOKE_BODY}" "http://${NODE_IP}:${port}/echo")" \
    || return 1
  log "  http://${NODE_IP}:${port}/echo answered"
  [[ "${out}" == "${SMOKE_BODY}" ]]
}

client_reaches_echo() { in_client "$1" curl -fsS -m 3 -o /dev/null -H 'Content-Type: application/json' \
  --data-binary '{}' "http://echo.$1.svc.${CLUSTER_DOMAIN}/echo" > /dev/null 2>&1; }

# Ingress to echo-server only from pods labelled role=allowed: the client (role=none) must time out; relabelled, it
# gets through. kube-router applies both within a few seconds.
network_policy_enforced() {
  kc apply --server-side -f - > /dev/null << EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: echo-ingress, namespace: $1}
spec:
  podSelector: {matchLabels: {app: echo}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {role: allowed}}}]
      ports: [{port: ${SMOKE_SERVER_PORT}, protocol: TCP}]
EOF
  local i
  for ((i = 0; i < 20; i++)); do client_reaches_echo "$1" || break; sleep 1; done
  if client_reaches_echo "$1"; then log "  the policy did not stop the client"; return 1; fi
  log "  client with role=none: refused by the policy"
  kc -n "$1" label pod client role=allowed --overwrite > /dev/null
  for ((i = 0; i < 20; i++)); do client_reaches_echo "$1" && break; sleep 1; done
  client_reaches_echo "$1" || { log "  the admitted client did not get through"; return 1; }
  log "  client with role=allowed: admitted"
  kc -n "$1" delete networkpolicy echo-ingress > /dev/null
}

metrics_available() {
  local i pod
  pod="$(kc -n "$1" get pods -l app=echo -o jsonpath='{.items[0].metadata.name}')"
  for ((i = 0; i < 45; i++)); do
    if kc get --raw "/apis/metrics.k8s.io/v1beta1/nodes/${NODE_NAME}" > /dev/null 2>&1 \
      && kc get --raw "/apis/metrics.k8s.io/v1beta1/namespaces/$1/pods/${pod}" > /dev/null 2>&1; then
      log "  $(kc top node "${NODE_NAME}" --no-headers 2> /dev/null); pod ${pod}: $(kc -n "$1" top pod "${pod}" --no-headers 2> /dev/null)"
      return 0
    fi
    sleep 2
  done
  return 1
}

hpa_has_metrics() {
  kc apply --server-side -f - > /dev/null << EOF
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: echo, namespace: $1}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: echo}
  minReplicas: 1
  maxReplicas: 2
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
EOF
  local i
  for ((i = 0; i < 45; i++)); do
    if [[ "$(kc -n "$1" get hpa echo -o jsonpath='{.status.conditions[?(@.type=="ScalingActive")].status}')" == True ]]; then
      log "  HPA current CPU: $(kc -n "$1" get hpa echo -o jsonpath='{.status.currentMetrics[0].resource.current.averageUtilization}')%"
      return 0
    fi
    sleep 2
  done
  kc -n "$1" describe hpa echo | tail -5 >&2
  return 1
}

# The DROP rule must be in place before the pod tries; the attempt is one TCP connection to a documentation address
# that the rule stops at the bridge, so nothing leaves the machine. Its packet counter proves the drop.
egress_is_dropped() {
  local before after
  before="$(egress_drop_packets)" || { log "  the DROP rule is not in place: not trying"; return 1; }
  if in_client "$1" nc -w 3 "${OFF_MACHINE_TEST_IP}" 80 < /dev/null > /dev/null 2>&1; then
    log "  the connection to ${OFF_MACHINE_TEST_IP} succeeded"
    return 1
  fi
  after="$(egress_drop_packets)"
  log "  DROP counter of '-i ${BRIDGE} ! -o ${BRIDGE}': ${before} -> ${after} packets"
  ((after > before))
}

# After down: nothing of the node may be left on the machine.
node_leftovers_report() {
  local problems=() p exe saved
  for p in /proc/[0-9]*; do
    exe="$(readlink "$p/exe" 2> /dev/null)" || continue
    case "${exe}" in
      "${NODE_BIN}"/* | "${K8S_BIN}/kubelet" | "${K8S_BIN}/kube-proxy") problems+=("process ${p#/proc/} (${exe})") ;;
      /usr/bin/docker-registry) grep -qF "${NODE_DIR}/" "$p/cmdline" 2> /dev/null && problems+=("process ${p#/proc/} (the node's registry)") ;;
    esac
  done
  saved="$(findmnt -rn -o TARGET)"
  grep -qE "^(${NODE_DIR}|${NODE_RUN})(/|$)" <<< "${saved}" && problems+=("mounts under ${NODE_DIR} or ${NODE_RUN}")
  ip link show "${BRIDGE}" > /dev/null 2>&1 && problems+=("bridge ${BRIDGE}")
  saved="$(iptables-save)"
  grep -qE "${OUR_CHAINS}|NETAVARK" <<< "${saved}" && problems+=("iptables chains")
  saved="$(ip6tables-save)"
  grep -qE "${OUR_CHAINS}|NETAVARK" <<< "${saved}" && problems+=("ip6tables chains")
  saved="$(ipset list -n 2> /dev/null || true)"
  grep -qE '^(KUBE-|kube-router-)' <<< "${saved}" && problems+=("ipsets")
  compgen -G "/sys/fs/cgroup/*/${CGROUP_PARENT}" > /dev/null && problems+=("cgroups ${CGROUP_PARENT}")
  if ((${#problems[@]} > 0)); then
    log "warning: left on the machine: ${problems[*]}"
    return 1
  fi
  log "machine clean: no node processes, mounts, cgroups, bridge or KUBE-/CNI-/ECHO-NODE- chains left"
}
