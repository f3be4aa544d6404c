package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * Requests and limits of the echo-server container. Any subset may be given, as in a Pod: an unset
 * limit takes the default limit, and an unset request equals the limit when that limit is given
 * (what Kubernetes does for a container) or the default request otherwise. The compact
 * constructor fills both in, so the rest of the operator sees complete values.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.requests) || !has(self.requests.cpu) || !isQuantity(string(self.requests.cpu))"
        + " || (has(self.limits) && has(self.limits.cpu) && !isQuantity(string(self.limits.cpu)))"
        + " || quantity(string(self.requests.cpu)).compareTo(quantity(has(self.limits) && has(self.limits.cpu)"
        + " ? string(self.limits.cpu) : '" + ResourceSettings.DEFAULT_LIMIT_CPU + "')) <= 0",
    message = "spec.resources.requests.cpu must not exceed spec.resources.limits.cpu (default "
        + ResourceSettings.DEFAULT_LIMIT_CPU + ")")
@ValidationRule(
    value = "!has(self.requests) || !has(self.requests.memory) || !isQuantity(string(self.requests.memory))"
        + " || (has(self.limits) && has(self.limits.memory) && !isQuantity(string(self.limits.memory)))"
        + " || quantity(string(self.requests.memory)).compareTo(quantity(has(self.limits)"
        + " && has(self.limits.memory) ? string(self.limits.memory) : '" + ResourceSettings.DEFAULT_MEMORY
        + "')) <= 0",
    message = "spec.resources.requests.memory must not exceed spec.resources.limits.memory (default "
        + ResourceSettings.DEFAULT_MEMORY + ")")
public record ResourceSettings(
    @JsonPropertyDescription(
            "Guaranteed resources. An unset request equals its limit when the limit is given, as in a Pod; "
                + "otherwise cpu " + ResourceSettings.DEFAULT_REQUEST_CPU + " and memory "
                + ResourceSettings.DEFAULT_MEMORY + " (the memory request equals the default limit: the JVM "
                + "sizes its heap from the limit and keeps it).")
        ComputeResources requests,
    @JsonPropertyDescription(
            "Resource ceilings. Unset: cpu " + ResourceSettings.DEFAULT_LIMIT_CPU + ", memory "
                + ResourceSettings.DEFAULT_MEMORY + ".")
        ComputeResources limits) {

  public static final String DEFAULT_REQUEST_CPU = "100m";
  public static final String DEFAULT_LIMIT_CPU = "200m";
  /** The default memory request and limit; also the smallest limit echo-server runs in. */
  public static final String DEFAULT_MEMORY = "128Mi";

  public ResourceSettings {
    ComputeResources given = limits == null ? new ComputeResources(null, null) : limits;
    ComputeResources asked = requests == null ? new ComputeResources(null, null) : requests;
    limits = new ComputeResources(
        or(given.cpu(), DEFAULT_LIMIT_CPU),
        or(given.memory(), DEFAULT_MEMORY));
    requests = new ComputeResources(
        asked.cpu() != null ? asked.cpu() : or(given.cpu(), DEFAULT_REQUEST_CPU),
        asked.memory() != null ? asked.memory() : or(given.memory(), DEFAULT_MEMORY));
  }

  private static Quantity or(Quantity q, String fallback) {
    return q != null ? q : new Quantity(fallback);
  }

  public static ResourceSettings defaults() {
    return new ResourceSettings(null, null);
  }
}
