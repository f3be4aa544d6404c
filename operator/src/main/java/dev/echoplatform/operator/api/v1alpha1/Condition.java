package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A status condition following the Kubernetes API conventions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
    @JsonPropertyDescription("Condition type: Ready, Progressing or Degraded.") @Required
        String type,
    @JsonPropertyDescription("True, False or Unknown.") @Required String status,
    @JsonPropertyDescription("Machine-readable CamelCase reason for the last transition.")
        String reason,
    @JsonPropertyDescription("Human-readable details.") String message,
    @JsonPropertyDescription("When the status last changed (RFC 3339).") String lastTransitionTime,
    @JsonPropertyDescription("The metadata.generation the condition was computed for.")
        Long observedGeneration) {

  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";

  /**
   * Present (True) only while autoscaling is on and spec.replicas was last set through the scale
   * subresource ({@code kubectl scale}): that count is not applied, the autoscaler owns it.
   */
  public static final String SCALE_IGNORED = "ScaleIgnored";

  /**
   * Present (True) only while the EchoService carries the paused annotation
   * (EchoService.PAUSED_ANNOTATION).
   */
  public static final String PAUSED = "Paused";

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /** Whether this condition carries the same information as {@code other}, ignoring the time. */
  public boolean sameStateAs(Condition other) {
    return other != null
        && type.equals(other.type)
        && status.equals(other.status)
        && java.util.Objects.equals(reason, other.reason)
        && java.util.Objects.equals(message, other.message)
        && java.util.Objects.equals(observedGeneration, other.observedGeneration);
  }

  public Condition withLastTransitionTime(String time) {
    return new Condition(type, status, reason, message, time, observedGeneration);
  }
}
