package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** Requests and limits of the echo-server container. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "quantity(self.requests.cpu).compareTo(quantity(self.limits.cpu)) <= 0",
    message = "spec.resources.requests.cpu must not exceed spec.resources.limits.cpu")
@ValidationRule(
    value = "quantity(self.requests.memory).compareTo(quantity(self.limits.memory)) <= 0",
    message = "spec.resources.requests.memory must not exceed spec.resources.limits.memory")
public record ResourceSettings(
    @JsonPropertyDescription(
            "Guaranteed resources (default cpu 100m, memory 128Mi: the memory request equals the "
                + "default limit, since the JVM sizes its heap from the limit and keeps it).")
        @Default("{\"cpu\": \"100m\", \"memory\": \"128Mi\"}")
        ComputeResources requests,
    @JsonPropertyDescription("Resource ceilings (default cpu 200m, memory 128Mi).")
        @Default("{\"cpu\": \"200m\", \"memory\": \"128Mi\"}")
        ComputeResources limits) {

  public static final ComputeResources DEFAULT_REQUESTS = new ComputeResources("100m", "128Mi");
  public static final ComputeResources DEFAULT_LIMITS = new ComputeResources("200m", "128Mi");

  public ResourceSettings {
    requests = requests == null ? DEFAULT_REQUESTS : requests;
    limits = limits == null ? DEFAULT_LIMITS : limits;
  }

  public static ResourceSettings defaults() {
    return new ResourceSettings(null, null);
  }
}
