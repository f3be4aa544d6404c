package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * Requests and limits of the echo-server container. Any subset may be given, as in a Pod. An unset
 * limit takes the default limit. An unset memory request equals the memory limit (echo-server's JVM
 * sizes its heap from the limit and keeps it, so the pod uses what the limit allows); an unset CPU
 * request is the default request, capped by the CPU limit (a limit of 2 cores does not reserve 2
 * cores). The compact constructor fills both in, so the rest of the operator sees complete values.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.requests) || !has(self.requests.cpu) || !isQuantity(string(self.requests.cpu))"
            + " || (has(self.limits) && has(self.limits.cpu) && !isQuantity(string(self.limits.cpu)))"
            + " || quantity(string(self.requests.cpu)).compareTo(quantity(has(self.limits) && has(self.limits.cpu)"
            + " ? string(self.limits.cpu) : '"
            + ResourceSettings.DEFAULT_LIMIT_CPU
            + "')) <= 0",
    message =
        "spec.resources.requests.cpu must not exceed spec.resources.limits.cpu (default "
            + ResourceSettings.DEFAULT_LIMIT_CPU
            + ")")
@ValidationRule(
    value =
        "!has(self.requests) || !has(self.requests.memory) || !isQuantity(string(self.requests.memory))"
            + " || (has(self.limits) && has(self.limits.memory) && !isQuantity(string(self.limits.memory)))"
            + " || quantity(string(self.requests.memory)).compareTo(quantity(has(self.limits)"
            + " && has(self.limits.memory) ? string(self.limits.memory) : '"
            + ResourceSettings.DEFAULT_MEMORY
            + "')) <= 0",
    message =
        "spec.resources.requests.memory must not exceed spec.resources.limits.memory (default "
            + ResourceSettings.DEFAULT_MEMORY
            + ")")
public record ResourceSettings(
    @JsonPropertyDescription(
            "Guaranteed resources. Unset: memory equals the memory limit (echo-server's JVM sizes its heap "
                + "from the limit and keeps it), cpu "
                + ResourceSettings.DEFAULT_REQUEST_CPU
                + " or the CPU limit if that is lower.")
        ComputeResources requests,
    @JsonPropertyDescription(
            "Resource ceilings. Unset: cpu "
                + ResourceSettings.DEFAULT_LIMIT_CPU
                + ", memory "
                + ResourceSettings.DEFAULT_MEMORY
                + ".")
        ComputeResources limits) {

  public static final String DEFAULT_REQUEST_CPU = "100m";
  public static final String DEFAULT_LIMIT_CPU = "200m";

  /** The default memory request and limit; also the smallest limit echo-server runs in. */
  public static final String DEFAULT_MEMORY = "128Mi";

  public ResourceSettings {
    ComputeResources given = limits == null ? new ComputeResources(null, null) : limits;
    ComputeResources asked = requests == null ? new ComputeResources(null, null) : requests;
    limits =
        new ComputeResources(
            or(given.cpu(), DEFAULT_LIMIT_CPU), or(given.memory(), DEFAULT_MEMORY));
    Quantity defaultCpu = new Quantity(DEFAULT_REQUEST_CPU);
    requests =
        new ComputeResources(
            asked.cpu() != null
                ? asked.cpu()
                : defaultCpu.getNumericalAmount().compareTo(limits.cpu().getNumericalAmount()) <= 0
                    ? defaultCpu
                    : limits.cpu(),
            asked.memory() != null ? asked.memory() : limits.memory());
  }

  private static Quantity or(Quantity q, String fallback) {
    return q != null ? q : new Quantity(fallback);
  }

  public static ResourceSettings defaults() {
    return new ResourceSettings(null, null);
  }
}
