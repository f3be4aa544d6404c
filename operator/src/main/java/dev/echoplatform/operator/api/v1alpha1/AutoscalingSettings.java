package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Horizontal autoscaling on CPU utilisation, and on memory utilisation only when a memory target is
 * given. echo-server's memory does not follow its load: the heap grows to its ceiling under traffic
 * and a JVM hands little of it back when traffic stops, so a memory target either never triggers
 * or, once crossed, holds the replica count up after the load is gone. CPU rises and falls with
 * requests per second, which is what more replicas relieve.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.minReplicas <= self.maxReplicas",
    message =
        "spec.autoscaling.minReplicas must be less than or equal to spec.autoscaling.maxReplicas")
public record AutoscalingSettings(
    @JsonPropertyDescription(
            "Whether a HorizontalPodAutoscaler manages the replica count (spec.replicas is then "
                + "ignored).")
        @Default("false")
        Boolean enabled,
    @JsonPropertyDescription("Fewest replicas the autoscaler keeps.")
        @Default("2")
        @Min(1)
        @Max(1000)
        Integer minReplicas,
    @JsonPropertyDescription("Most replicas the autoscaler creates.")
        @Default("10")
        @Min(1)
        @Max(1000)
        Integer maxReplicas,
    @JsonPropertyDescription("Target average CPU utilisation in percent of the CPU request.")
        @Default("70")
        @Min(1)
        @Max(100)
        Integer targetCPUUtilizationPercentage,
    @JsonPropertyDescription(
            "Target average memory utilisation in percent of the memory request. Unset (the "
                + "default): the autoscaler follows CPU only, since the JVM's memory stays up after "
                + "load falls.")
        @Min(1)
        @Max(100)
        Integer targetMemoryUtilizationPercentage,
    @JsonPropertyDescription(
            "Seconds of lower recommendations the autoscaler waits for before scaling down.")
        @Default("300")
        @Min(0)
        @Max(3600)
        Integer scaleDownStabilizationWindowSeconds) {

  public AutoscalingSettings {
    enabled = enabled == null ? Boolean.FALSE : enabled;
    minReplicas = minReplicas == null ? 2 : minReplicas;
    maxReplicas = maxReplicas == null ? 10 : maxReplicas;
    targetCPUUtilizationPercentage =
        targetCPUUtilizationPercentage == null ? 70 : targetCPUUtilizationPercentage;
    scaleDownStabilizationWindowSeconds =
        scaleDownStabilizationWindowSeconds == null ? 300 : scaleDownStabilizationWindowSeconds;
  }

  public static AutoscalingSettings defaults() {
    return new AutoscalingSettings(null, null, null, null, null, null);
  }
}
