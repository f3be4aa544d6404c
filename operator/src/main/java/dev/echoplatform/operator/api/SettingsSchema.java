package dev.echoplatform.operator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.echoplatform.config.GoDuration;
import dev.echoplatform.config.Setting;
import dev.echoplatform.operator.api.v1alpha1.Patterns;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRuleBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The schema of {@code spec.settings}, completed from echo-server's table of settings ({@link
 * Setting}) when the CRD is generated: each field's default, minimum and maximum, allowed values,
 * and the CEL rules of the duration and CIDR fields. The Java type ({@code ServerSettings}) states
 * only names, types and descriptions, so the API server admits exactly what the server's own parser
 * accepts, from one definition.
 */
public final class SettingsSchema {

  /**
   * Longest duration text the CRD admits. Not a server bound: it bounds the cost the API server
   * estimates for the duration rules (a CEL rule over an unbounded string is refused).
   */
  public static final long MAX_DURATION_LENGTH = 32;

  /** Longest CIDR the CRD admits (an IPv6 CIDR is at most 49 characters); a CEL cost bound too. */
  public static final long MAX_CIDR_LENGTH = 64;

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private SettingsSchema() {}

  /**
   * Completes {@code settings} (the generated schema of {@code spec.settings}) in place.
   *
   * @throws IllegalStateException when a field of the schema sets no variable of the table, or a
   *     variable of the table names a field the schema does not have
   */
  public static void complete(JSONSchemaProps settings) {
    Set<String> unmatched = new TreeSet<>(settings.getProperties().keySet());
    // The rules written here carry a fieldPath; those the generator took from ServerSettings do
    // not. Completing a finished CRD again (CrdFinisherTest) replaces them rather than adding
    // twice.
    List<ValidationRule> rules = new ArrayList<>(settings.getXKubernetesValidations());
    rules.removeIf(r -> r.getFieldPath() != null);
    for (Setting s : Setting.values()) {
      String name = s.field().name();
      if (name == null) {
        continue;
      }
      JSONSchemaProps field = settings.getProperties().get(name);
      if (field == null || !unmatched.remove(name)) {
        throw new IllegalStateException(
            "echo-server's "
                + s.env()
                + " names spec.settings."
                + name
                + ", which is not in the CRD");
      }
      if (s.field().defaulted() && s.kind() != Setting.Kind.CIDR_LIST) {
        field.setDefault(defaultValue(s));
      }
      switch (s.kind()) {
        case INTEGER -> {
          field.setMinimum((double) s.min());
          field.setMaximum(s.max() == Long.MAX_VALUE ? null : (double) s.max());
        }
        case LOG_LEVEL ->
            field.setEnum(
                Setting.LOG_LEVELS.stream().map(v -> (JsonNode) JSON.textNode(v)).toList());
        case DURATION, POSITIVE_DURATION -> {
          field.setMaxLength(MAX_DURATION_LENGTH);
          rules.add(durationRule(name, s.kind() == Setting.Kind.POSITIVE_DURATION));
        }
        case CIDR_LIST -> {
          field.setMaxItems(s.max());
          field.getItems().getSchema().setMaxLength(MAX_CIDR_LENGTH);
          rules.add(
              rule(
                  name,
                  "!has(self."
                      + name
                      + ") || self."
                      + name
                      + ".all(c, c.matches(r'"
                      + Patterns.CIDR
                      + "'))",
                  Patterns.CIDR_MESSAGE));
        }
        default ->
            throw new IllegalStateException(
                s.env() + " is a " + s.kind() + ", which has no schema in the CRD");
      }
    }
    if (!unmatched.isEmpty()) {
      throw new IllegalStateException(
          "spec.settings."
              + unmatched
              + " set no echo-server variable (dev.echoplatform.config.Setting)");
    }
    settings.setXKubernetesValidations(rules);
  }

  /** The message of a duration rule. */
  public static String durationMessage(boolean positive) {
    String max = GoDuration.MAX_TEXT;
    return positive
        ? "must be a Go duration more than 0 and at most " + max + ", such as 250ms, 5s or 1m30s"
        : "must be a Go duration of at most " + max + ", such as 0, 500ms or 30s";
  }

  private static ValidationRule durationRule(String name, boolean positive) {
    String self = "self." + name;
    return rule(
        name,
        "!has("
            + self
            + ") || ("
            + self
            + ".matches(r'"
            + Patterns.GO_DURATION
            + "')"
            + (positive ? " && duration(" + self + ") > duration('0s')" : "")
            + " && duration("
            + self
            + ") <= duration('"
            + GoDuration.MAX_TEXT
            + "'))",
        durationMessage(positive));
  }

  private static ValidationRule rule(String name, String rule, String message) {
    return new ValidationRuleBuilder()
        .withRule(rule)
        .withMessage("spec.settings." + name + " " + message)
        .withFieldPath("." + name)
        .build();
  }

  private static JsonNode defaultValue(Setting s) {
    return switch (s.kind()) {
      case INTEGER -> JSON.numberNode(Long.parseLong(s.defaultValue()));
      default -> JSON.textNode(s.defaultValue());
    };
  }
}
