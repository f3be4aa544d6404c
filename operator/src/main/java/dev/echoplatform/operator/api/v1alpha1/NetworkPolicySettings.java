package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.List;

/** The NetworkPolicy: ingress only to port 8080, egress only DNS to kube-dns. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NetworkPolicySettings(
    @JsonPropertyDescription("Whether the operator creates the NetworkPolicy.") @Default("true")
        Boolean enabled,
    @JsonPropertyDescription(
            "Sources allowed to reach port 8080. Empty allows any source (the port is still the "
                + "only one open); list pod, namespace or IP-block peers to restrict it.")
        List<NetworkPolicyPeer> ingressFrom,
    @JsonPropertyDescription(
            "Sources allowed to reach the management port 8081 (/metrics, /healthz, /readyz), e.g. "
                + "the namespace Prometheus runs in. Empty: no pod may reach it; the pod's own node "
                + "(kubelet probes) always can.")
        List<NetworkPolicyPeer> metricsFrom) {

  public NetworkPolicySettings {
    enabled = enabled == null ? Boolean.TRUE : enabled;
    ingressFrom = ingressFrom == null ? List.of() : List.copyOf(ingressFrom);
    metricsFrom = metricsFrom == null ? List.of() : List.copyOf(metricsFrom);
  }

  public static NetworkPolicySettings defaults() {
    return new NetworkPolicySettings(null, null, null);
  }
}
