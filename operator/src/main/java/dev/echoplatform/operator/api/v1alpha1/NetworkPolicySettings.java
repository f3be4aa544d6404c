package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.List;

/** The NetworkPolicy: ingress only to port 8080, egress only DNS to kube-dns. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NetworkPolicySettings(
    @JsonPropertyDescription("Whether the operator creates the NetworkPolicy.")
        @Default("true")
        Boolean enabled,
    @JsonPropertyDescription(
            "Sources allowed to reach port 8080. Empty allows any source (the port is still the "
                + "only one open); list pod, namespace or IP-block peers to restrict it.")
        List<NetworkPolicyPeer> ingressFrom) {

  public NetworkPolicySettings {
    enabled = enabled == null ? Boolean.TRUE : enabled;
    ingressFrom = ingressFrom == null ? List.of() : List.copyOf(ingressFrom);
  }

  public static NetworkPolicySettings defaults() {
    return new NetworkPolicySettings(null, null);
  }
}
