package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** The Service exposing echo-server (its target is always the container port 8080). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.nodePort) || self.type == 'NodePort'",
    message = "spec.service.nodePort is only allowed with spec.service.type NodePort")
@ValidationRule(
    value =
        "!has(self.loadBalancerSourceRanges) || size(self.loadBalancerSourceRanges) == 0"
            + " || self.type == 'LoadBalancer'",
    message =
        "spec.service.loadBalancerSourceRanges is only allowed with spec.service.type LoadBalancer")
@ValidationRule(
    value = "!has(self.externalTrafficPolicy) || self.type != 'ClusterIP'",
    message =
        "spec.service.externalTrafficPolicy is only allowed with spec.service.type NodePort or"
            + " LoadBalancer")
@ValidationRule(
    value =
        "!has(self.loadBalancerSourceRanges) || self.loadBalancerSourceRanges.all(c, c.matches(r'"
            + Patterns.CIDR
            + "'))",
    message = "spec.service.loadBalancerSourceRanges " + Patterns.CIDR_MESSAGE,
    fieldPath = ".loadBalancerSourceRanges")
public record ServiceSettings(
    @JsonPropertyDescription("Service type.") @Default("ClusterIP") ServiceType type,
    @JsonPropertyDescription("Port the Service listens on; traffic goes to the pods' port 8080.")
        @Default("80")
        @Min(1)
        @Max(65535)
        Integer port,
    @JsonPropertyDescription(
            "Node port for type NodePort (30000-32767). Unset lets Kubernetes pick one.")
        @Min(30000)
        @Max(32767)
        Integer nodePort,
    @JsonPropertyDescription("Annotations on the Service only (e.g. cloud load-balancer settings).")
        Map<String, String> annotations,
    @JsonPropertyDescription("Client CIDRs allowed to reach a LoadBalancer Service.")
        @Size(max = 64)
        List<@Size(max = 64) String> loadBalancerSourceRanges,
    @JsonPropertyDescription(
            "Service.spec.externalTrafficPolicy, NodePort and LoadBalancer only. Local keeps the "
                + "client's address (no second hop through another node), so echo-server's per-client "
                + "rate limits and connection caps apply to real clients instead of node addresses; "
                + "nodes without a ready echo-server pod then receive no external traffic. Unset "
                + "means Kubernetes' default, Cluster.")
        TrafficPolicy externalTrafficPolicy,
    @JsonPropertyDescription(
            "Service.spec.internalTrafficPolicy: Local sends in-cluster traffic only to an "
                + "echo-server pod on the client's own node. Unset means Kubernetes' default, Cluster.")
        TrafficPolicy internalTrafficPolicy) {

  public static final int DEFAULT_PORT = 80;

  public ServiceSettings {
    type = type == null ? ServiceType.ClusterIP : type;
    port = port == null ? DEFAULT_PORT : port;
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    loadBalancerSourceRanges =
        loadBalancerSourceRanges == null ? List.of() : List.copyOf(loadBalancerSourceRanges);
  }

  public static ServiceSettings defaults() {
    return new ServiceSettings(null, null, null, null, null, null, null);
  }

  /** Service traffic policies (Kubernetes' own values). */
  public enum TrafficPolicy {
    Cluster,
    Local
  }

  /** Service types. */
  public enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer
  }
}
