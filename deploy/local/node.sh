# The real node of the local cluster: containerd + runc + a CNI bridge + kube-proxy + kubelet on this machine,
# plus the node-level pieces of the cluster (kube-router's NetworkPolicy firewall, the apiserver forwarder). Sourced by
# cluster.sh after lib.sh and its own settings (CLUSTER_NAME, CLUSTER_DIR, KWOK_WORKDIR, kc); defines functions only.
#
# Where things are: everything of the node lives in NODE_DIR (the cluster's state directory, beside kwokctl's),
# except the unix sockets, whose paths the kernel limits to 108 bytes and containerd's shim directory to 42: those are
# in NODE_RUN (/run/echo-operator/<cluster>). `node_down` removes both, and everything else the node set up.
# shellcheck shell=bash

NODE_NAME="${CLUSTER_NAME}-node-1"
NODE_DIR="${KWOK_WORKDIR}/nodes/${CLUSTER_NAME}"
NODE_RUN="/run/echo-operator/${CLUSTER_NAME}"
NODE_LOGS="${NODE_DIR}/logs"
NODE_PIDS="${NODE_DIR}/pids"
CONTAINERD_SOCK="${NODE_RUN}/containerd.sock"
# Addresses. The pod range lives on a bridge that only this machine has; the Service range is routed onto it.
BRIDGE="${ECHO_NODE_BRIDGE:-echo-cni0}"
CLUSTER_CIDR="10.244.0.0/16"
POD_CIDR="10.244.0.0/24"
NODE_IP="10.244.0.1" # the bridge's address: node IP, kubelet and apiserver-forwarder address, pods' gateway
SERVICE_CIDR="10.96.0.0/16"
KUBERNETES_SERVICE_IP="10.96.0.1"
DNS_SERVICE_IP="10.96.0.10"
# kwok nodes beside the real node: their fake addresses, inside CLUSTER_CIDR (see cluster.sh).
KWOK_NODE_IP_BASE="10.244.255.1"
KWOK_POD_CIDR_BASE="10.244.128.0/24"
CLUSTER_DOMAIN="cluster.local"
APISERVER_PORT=6443
# A TEST-NET-2 address (RFC 5737): the off-machine destination the egress check tries from a pod, which the DROP
# rule must stop. Not TEST-NET-1 or -3: on these machines 192.0.2.0/24 is eth0's network (192.0.2.1 its gateway) and
# the package registries resolve to 203.0.113.80.
OFF_MACHINE_TEST_IP="198.51.100.1"
# One cgroup parent for every pod (kubelet's cgroupRoot), so that down removes exactly what the node created.
CGROUP_PARENT="echo-node-${CLUSTER_NAME}"
FORWARD_CHAIN="ECHO-NODE-FORWARD"
# Sysctls that kubelet, kube-proxy, kube-router or the CNI plugins may change: recorded at the first up, restored at
# down.
NODE_SYSCTLS=(net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.bridge.bridge-nf-call-iptables
  net.bridge.bridge-nf-call-ip6tables net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait
  kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes)
CTR=("${NODE_BIN}/ctr" --address "${CONTAINERD_SOCK}" -n k8s.io)

# write_file <path>: stdin to the file, replaced only when its content changes (kube-proxy exits when its
# configuration file is written, even with the same content).
write_file() {
  local new
  new="$(cat)"
  [[ -f "$1" && "$(cat "$1")" == "${new}" ]] && return 0
  printf '%s\n' "${new}" > "$1.tmp"
  mv -f "$1.tmp" "$1"
}

node_pid_alive() { # <name>
  local f="${NODE_PIDS}/$1.pid"
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2> /dev/null
}

# start_daemon <name> <command...>: in its own session (so that it and what it forks form one process group), logs
# to NODE_LOGS/<name>.log, PID in NODE_PIDS/<name>.pid. Not started again when alive.
start_daemon() {
  local name=$1
  shift
  if node_pid_alive "${name}"; then
    return 0
  fi
  mkdir -p "${NODE_LOGS}" "${NODE_PIDS}"
  setsid "$@" >> "${NODE_LOGS}/${name}.log" 2>&1 < /dev/null &
  echo $! > "${NODE_PIDS}/${name}.pid"
}

# stop_daemon <name> [grace seconds]: SIGTERM to its process group, SIGKILL after the grace period.
stop_daemon() {
  local name=$1 grace=${2:-15} f pid i
  f="${NODE_PIDS}/${name}.pid"
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if kill -0 "${pid}" 2> /dev/null; then
    kill -TERM -- "-${pid}" 2> /dev/null || kill -TERM "${pid}" 2> /dev/null || true
    for ((i = 0; i < grace * 2; i++)); do
      kill -0 "${pid}" 2> /dev/null || break
      sleep 0.5
    done
    kill -KILL -- "-${pid}" 2> /dev/null || kill -KILL "${pid}" 2> /dev/null || true
  fi
  rm -f "$f"
}

# --- host network: bridge, routes, forwarding, the firewall that keeps pod traffic on the machine -----------------

record_sysctls() {
  local f="${NODE_DIR}/sysctl.before" s
  [[ -f "$f" ]] && return 0
  mkdir -p "${NODE_DIR}"
  for s in "${NODE_SYSCTLS[@]}"; do
    [[ -e "/proc/sys/${s//.//}" ]] && printf '%s=%s\n' "$s" "$(sysctl -n "$s")"
  done > "$f.tmp"
  mv "$f.tmp" "$f"
}

restore_sysctls() {
  local f="${NODE_DIR}/sysctl.before" line key want have
  [[ -f "$f" ]] || return 0
  while IFS= read -r line; do
    key="${line%%=*}"
    want="${line#*=}"
    have="$(sysctl -n "${key}" 2> /dev/null)" || continue
    if [[ "${have}" != "${want}" ]]; then
      log "restoring ${key}: ${have} -> ${want}"
      sysctl -qw "${key}=${want}" || log "warning: cannot restore ${key}"
    fi
  done < "$f"
}

# The bridge's alias names the cluster that owns it: the bridge, port 6443 and the netfilter rules are the machine's,
# so only one real-node cluster can run at a time.
bridge_owner() { ip -d link show "$1" 2> /dev/null | sed -n 's/^ *alias echo-node:\(.*\)$/\1/p'; }

network_up() {
  # The firewall needs iptables before anything else of the node runs (a fresh machine has none).
  ensure_debs "${NODE_DEB_PACKAGES[@]}"
  if ip link show "${BRIDGE}" > /dev/null 2>&1; then
    local owner
    owner="$(bridge_owner "${BRIDGE}")"
    [[ "${owner}" == "${CLUSTER_NAME}" ]] \
      || die "bridge ${BRIDGE} belongs to the real-node cluster '${owner:-unknown}': 'ECHO_CLUSTER_NAME=${owner} $0 down' first (one real node per machine)"
  fi
  record_sysctls
  if ! ip link show "${BRIDGE}" > /dev/null 2>&1; then
    ip link add "${BRIDGE}" type bridge
    ip link set "${BRIDGE}" alias "echo-node:${CLUSTER_NAME}"
  fi
  ip addr replace "${NODE_IP}/${POD_CIDR#*/}" dev "${BRIDGE}"
  ip link set "${BRIDGE}" up
  # Service VIPs exist only in kube-proxy's NAT rules: without this route, a packet to one that has no rule (or
  # before kube-proxy writes it) would follow the default route off the machine.
  ip route replace "${SERVICE_CIDR}" dev "${BRIDGE}" src "${NODE_IP}"
  # The rest of the cluster range (kwok nodes' fake node and pod addresses) likewise: unanswered on the bridge.
  ip route replace "${CLUSTER_CIDR}" dev "${BRIDGE}" src "${NODE_IP}"
  # Forwarding for packets that arrive on the bridge only (Service traffic DNATed back to a pod); the machine-wide
  # net.ipv4.ip_forward stays as it was, so nothing arriving on another interface is ever routed into the bridge.
  sysctl -qw "net.ipv4.conf.${BRIDGE}.forwarding=1"
  # Bridged pod-to-pod traffic must traverse iptables for kube-proxy's and kube-router's rules.
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
  firewall_up
}

# The DROP lives in the mangle table's FORWARD chain, which the kernel runs before the filter table's: kube-proxy and
# kube-router insert ACCEPT rules at the top of filter/FORWARD, and none of them can overrule a DROP that came first.
firewall_up() {
  local ipt
  for ipt in iptables ip6tables; do
    # One transaction (declaring the chain flushes it): no moment without the DROP on a second `up`.
    "${ipt}-restore" -w --noflush << EOF
*mangle
:${FORWARD_CHAIN} - [0:0]
-A ${FORWARD_CHAIN} -i ${BRIDGE} -o ${BRIDGE} -m comment --comment "echo-node: pod to pod on the bridge" -j RETURN
-A ${FORWARD_CHAIN} -i ${BRIDGE} -m comment --comment "echo-node: pod traffic never leaves the machine" -j DROP
-A ${FORWARD_CHAIN} -o ${BRIDGE} -m comment --comment "echo-node: nothing from another interface reaches the pods" -j DROP
COMMIT
EOF
    "${ipt}" -w -t mangle -C FORWARD -j "${FORWARD_CHAIN}" 2> /dev/null \
      || "${ipt}" -w -t mangle -I FORWARD 1 -j "${FORWARD_CHAIN}"
  done
}

# The DROP rule for traffic leaving the bridge is in place, first in mangle/FORWARD: prints its packet counter.
egress_drop_packets() {
  local first
  first="$(iptables -w -t mangle -S FORWARD | sed -n 2p)"
  [[ "${first}" == "-A FORWARD -j ${FORWARD_CHAIN}" ]] || { log "mangle/FORWARD does not start with ${FORWARD_CHAIN}: ${first}"; return 1; }
  iptables -w -t mangle -L "${FORWARD_CHAIN}" -v -x -n | awk -v b="${BRIDGE}" '$3 == "DROP" && $6 == b && $7 == "*" { print $1; found=1 } END { exit !found }'
}

# Chains and sets of kubelet, kube-proxy, kube-router, the CNI plugins and ours; v4 and v6. Each table is rewritten
# in one iptables-restore without them (and without the rules that jump to them); everything else stays.
OUR_CHAINS='KUBE-|CNI-|ECHO-NODE-'
firewall_down() {
  local ipt table rules
  for ipt in iptables ip6tables; do
    for table in filter nat mangle raw; do
      # Saved first: `save | grep -q` would end save with SIGPIPE, which pipefail reports as a failure.
      rules="$("${ipt}-save" -t "${table}" 2> /dev/null)" || continue
      grep -q -E "(${OUR_CHAINS})" <<< "${rules}" || continue
      grep -v -E "^:(${OUR_CHAINS})|^-A (${OUR_CHAINS})|-[jg] (${OUR_CHAINS})" <<< "${rules}" \
        | "${ipt}-restore" -w -T "${table}"
    done
  done
  # iptables-nft created the tables on first use; one left with nothing but empty built-in chains that accept goes, as
  # it was not there before.
  local family
  if iptables -V 2> /dev/null | grep -q nf_tables; then
    for ipt in iptables ip6tables; do
      family=ip
      [[ "${ipt}" == ip6tables ]] && family=ip6
      for table in filter nat mangle raw; do
        rules="$("${ipt}-save" -t "${table}" 2> /dev/null)" || continue
        [[ -n "${rules}" ]] || continue
        grep -qE '^-A |^:[^ ]+ (DROP|REJECT)' <<< "${rules}" && continue
        # A chain other than the built-in ones keeps the table (one awk over the text: no pipe for pipefail to misread).
        awk '/^:/ && !/^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) / { found = 1 } END { exit !found }' \
          <<< "${rules}" && continue
        nft delete table "${family}" "${table}" 2> /dev/null || true
      done
    done
  fi
  local set
  for set in $(ipset list -n 2> /dev/null | grep -E '^(KUBE-|kube-router-|inet6:KUBE-|inet6:kube-router-)' || true); do
    ipset destroy "${set}" 2> /dev/null || log "warning: ipset ${set} is still in use"
  done
}

network_down() {
  local veth
  firewall_down
  ip route del "${SERVICE_CIDR}" dev "${BRIDGE}" 2> /dev/null || true
  ip route del "${CLUSTER_CIDR}" dev "${BRIDGE}" 2> /dev/null || true
  if ip link show "${BRIDGE}" > /dev/null 2>&1; then
    for veth in $(ip -o link show master "${BRIDGE}" | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
      ip link del "${veth}" 2> /dev/null || true
    done
    ip link del "${BRIDGE}"
  fi
  conntrack -D -s "${CLUSTER_CIDR}" > /dev/null 2>&1 || true
  conntrack -D -d "${CLUSTER_CIDR}" > /dev/null 2>&1 || true
  restore_sysctls
}

# --- certificates and kubeconfigs, signed by the cluster's CA (kwokctl's pki) -------------------------------------

sign_cert() { # <name> <subject> [subjectAltName]
  local name=$1 subj=$2 san=${3:-} dir="${NODE_DIR}/pki"
  [[ -f "${dir}/${name}.crt" ]] && return 0
  mkdir -p "${dir}"
  openssl req -new -newkey rsa:2048 -nodes -keyout "${dir}/${name}.key" -subj "${subj}" -out "${dir}/${name}.csr" 2> /dev/null
  local ext="${dir}/${name}.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n "${san}" ]]; then echo "extendedKeyUsage=serverAuth"; echo "subjectAltName=${san}"; else echo "extendedKeyUsage=clientAuth"; fi
  } > "${ext}"
  openssl x509 -req -in "${dir}/${name}.csr" -CA "${CLUSTER_DIR}/pki/ca.crt" -CAkey "${CLUSTER_DIR}/pki/ca.key" \
    -CAcreateserial -days 365 -sha256 -extfile "${ext}" -out "${dir}/${name}.crt" 2> /dev/null
  rm -f "${dir}/${name}.csr" "${ext}"
}

write_kubeconfig() { # <file> <user name> <cert name>
  write_file "$1" << EOF
apiVersion: v1
kind: Config
clusters:
- name: ${CLUSTER_NAME}
  cluster:
    server: https://127.0.0.1:${APISERVER_PORT}
    certificate-authority: ${CLUSTER_DIR}/pki/ca.crt
users:
- name: $2
  user:
    client-certificate: ${NODE_DIR}/pki/$3.crt
    client-key: ${NODE_DIR}/pki/$3.key
contexts:
- name: $2
  context: {cluster: ${CLUSTER_NAME}, user: $2}
current-context: $2
EOF
}

node_credentials() {
  # kubelet: a client certificate of the Node authorizer's form, and a serving certificate for its address, so that
  # the apiserver and metrics-server can verify it with the cluster CA.
  sign_cert kubelet-client "/O=system:nodes/CN=system:node:${NODE_NAME}"
  sign_cert kubelet-serving "/CN=${NODE_NAME}" "IP:${NODE_IP},DNS:${NODE_NAME}"
  # kube-proxy: the user the built-in system:node-proxier binding names.
  sign_cert kube-proxy "/CN=system:kube-proxy"
  write_kubeconfig "${NODE_DIR}/kubelet.kubeconfig" "system:node:${NODE_NAME}" kubelet-client
  write_kubeconfig "${NODE_DIR}/kube-proxy.kubeconfig" system:kube-proxy kube-proxy
}

# --- containerd ---------------------------------------------------------------------------------------------------

containerd_config() {
  mkdir -p "${NODE_DIR}/containerd" "${NODE_DIR}/cni/net.d" "${NODE_DIR}/registry/_default" "${NODE_RUN}/s"
  # Every registry host resolves to the node's own registry on loopback: nothing is pulled from elsewhere.
  write_file "${NODE_DIR}/registry/_default/hosts.toml" << EOF
server = "http://${REGISTRY_ADDR}"
[host."http://${REGISTRY_ADDR}"]
  capabilities = ["pull", "resolve"]
EOF
  write_file "${NODE_DIR}/containerd/config.toml" << EOF
version = 3
root = "${NODE_DIR}/containerd/root"
state = "${NODE_RUN}/containerd"
[grpc]
  address = "${CONTAINERD_SOCK}"
[ttrpc]
  address = "${NODE_RUN}/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
[plugins."io.containerd.cri.v1.runtime"]
  # This machine's root lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below containerd's own.
  restrict_oom_score_adj = true
  # Network namespaces of pods in the state directory, not /var/run/netns.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "${NODE_DIR}/cni/net.d"
    max_conf_num = 1
[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "${PAUSE_IMAGE}"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "${NODE_DIR}/registry"
[plugins."io.containerd.shim.v1.manager"]
  socket_dir = "${NODE_RUN}/s"
[plugins."io.containerd.nri.v1.nri"]
  disable = true
[plugins."io.containerd.internal.v1.opt"]
  path = "${NODE_DIR}/containerd/opt"
EOF
  # The bridge exists already (network_up): the plugin only attaches veths to it. isGateway false keeps the plugin
  # from touching the bridge address and the machine-wide ip_forward; IPAM's gateway gives pods their default route.
  write_file "${NODE_DIR}/cni/net.d/10-echo-pods.conflist" << EOF
{
  "cniVersion": "1.0.0",
  "name": "echo-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "${BRIDGE}",
      "isGateway": false,
      "isDefaultGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "${NODE_DIR}/cni/ipam",
        "ranges": [[{"subnet": "${POD_CIDR}", "rangeStart": "${POD_CIDR%.*}.10", "gateway": "${NODE_IP}"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}, "snat": false}
  ]
}
EOF
}

# The node's registry: images.sh pushes every image it imports (the path without the registry name, e.g.
# echo-platform/echo-server:0.1.0), so a pull resolves what an import already holds.
registry_up() {
  mkdir -p "${NODE_DIR}/registry-data"
  write_file "${NODE_DIR}/registry.yml" << EOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: ${NODE_DIR}/registry-data}
  delete: {enabled: true}
http:
  addr: ${REGISTRY_ADDR}
health:
  storagedriver: {enabled: false}
EOF
  start_daemon registry /usr/bin/docker-registry serve "${NODE_DIR}/registry.yml"
  wait_for 30 "the node's registry (http://${REGISTRY_ADDR}/v2/)" curl -fsS -o /dev/null "http://${REGISTRY_ADDR}/v2/"
}

containerd_up() {
  containerd_config
  # containerd finds its shim on PATH.
  start_daemon containerd env PATH="${NODE_BIN}:${PATH}" "${NODE_BIN}/containerd" --config "${NODE_DIR}/containerd/config.toml"
  wait_for 60 "containerd (${CONTAINERD_SOCK})" "${CTR[@]}" version
}

# --- kubelet, kube-proxy, kube-router ----------------------------------------------------------------------------

kubelet_config() {
  mkdir -p "${NODE_DIR}/kubelet"
  [[ -f "${NODE_DIR}/resolv.conf" ]] || : > "${NODE_DIR}/resolv.conf" # pods with dnsPolicy Default get no upstream resolver: no DNS leaves the machine
  write_file "${NODE_DIR}/kubelet/config.yaml" << EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
containerRuntimeEndpoint: unix://${CONTAINERD_SOCK}
cgroupDriver: cgroupfs
cgroupRoot: /${CGROUP_PARENT}
failCgroupV1: false
failSwapOn: false
# true would make kubelet refuse to start here ("invalid kernel flag: kernel/panic_on_oops, expected value: 1"):
# it sets kernel.panic=10, kernel.panic_on_oops=1 and vm.overcommit_memory=1 instead, which down restores.
protectKernelDefaults: false
tlsCertFile: ${NODE_DIR}/pki/kubelet-serving.crt
tlsPrivateKeyFile: ${NODE_DIR}/pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${CLUSTER_DIR}/pki/ca.crt}
authorization:
  mode: Webhook
clusterDNS: [${DNS_SERVICE_IP}]
clusterDomain: ${CLUSTER_DOMAIN}
resolvConf: ${NODE_DIR}/resolv.conf
podCIDR: ${POD_CIDR}
maxPods: 110
serializeImagePulls: false
# The machine's disk is shared: evict early rather than fill it, and do not garbage-collect the imported images.
evictionHard: {memory.available: 200Mi, nodefs.available: 5%, imagefs.available: 5%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# Short loops for a test cluster.
nodeStatusUpdateFrequency: 5s
syncFrequency: 20s
runtimeRequestTimeout: 5m
shutdownGracePeriod: 0s
EOF
}

kube_proxy_config() {
  write_file "${NODE_DIR}/kube-proxy.yaml" << EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: ${NODE_DIR}/kube-proxy.kubeconfig}
hostnameOverride: ${NODE_NAME}
clusterCIDR: ${CLUSTER_CIDR}
bindAddress: ${NODE_IP}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts answer on the bridge address only (not on eth0), and not on loopback (which would need route_localnet).
nodePortAddresses: ["${NODE_IP}/32"]
iptables: {localhostNodePorts: false, syncPeriod: 30s, minSyncPeriod: 1s}
# 0: leave the machine's conntrack sysctls alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

kubelet_up() {
  kubelet_config
  # The pods' cgroup parent must exist in every v1 hierarchy; cpuset needs its CPUs and memory nodes copied in.
  local h
  for h in /sys/fs/cgroup/*/; do
    [[ -d "${h}" && ! -d "${h}${CGROUP_PARENT}" ]] || continue
    mkdir "${h}${CGROUP_PARENT}"
    if [[ -f "${h}cpuset.cpus" ]]; then
      cat "${h}cpuset.cpus" > "${h}${CGROUP_PARENT}/cpuset.cpus"
      cat "${h}cpuset.mems" > "${h}${CGROUP_PARENT}/cpuset.mems"
    fi
  done
  start_daemon kubelet "${K8S_BIN}/kubelet" --config "${NODE_DIR}/kubelet/config.yaml" \
    --kubeconfig "${NODE_DIR}/kubelet.kubeconfig" --root-dir "${NODE_DIR}/kubelet" \
    --hostname-override "${NODE_NAME}" --node-ip "${NODE_IP}" --v=1
}

kube_proxy_up() {
  kube_proxy_config
  start_daemon kube-proxy "${K8S_BIN}/kube-proxy" --config "${NODE_DIR}/kube-proxy.yaml" --v=1
}

# NetworkPolicy: kube-router's firewall controller alone (no routing, no service proxy, no CNI), iptables + ipset.
# Its health and metrics servers are off (they would listen on every interface).
kube_router_up() {
  start_daemon kube-router env PATH="/usr/sbin:/usr/bin:/sbin:/bin" "${NODE_BIN}/kube-router" \
    --kubeconfig "${CLUSTER_DIR}/kubeconfig.yaml" --hostname-override "${NODE_NAME}" \
    --run-firewall=true --run-router=false --run-service-proxy=false --run-loadbalancer=false \
    --enable-cni=false --enable-ipv4=true --enable-ipv6=false \
    --service-cluster-ip-range "${SERVICE_CIDR}" --health-port 0 --metrics-port 0 \
    --iptables-sync-period 30s --v=1
}

# Pods reach the apiserver at the `kubernetes` Service, whose endpoint is NODE_IP:6443 (--advertise-address). kwokctl's
# binary runtime serves the apiserver on 127.0.0.1 only (its kubeconfig, etcd address and health checks assume it),
# so a forwarder bound to the bridge address alone relays those connections to it.
apiserver_forwarder_up() {
  start_daemon apiserver-forwarder socat "TCP-LISTEN:${APISERVER_PORT},bind=${NODE_IP},reuseaddr,fork" \
    "TCP:127.0.0.1:${APISERVER_PORT}"
}

NODE_DAEMONS=(apiserver-forwarder registry containerd kube-proxy kubelet kube-router)
node_daemons_running() {
  local n dead=()
  for n in "${NODE_DAEMONS[@]}"; do node_pid_alive "$n" || dead+=("$n"); done
  ((${#dead[@]} == 0)) || { log "  not running: ${dead[*]} (logs: ${NODE_LOGS}); '$0 up' restarts them"; return 1; }
}

node_ready() {
  [[ "$(kc get node "${NODE_NAME}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2> /dev/null)" == True ]]
}

node_up() {
  ensure_debs "${NODE_DEB_PACKAGES[@]}"
  apiserver_forwarder_up
  registry_up
  containerd_up
  "${LOCAL_DIR}/images.sh" import-node
  node_credentials
  kube_proxy_up
  kubelet_up
  wait_for 120 "node ${NODE_NAME} Ready (logs: ${NODE_LOGS})" node_ready
  # kubelet does not set its own podCIDR when registering; the field is write-once.
  if [[ -z "$(kc get node "${NODE_NAME}" -o jsonpath='{.spec.podCIDR}')" ]]; then
    kc patch node "${NODE_NAME}" --type merge -p "{\"spec\":{\"podCIDR\":\"${POD_CIDR}\",\"podCIDRs\":[\"${POD_CIDR}\"]}}" > /dev/null
  fi
  kube_router_up
  addons_up
}

# --- cluster add-ons on the real node: CoreDNS and metrics-server, from locally built images ----------------------

addons_up() {
  sed -e "s|@DNS_SERVICE_IP@|${DNS_SERVICE_IP}|g" -e "s|@CLUSTER_DOMAIN@|${CLUSTER_DOMAIN}|g" \
    -e "s|@COREDNS_IMAGE@|${COREDNS_IMAGE}|g" -e "s|@METRICS_SERVER_IMAGE@|${METRICS_SERVER_IMAGE}|g" \
    "${LOCAL_DIR}/addons/coredns.yaml" "${LOCAL_DIR}/addons/metrics-server.yaml" \
    | kc apply --server-side --force-conflicts -f - > /dev/null
  wait_for 120 "CoreDNS Ready" kc -n kube-system rollout status deployment/coredns --timeout=5s
  wait_for 120 "metrics-server Ready" kc -n kube-system rollout status deployment/metrics-server --timeout=5s
  wait_for 120 "the metrics API (v1beta1.metrics.k8s.io Available)" metrics_api_available
}

metrics_api_available() {
  [[ "$(kc get apiservice v1beta1.metrics.k8s.io -o jsonpath='{.status.conditions[?(@.type=="Available")].status}')" == True ]]
}

# --- down ---------------------------------------------------------------------------------------------------------

# PIDs of every process in the node's pod cgroups (containers, their pause processes), read from the pids hierarchy.
pod_pids() {
  local d
  for d in /sys/fs/cgroup/pids/"${CGROUP_PARENT}" /sys/fs/cgroup/memory/"${CGROUP_PARENT}"; do
    [[ -d "$d" ]] && find "$d" -name cgroup.procs -exec cat {} + 2> /dev/null
  done | sort -u
}

# PIDs of containerd shims of this node: processes whose executable is our shim binary and whose command line names
# this node's containerd socket (another cluster's node would have its own).
shim_pids() {
  local p exe
  for p in /proc/[0-9]*; do
    exe="$(readlink "$p/exe" 2> /dev/null)" || continue
    [[ "${exe}" == "${NODE_BIN}/containerd-shim-runc-v2" ]] || continue
    grep -qaF -- "${CONTAINERD_SOCK}" "$p/cmdline" 2> /dev/null && echo "${p#/proc/}"
  done
  return 0
}

kill_pids() { # <signal> <pid...>
  local sig=$1 pid
  shift
  for pid in "$@"; do kill "-${sig}" "${pid}" 2> /dev/null || true; done
}

node_unmount_all() {
  local m i
  for ((i = 0; i < 3; i++)); do
    mapfile -t mounts < <(findmnt -rn -o TARGET | grep -E "^(${NODE_DIR}|${NODE_RUN})(/|$)" | sort -r || true)
    ((${#mounts[@]} == 0)) && return 0
    for m in "${mounts[@]}"; do
      umount "$m" 2> /dev/null || umount -l "$m" 2> /dev/null || true
    done
  done
  mapfile -t mounts < <(findmnt -rn -o TARGET | grep -E "^(${NODE_DIR}|${NODE_RUN})(/|$)" || true)
  ((${#mounts[@]} == 0)) || log "warning: still mounted: ${mounts[*]}"
}

node_remove_cgroups() {
  local h d
  for h in /sys/fs/cgroup/*/; do
    [[ -d "${h}${CGROUP_PARENT}" ]] || continue
    # Children first (rmdir of a cgroup with children fails).
    find "${h}${CGROUP_PARENT}" -depth -type d -exec rmdir {} \; 2> /dev/null || true
    [[ -d "${h}${CGROUP_PARENT}" ]] && log "warning: cgroup ${h}${CGROUP_PARENT} could not be removed"
  done
  for d in /sys/fs/cgroup/*/kubepods; do
    [[ -d "$d" ]] && log "warning: a kubepods cgroup outside ${CGROUP_PARENT} exists: $d"
  done
  return 0
}

node_down() { # [force]: also when no state of the node is left (after a crash, to remove its chains)
  if [[ -z "${1:-}" && ! -d "${NODE_DIR}" && ! -d "${NODE_RUN}" && "$(bridge_owner "${BRIDGE}")" != "${CLUSTER_NAME}" ]]; then
    return 0
  fi
  log "stopping the real node ${NODE_NAME}"
  stop_daemon kubelet 20
  stop_daemon kube-router 10
  stop_daemon kube-proxy 10
  # Containers: SIGKILL every process in the pod cgroups, then let containerd see them gone.
  local pids
  mapfile -t pids < <(pod_pids)
  ((${#pids[@]} == 0)) || kill_pids KILL "${pids[@]}"
  stop_daemon containerd 15
  mapfile -t pids < <(shim_pids)
  if ((${#pids[@]} > 0)); then
    kill_pids TERM "${pids[@]}"
    sleep 1
    kill_pids KILL "${pids[@]}"
  fi
  stop_daemon apiserver-forwarder 5
  stop_daemon registry 5
  sleep 0.5
  node_unmount_all
  node_remove_cgroups
  local owner
  owner="$(bridge_owner "${BRIDGE}")"
  if [[ -n "${owner}" && "${owner}" != "${CLUSTER_NAME}" ]]; then
    log "bridge ${BRIDGE} belongs to the real-node cluster '${owner}': its network and chains are left alone"
  else
    network_down
  fi
  rm -rf "${NODE_RUN}"
  rmdir /run/echo-operator 2> /dev/null || true
  rm -rf "${NODE_DIR}"
  log "real node ${NODE_NAME} removed"
}

node_status() {
  local n
  for n in "${NODE_DAEMONS[@]}"; do
    if node_pid_alive "$n"; then echo "  $n: running (pid $(cat "${NODE_PIDS}/$n.pid"))"; else echo "  $n: not running"; fi
  done
  echo "  bridge ${BRIDGE}: $(ip -br addr show "${BRIDGE}" 2> /dev/null || echo absent)"
  echo "  logs: ${NODE_LOGS}"
}
