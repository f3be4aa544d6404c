package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * A CPU and memory amount, as in a Pod: each is a quantity written as a number or a string, and
 * either may be left out ({@link ResourceSettings} says what it then is).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.cpu) || " + Patterns.QUANTITY_RULE_CPU,
    message = Patterns.QUANTITY_MESSAGE,
    fieldPath = ".cpu")
@ValidationRule(
    value = "!has(self.memory) || " + Patterns.QUANTITY_RULE_MEMORY,
    message = Patterns.QUANTITY_MESSAGE,
    fieldPath = ".memory")
public record ComputeResources(
    @JsonPropertyDescription("CPU as a Kubernetes quantity, e.g. 2, 100m or \"0.5\".")
        @Size(max = 32)
        Quantity cpu,
    @JsonPropertyDescription("Memory as a Kubernetes quantity, e.g. 64Mi or 1Gi.") @Size(max = 32)
        Quantity memory) {

  public static ComputeResources of(String cpu, String memory) {
    return new ComputeResources(new Quantity(cpu), new Quantity(memory));
  }
}
