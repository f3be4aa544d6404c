package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A CPU and memory amount. */
public record ComputeResources(
    @JsonPropertyDescription("CPU as a Kubernetes quantity, e.g. 100m or 0.5.")
        @Required
        @Pattern(Patterns.QUANTITY)
        @Size(max = 32)
        String cpu,
    @JsonPropertyDescription("Memory as a Kubernetes quantity, e.g. 64Mi or 1Gi.")
        @Required
        @Pattern(Patterns.QUANTITY)
        @Size(max = 32)
        String memory) {}
