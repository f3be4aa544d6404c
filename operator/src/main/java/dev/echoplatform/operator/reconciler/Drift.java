package dev.echoplatform.operator.reconciler;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The fields of a child that another field manager changed away from what the operator declares,
 * read from the live object's managedFields: for each entry of another manager (kubectl edit,
 * kubectl scale through the scale subresource, another controller; not the status subresource,
 * which the operator never declares), each field it owns that the desired object also sets, with a
 * different value. Fields the operator does not set (an annotation someone added, the HPA's
 * replicas) and fields shared with the same value (another applier agreeing) are not drift.
 */
final class Drift {

  private static final ObjectMapper JSON = Serialization.jsonMapper();
  private static final Object MISSING = new Object();

  private Drift() {}

  /**
   * One field taken back: its path as {@code
   * spec.template.spec.containers[name=echo-server].image}, and who set it.
   */
  record Field(String path, String manager, String subresource) {
    @Override
    public String toString() {
      return path
          + " (set by "
          + manager
          + (subresource == null ? "" : ", " + subresource + " subresource")
          + ")";
    }
  }

  static List<Field> of(HasMetadata live, HasMetadata desired, String ownManager) {
    List<ManagedFieldsEntry> entries = live.getMetadata().getManagedFields();
    if (entries == null || entries.isEmpty()) {
      return List.of();
    }
    Map<String, Object> liveJson = tree(live);
    Map<String, Object> desiredJson = tree(desired);
    List<Field> fields = new ArrayList<>();
    for (ManagedFieldsEntry e : entries) {
      if (ownManager.equals(e.getManager())
          || "status".equals(e.getSubresource())
          || e.getFieldsV1() == null) {
        continue;
      }
      Map<String, Object> owned =
          JSON.convertValue(e.getFieldsV1().getAdditionalProperties(), new TypeReference<>() {});
      leaves(
          owned,
          new ArrayList<>(),
          path -> {
            Object want = resolve(desiredJson, path);
            if (want != MISSING && !Objects.equals(want, resolve(liveJson, path))) {
              fields.add(new Field(render(path), e.getManager(), e.getSubresource()));
            }
          });
    }
    return fields;
  }

  private static Map<String, Object> tree(HasMetadata object) {
    return JSON.convertValue(object, new TypeReference<>() {});
  }

  /**
   * Calls {@code each} with the path of every owned leaf (a field whose set of owned children is
   * empty).
   */
  @SuppressWarnings("unchecked")
  private static void leaves(
      Map<String, Object> set, List<String> path, java.util.function.Consumer<List<String>> each) {
    for (Map.Entry<String, Object> child : new TreeMap<>(set).entrySet()) {
      if (".".equals(child.getKey())) {
        continue;
      }
      path.add(child.getKey());
      Map<String, Object> below =
          child.getValue() instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
      if (below.isEmpty()) {
        each.accept(List.copyOf(path));
      } else {
        leaves(below, path, each);
      }
      path.remove(path.size() - 1);
    }
  }

  /**
   * The node at a managedFields path ({@code f:name}, {@code k:{"name":"x"}}, {@code v:"x"}), or
   * MISSING.
   */
  @SuppressWarnings("unchecked")
  static Object resolve(Object node, List<String> path) {
    for (String segment : path) {
      if (segment.startsWith("f:") && node instanceof Map<?, ?> map) {
        String name = segment.substring(2);
        if (!map.containsKey(name)) {
          return MISSING;
        }
        node = map.get(name);
      } else if (segment.startsWith("k:") && node instanceof List<?> list) {
        Map<String, Object> key =
            parse(segment.substring(2), new TypeReference<Map<String, Object>>() {});
        node =
            ((List<Object>) list)
                .stream()
                    .filter(
                        item ->
                            item instanceof Map<?, ?> m
                                && key.entrySet().stream()
                                    .allMatch(
                                        k ->
                                            Objects.equals(
                                                normal(k.getValue()), normal(m.get(k.getKey())))))
                    .findFirst()
                    .orElse(MISSING);
      } else if (segment.startsWith("v:") && node instanceof List<?> list) {
        Object value = parse(segment.substring(2), new TypeReference<Object>() {});
        node =
            ((List<Object>) list)
                .stream()
                    .filter(item -> Objects.equals(normal(item), normal(value)))
                    .findFirst()
                    .orElse(MISSING);
      } else {
        return MISSING;
      }
      if (node == MISSING) {
        return MISSING;
      }
    }
    return node;
  }

  private static <T> T parse(String json, TypeReference<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a managedFields key: " + json, e);
    }
  }

  /** Numbers compared by value (a key parsed as Integer, a field as Long). */
  private static Object normal(Object value) {
    return value instanceof Number n ? (Object) new java.math.BigDecimal(n.toString()) : value;
  }

  /**
   * {@code [f:spec, f:template, ..., k:{"name":"echo-server"}, f:image]} as {@code
   * spec.template....[name=echo-server].image}.
   */
  static String render(List<String> path) {
    StringBuilder out = new StringBuilder();
    for (String segment : path) {
      String body = segment.substring(2);
      switch (segment.substring(0, 2)) {
        case "f:" -> out.append(out.isEmpty() ? "" : ".").append(body);
        case "k:" -> {
          Map<String, Object> key = parse(body, new TypeReference<Map<String, Object>>() {});
          StringBuilder k = new StringBuilder();
          for (Iterator<Map.Entry<String, Object>> it = new TreeMap<>(key).entrySet().iterator();
              it.hasNext(); ) {
            Map.Entry<String, Object> e = it.next();
            k.append(e.getKey()).append('=').append(e.getValue()).append(it.hasNext() ? "," : "");
          }
          out.append('[').append(k).append(']');
        }
        case "v:" -> out.append('[').append(body).append(']');
        default -> out.append(out.isEmpty() ? "" : ".").append(segment);
      }
    }
    return out.toString();
  }
}
