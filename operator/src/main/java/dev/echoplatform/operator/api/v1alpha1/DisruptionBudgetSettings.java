package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/**
 * The PodDisruptionBudget. It allows one voluntary disruption at a time and never blocks node
 * drains, whatever the replica count.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DisruptionBudgetSettings(
    @JsonPropertyDescription(
            "Whether the operator creates the PodDisruptionBudget (maxUnavailable 1: drains "
                + "evict one pod at a time and are never blocked).")
        @Default("true")
        Boolean enabled) {

  public DisruptionBudgetSettings {
    enabled = enabled == null ? Boolean.TRUE : enabled;
  }

  public static DisruptionBudgetSettings defaults() {
    return new DisruptionBudgetSettings(null);
  }
}
