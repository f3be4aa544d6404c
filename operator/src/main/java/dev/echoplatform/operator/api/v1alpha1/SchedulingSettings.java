package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;

/** Pod placement. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SchedulingSettings(
    @JsonPropertyDescription("Node labels the pods must run on.") Map<String, String> nodeSelector,
    @JsonPropertyDescription("Taints the pods tolerate.") List<Toleration> tolerations,
    @JsonPropertyDescription("Node and pod affinity of the pods.") Affinity affinity,
    @JsonPropertyDescription(
            "How the pods spread. Empty means spread across nodes (topologyKey "
                + "kubernetes.io/hostname, maxSkew 1, whenUnsatisfiable ScheduleAnyway). A "
                + "constraint without a labelSelector selects this EchoService's pods.")
        List<TopologySpreadConstraint> topologySpreadConstraints) {

  public SchedulingSettings {
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    topologySpreadConstraints =
        topologySpreadConstraints == null ? List.of() : List.copyOf(topologySpreadConstraints);
  }

  public static SchedulingSettings defaults() {
    return new SchedulingSettings(null, null, null, null);
  }
}
