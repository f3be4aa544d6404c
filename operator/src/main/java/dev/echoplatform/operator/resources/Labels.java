package dev.echoplatform.operator.resources;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The standard labels on everything the operator creates. */
public final class Labels {

  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String VERSION = "app.kubernetes.io/version";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String PART_OF = "app.kubernetes.io/part-of";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  public static final String APP_NAME = "echo-server";
  public static final String OPERATOR_NAME = "echo-operator";

  /** Label selector the operator's informers use: only objects it manages. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR_NAME;

  private Labels() {}

  /** The immutable pod selector of one EchoService. */
  public static Map<String, String> selector(String instance) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(NAME, APP_NAME);
    labels.put(INSTANCE, instance);
    return labels;
  }

  /** Selector as a string, as the scale subresource wants it. */
  public static String selectorString(String instance) {
    StringBuilder sb = new StringBuilder();
    selector(instance)
        .forEach(
            (k, v) -> {
              if (sb.length() > 0) {
                sb.append(',');
              }
              sb.append(k).append('=').append(v);
            });
    return sb.toString();
  }

  /** User labels plus the standard labels (the standard ones win). */
  public static Map<String, String> standard(
      String instance, String version, Map<String, String> userLabels) {
    Map<String, String> labels = new TreeMap<>(userLabels);
    labels.putAll(selector(instance));
    labels.put(VERSION, version);
    labels.put(COMPONENT, APP_NAME);
    labels.put(PART_OF, OPERATOR_NAME);
    labels.put(MANAGED_BY, OPERATOR_NAME);
    return labels;
  }

  /** A label value (at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends). */
  public static String toLabelValue(String raw) {
    String value = raw.replaceAll("[^A-Za-z0-9._-]", "-");
    if (value.length() > 63) {
      value = value.substring(0, 63);
    }
    value = value.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    return value;
  }

  static Map<String, String> merge(Map<String, String> first, Map<String, String> second) {
    Map<String, String> merged = new LinkedHashMap<>(first);
    merged.putAll(second);
    return new TreeMap<>(merged);
  }
}
