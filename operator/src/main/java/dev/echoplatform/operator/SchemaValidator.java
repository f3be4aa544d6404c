package dev.echoplatform.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cel.common.values.NullValue;
import dev.cel.runtime.CelEvaluationException;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Checks a custom resource against one version of its CRD's {@code openAPIV3Schema} as the
 * Kubernetes API server does when it is created with kubectl's default strict field validation:
 * unknown fields are errors (and pruned), nulls are pruned and {@code default}s applied, then the
 * OpenAPI keywords are checked and, unless a type, enum, required, length or item-count error
 * blocks them, the {@code x-kubernetes-validations} CEL rules. Every message has the API server's
 * wording (k8s.io/apiextensions-apiserver and kube-openapi, Kubernetes 1.36). Driven by the schema
 * alone: it knows no field of any resource.
 */
public final class SchemaValidator {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final Set<String> META_FIELDS = Set.of("apiVersion", "kind", "metadata");

  /** field.OmitValueType: an error whose bad value is not printed. */
  private static final Object OMIT = new Object();

  private final JSONSchemaProps root;
  private final Map<ValidationRule, CelRules.Compiled> rules = new IdentityHashMap<>();
  private final Map<ValidationRule, CelRules.Compiled> messages = new IdentityHashMap<>();

  public SchemaValidator(CustomResourceDefinition crd, String version) {
    this.root =
        crd.getSpec().getVersions().stream()
            .filter(v -> v.getName().equals(version))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "CRD " + crd.getMetadata().getName() + " has no version " + version))
            .getSchema()
            .getOpenAPIV3Schema();
    forEachNode(
        root,
        node -> {
          for (ValidationRule rule : rules(node)) {
            rules.put(rule, CelRules.compile(rule.getRule(), false));
            if (rule.getMessageExpression() != null && !rule.getMessageExpression().isBlank()) {
              messages.put(rule, CelRules.compile(rule.getMessageExpression(), true));
            }
          }
        });
  }

  /** The schema of {@code version} in the CRD at {@code resource} on the classpath. */
  public static SchemaValidator fromClasspath(String resource, String version) {
    try (InputStream in = SchemaValidator.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no " + resource + " on the classpath");
      }
      return new SchemaValidator(
          SERIALIZATION.unmarshal(in, CustomResourceDefinition.class), version);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every CEL rule and message expression that does not compile, as "rule: reason". */
  List<String> compileErrors() {
    List<String> out = new ArrayList<>();
    rules.forEach(
        (rule, compiled) -> {
          if (compiled.error() != null) {
            out.add(rule.getRule() + ": " + compiled.error());
          }
        });
    messages.forEach(
        (rule, compiled) -> {
          if (compiled.error() != null) {
            out.add(rule.getMessageExpression() + ": " + compiled.error());
          }
        });
    return out;
  }

  /**
   * Validates {@code object} (a YAML or JSON document read into maps and lists), pruning its
   * unknown fields and applying the schema's defaults in place, as the API server stores it.
   * Returns the errors, empty when the object is valid.
   */
  public List<String> validate(Map<String, Object> object) {
    List<String> unknown = new ArrayList<>();
    prune(object, root, "", true, unknown);
    List<String> out =
        unknown.stream()
            .sorted()
            .map(p -> "unknown field \"" + p + "\"")
            .collect(Collectors.toCollection(ArrayList::new));
    applyDefaults(object, root);
    List<FieldError> errors = new ArrayList<>();
    validate(object, root, "", errors);
    if (errors.stream().anyMatch(e -> e.kind.blocking)) {
      errors.add(
          new FieldError(
              Kind.INVALID,
              "",
              null,
              "some validation rules were not checked because"
                  + " the object was invalid; correct the existing errors to complete validation"));
    } else {
      evaluateRules(object, root, "", errors);
    }
    errors.forEach(e -> out.add(e.toString()));
    return out;
  }

  // ---- pruning and defaulting (apiextensions-apiserver schema/pruning and schema/defaulting) ----

  private static void prune(
      Object value, JSONSchemaProps s, String path, boolean embedded, List<String> unknown) {
    boolean preserve = Boolean.TRUE.equals(s.getXKubernetesPreserveUnknownFields());
    if (value instanceof Map<?, ?> map) {
      for (Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<?, ?> entry = it.next();
        String key = (String) entry.getKey();
        JSONSchemaProps child = childSchema(s, key);
        if (embedded && META_FIELDS.contains(key)) {
          continue;
        }
        if (child != null) {
          prune(
              entry.getValue(),
              child,
              join(path, key),
              isTrue(child.getXKubernetesEmbeddedResource()),
              unknown);
        } else if (!preserve) {
          unknown.add(join(path, key));
          it.remove();
        }
      }
    } else if (value instanceof List<?> list
        && s.getItems() != null
        && s.getItems().getSchema() != null) {
      for (int i = 0; i < list.size(); i++) {
        JSONSchemaProps items = s.getItems().getSchema();
        prune(
            list.get(i),
            items,
            path + "[" + i + "]",
            isTrue(items.getXKubernetesEmbeddedResource()),
            unknown);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void applyDefaults(Object value, JSONSchemaProps s) {
    if (value instanceof Map<?, ?> raw) {
      Map<String, Object> map = (Map<String, Object>) raw;
      if (s.getProperties() != null) {
        s.getProperties()
            .forEach(
                (key, prop) -> {
                  if (prop.getDefault() != null
                      && (!map.containsKey(key)
                          || map.get(key) == null && !isTrue(prop.getNullable()))) {
                    map.put(key, fromJson(prop.getDefault()));
                  }
                });
      }
      for (Iterator<Map.Entry<String, Object>> it = map.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Object> entry = it.next();
        JSONSchemaProps child = childSchema(s, entry.getKey());
        if (child == null) {
          continue;
        }
        if (entry.getValue() == null && !isTrue(child.getNullable())) {
          if (child.getDefault() == null) {
            it.remove();
            continue;
          }
          entry.setValue(fromJson(child.getDefault()));
        }
        applyDefaults(entry.getValue(), child);
      }
    } else if (value instanceof List<?> raw
        && s.getItems() != null
        && s.getItems().getSchema() != null) {
      List<Object> list = (List<Object>) raw;
      JSONSchemaProps items = s.getItems().getSchema();
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) == null && !isTrue(items.getNullable()) && items.getDefault() != null) {
          list.set(i, fromJson(items.getDefault()));
        }
        applyDefaults(list.get(i), items);
      }
    }
  }

  // ---- OpenAPI keywords (kube-openapi validate, mapped to field errors as apiextensions does)
  // ----

  private static void validate(
      Object value, JSONSchemaProps s, String path, List<FieldError> errors) {
    List<String> types =
        isTrue(s.getXKubernetesIntOrString())
            ? List.of("integer", "string")
            : s.getType() == null ? List.of() : List.of(s.getType());
    if (value == null) {
      if (!types.isEmpty() && !isTrue(s.getNullable())) {
        errors.add(typeInvalid(path, types, "null"));
      }
      checkEnum(value, s, path, errors);
      return;
    }
    String actual = jsonType(value);
    if (!types.isEmpty()
        && !types.contains(actual)
        && !(actual.equals("integer") && types.contains("number"))) {
      errors.add(typeInvalid(path, types, actual));
    }
    if (s.getAnyOf() != null && !s.getAnyOf().isEmpty()) {
      checkAnyOf(value, s.getAnyOf(), path, errors);
    }
    if (value instanceof String str) {
      checkString(str, s, path, errors);
    } else if (value instanceof Number number) {
      checkNumber(number, s, path, errors);
    } else if (value instanceof List<?> list) {
      if (s.getItems() != null && s.getItems().getSchema() != null) {
        for (int i = 0; i < list.size(); i++) {
          validate(list.get(i), s.getItems().getSchema(), path + "[" + i + "]", errors);
        }
      }
      if (s.getMinItems() != null && list.size() < s.getMinItems()) {
        errors.add(
            invalid(
                path, (long) list.size(), "should have at least " + s.getMinItems() + " items"));
      }
      if (s.getMaxItems() != null && list.size() > s.getMaxItems()) {
        errors.add(tooMany(path, list.size(), s.getMaxItems()));
      }
    }
    checkEnum(value, s, path, errors);
    if (value instanceof Map<?, ?> map) {
      checkObject(map, s, path, errors);
    }
  }

  private static void checkAnyOf(
      Object value, List<JSONSchemaProps> anyOf, String path, List<FieldError> errors) {
    List<FieldError> best = null;
    for (JSONSchemaProps branch : anyOf) {
      List<FieldError> branchErrors = new ArrayList<>();
      validate(value, branch, path, branchErrors);
      if (branchErrors.isEmpty()) {
        return;
      }
      // kube-openapi keeps the errors of the branch that matched most: here, the one of the value's
      // type.
      if (best == null || jsonType(value).equals(branch.getType())) {
        best = branchErrors;
      }
    }
    errors.add(
        new FieldError(
            Kind.INVALID, "", "", quote(path) + " must validate at least one schema (anyOf)"));
    errors.addAll(best);
  }

  private static void checkString(
      String str, JSONSchemaProps s, String path, List<FieldError> errors) {
    // kube-openapi reports the first of these only.
    long length = str.codePointCount(0, str.length());
    if (s.getMaxLength() != null && length > s.getMaxLength()) {
      long max = s.getMaxLength();
      errors.add(
          new FieldError(
              Kind.TOO_LONG,
              path,
              OMIT,
              "may not be more than " + max + (max == 1 ? " byte" : " bytes")));
    } else if (s.getMinLength() != null && length < s.getMinLength()) {
      errors.add(invalid(path, str, "should be at least " + s.getMinLength() + " chars long"));
    } else if (s.getPattern() != null
        && !com.google.re2j.Pattern.compile(s.getPattern()).matcher(str).find()) {
      errors.add(invalid(path, str, "should match '" + s.getPattern() + "'"));
    }
  }

  private static void checkNumber(
      Number number, JSONSchemaProps s, String path, List<FieldError> errors) {
    boolean integer = number instanceof Long;
    if (!integer && "integer".equals(s.getType())) {
      errors.add(
          new FieldError(
              Kind.INVALID,
              "",
              "",
              "Checked value must be of type integer (default format) in " + path));
    }
    // kube-openapi compares an integer with the bounds cut to integers, a float with the float
    // bounds.
    BigDecimal v =
        integer ? BigDecimal.valueOf((Long) number) : new BigDecimal(number.doubleValue());
    if (s.getMultipleOf() != null) {
      double factor = s.getMultipleOf();
      if (integer ? (long) factor <= 0 : factor <= 0) {
        errors.add(
            new FieldError(
                Kind.INVALID,
                path,
                integer ? (Object) (long) factor : (Object) factor,
                "factor MultipleOf declared for "
                    + path
                    + " must be positive: "
                    + bound(factor, number)));
      } else if (integer
          ? (Long) number % (long) factor != 0
          : !isWhole(
              factor < 1 ? 1 / factor * number.doubleValue() : number.doubleValue() / factor)) {
        errors.add(invalid(path, number, "should be a multiple of " + bound(factor, number)));
      }
    }
    if (s.getMinimum() != null) {
      int cmp = v.compareTo(boundValue(s.getMinimum(), integer));
      boolean exclusive = isTrue(s.getExclusiveMinimum());
      if (cmp < 0 || exclusive && cmp == 0) {
        errors.add(
            invalid(
                path,
                number,
                "should be greater than "
                    + (exclusive ? "" : "or equal to ")
                    + bound(s.getMinimum(), number)));
      }
    }
    if (s.getMaximum() != null) {
      int cmp = v.compareTo(boundValue(s.getMaximum(), integer));
      boolean exclusive = isTrue(s.getExclusiveMaximum());
      if (cmp > 0 || exclusive && cmp == 0) {
        errors.add(
            invalid(
                path,
                number,
                "should be less than "
                    + (exclusive ? "" : "or equal to ")
                    + bound(s.getMaximum(), number)));
      }
    }
  }

  private static BigDecimal boundValue(double bound, boolean integer) {
    return integer ? BigDecimal.valueOf((long) bound) : new BigDecimal(bound);
  }

  private static boolean isWhole(double d) {
    return Math.abs(d - Math.rint(d)) <= 1e-9 * Math.max(1, Math.abs(d));
  }

  private static void checkEnum(
      Object value, JSONSchemaProps s, String path, List<FieldError> errors) {
    if (s.getEnum() == null || s.getEnum().isEmpty()) {
      return;
    }
    List<Object> allowed = s.getEnum().stream().map(SchemaValidator::fromJson).toList();
    if (!allowed.contains(value)) {
      String supported =
          allowed.stream()
              .map(a -> quote(a instanceof String str ? str : toJson(a)))
              .collect(Collectors.joining(", "));
      errors.add(new FieldError(Kind.NOT_SUPPORTED, path, value, "supported values: " + supported));
    }
  }

  private static void checkObject(
      Map<?, ?> map, JSONSchemaProps s, String path, List<FieldError> errors) {
    if (s.getMinProperties() != null && map.size() < s.getMinProperties()) {
      errors.add(
          invalid(
              path,
              (long) map.size(),
              "should have at least " + s.getMinProperties() + " properties"));
    }
    if (s.getMaxProperties() != null && map.size() > s.getMaxProperties()) {
      errors.add(tooMany(path, map.size(), s.getMaxProperties()));
    }
    map.forEach(
        (key, child) -> {
          JSONSchemaProps schema = childSchema(s, (String) key);
          if (schema != null) {
            validate(child, schema, join(path, (String) key), errors);
          }
        });
    if (s.getRequired() != null) {
      for (String key : s.getRequired()) {
        if (!map.containsKey(key)) {
          errors.add(new FieldError(Kind.REQUIRED, join(path, key), OMIT, ""));
        }
      }
    }
  }

  // ---- x-kubernetes-validations (apiextensions-apiserver schema/cel validation.go) ----

  private void evaluateRules(
      Object value, JSONSchemaProps s, String path, List<FieldError> errors) {
    if (value == null) {
      return;
    }
    for (ValidationRule rule : rules(s)) {
      evaluate(rule, value, s, path, errors);
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach(
          (key, child) -> {
            JSONSchemaProps schema = childSchema(s, (String) key);
            boolean property = s.getProperties() != null && s.getProperties().containsKey(key);
            if (schema != null) {
              // Properties are addressed as .name, map entries as [key].
              evaluateRules(
                  child,
                  schema,
                  property ? join(path, (String) key) : path + "[" + key + "]",
                  errors);
            }
          });
    } else if (value instanceof List<?> list
        && s.getItems() != null
        && s.getItems().getSchema() != null) {
      for (int i = 0; i < list.size(); i++) {
        evaluateRules(list.get(i), s.getItems().getSchema(), path + "[" + i + "]", errors);
      }
    }
  }

  private void evaluate(
      ValidationRule rule, Object value, JSONSchemaProps s, String path, List<FieldError> errors) {
    // Transition rules compare with the stored object; a rendered object is always a new one.
    if (rule.getRule().matches("(?s).*\\boldSelf\\b.*")) {
      return;
    }
    String type = s.getType() == null ? "" : s.getType();
    String ruleText =
        rule.getMessage() != null && !rule.getMessage().isBlank()
            ? rule.getMessage().strip()
            : rule.getRule().strip();
    CelRules.Compiled compiled = rules.get(rule);
    if (compiled.error() != null) {
      errors.add(
          new FieldError(Kind.INVALID, path, type, "rule compile error: " + compiled.error()));
      return;
    }
    Object self = toCel(value, s);
    Object result;
    try {
      result = compiled.eval(self);
    } catch (CelEvaluationException e) {
      errors.add(
          new FieldError(
              Kind.INVALID, path, type, CelRules.evaluationError(e, rule.getRule(), ruleText)));
      return;
    }
    if (Boolean.TRUE.equals(result)) {
      return;
    }
    String detail =
        rule.getMessage() != null && !rule.getMessage().isBlank()
            ? rule.getMessage().strip()
            : "failed rule: " + ruleText;
    CelRules.Compiled message = messages.get(rule);
    if (message != null && message.error() == null) {
      try {
        Object text = message.eval(self);
        // The API server takes a non-blank single line of at most 5000 bytes.
        if (text instanceof String str
            && !str.isBlank()
            && !str.strip().contains("\n")
            && str.strip().getBytes(StandardCharsets.UTF_8).length <= 5000) {
          detail = str.strip();
        }
      } catch (CelEvaluationException e) {
        // The API server falls back to the message too.
      }
    }
    String field =
        rule.getFieldPath() == null || rule.getFieldPath().isEmpty()
            ? path
            : join(path, normalizeFieldPath(rule.getFieldPath()));
    Object bad = type.equals("object") || type.equals("array") ? OMIT : value;
    String reason = rule.getReason() == null ? "" : rule.getReason();
    errors.add(
        switch (reason) {
          case "FieldValueForbidden" -> new FieldError(Kind.FORBIDDEN, field, OMIT, detail);
          case "FieldValueRequired" -> new FieldError(Kind.REQUIRED, field, OMIT, detail);
          case "FieldValueDuplicate" -> new FieldError(Kind.DUPLICATE, field, bad, "");
          default -> new FieldError(Kind.INVALID, field, bad, detail);
        });
  }

  /** {@code .a.b['c.d']} as the API server prints it: {@code a.b[c.d]}. */
  private static String normalizeFieldPath(String fieldPath) {
    return fieldPath
        .replaceFirst("^\\.", "")
        .replaceAll("\\['((?:[^'\\\\]|\\\\.)*)'\\]", "[$1]")
        .replace("\\'", "'");
  }

  /** The value as CEL sees it: integers as int, numbers of a {@code number} schema as double. */
  private static Object toCel(Object value, JSONSchemaProps s) {
    if (value == null) {
      return NullValue.NULL_VALUE;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach(
          (k, v) -> {
            JSONSchemaProps child = s == null ? null : childSchema(s, (String) k);
            out.put((String) k, toCel(v, child));
          });
      return out;
    }
    if (value instanceof List<?> list) {
      JSONSchemaProps items = s == null || s.getItems() == null ? null : s.getItems().getSchema();
      return list.stream().map(v -> toCel(v, items)).toList();
    }
    if (value instanceof Long l && s != null && "number".equals(s.getType())) {
      return l.doubleValue();
    }
    return value;
  }

  // ---- helpers ----

  private static List<ValidationRule> rules(JSONSchemaProps s) {
    return s.getXKubernetesValidations() == null ? List.of() : s.getXKubernetesValidations();
  }

  private static JSONSchemaProps childSchema(JSONSchemaProps s, String key) {
    if (s.getProperties() != null && s.getProperties().containsKey(key)) {
      return s.getProperties().get(key);
    }
    if (s.getAdditionalProperties() != null) {
      JSONSchemaProps schema = s.getAdditionalProperties().getSchema();
      return schema != null
          ? schema
          : Boolean.TRUE.equals(s.getAdditionalProperties().getAllows())
              ? new JSONSchemaProps()
              : null;
    }
    return null;
  }

  /** Every schema node under {@code s}, {@code s} included. */
  static void forEachNode(JSONSchemaProps s, Consumer<JSONSchemaProps> action) {
    action.accept(s);
    if (s.getProperties() != null) {
      s.getProperties().values().forEach(p -> forEachNode(p, action));
    }
    if (s.getAdditionalProperties() != null && s.getAdditionalProperties().getSchema() != null) {
      forEachNode(s.getAdditionalProperties().getSchema(), action);
    }
    if (s.getItems() != null && s.getItems().getSchema() != null) {
      forEachNode(s.getItems().getSchema(), action);
    }
    if (s.getAnyOf() != null) {
      s.getAnyOf().forEach(p -> forEachNode(p, action));
    }
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static boolean isTrue(Boolean b) {
    return Boolean.TRUE.equals(b);
  }

  private static String jsonType(Object value) {
    if (value instanceof Map) {
      return "object";
    } else if (value instanceof List) {
      return "array";
    } else if (value instanceof String) {
      return "string";
    } else if (value instanceof Boolean) {
      return "boolean";
    } else if (value instanceof Long || value instanceof Integer || value instanceof BigInteger) {
      return "integer";
    }
    return "number";
  }

  /**
   * A YAML or JSON value as the API server holds it: integers as Long (and, as kubectl's YAML to
   * JSON conversion writes whole floats as integers, 5.0 as 5), other numbers as Double.
   */
  @SuppressWarnings("unchecked")
  public static Object normalize(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), normalize(v)));
      return out;
    } else if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      list.forEach(v -> out.add(normalize(v)));
      return out;
    } else if (value instanceof Number n && !(value instanceof Long)) {
      BigDecimal d = new BigDecimal(n.toString());
      boolean whole = d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
      return whole && d.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0
          ? (Object) d.longValue()
          : (Object) n.doubleValue();
    }
    return value;
  }

  private static Object fromJson(JsonNode node) {
    return normalize(JSON.convertValue(node, Object.class));
  }

  private static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      return String.valueOf(value);
    }
  }

  private static FieldError typeInvalid(String path, List<String> types, String actual) {
    return new FieldError(
        Kind.TYPE_INVALID,
        path,
        actual,
        path + " in body must be of type " + String.join(",", types) + ": " + quote(actual));
  }

  private static FieldError invalid(String path, Object value, String rest) {
    return new FieldError(Kind.INVALID, path, value, path + " in body " + rest);
  }

  private static FieldError tooMany(String path, int actual, long max) {
    return new FieldError(
        Kind.TOO_MANY,
        path,
        (long) actual,
        "must have at most " + max + (max == 1 ? " item" : " items"));
  }

  /**
   * A bound as kube-openapi prints it: an integer for an integer value, else Go's %v of a float64.
   */
  private static String bound(double bound, Number value) {
    return value instanceof Long ? Long.toString((long) bound) : goFloat(bound);
  }

  /**
   * Go's %v of a float64: the shortest decimal, in exponent form below 1e-4 or from 1e6 on (%g).
   */
  static String goFloat(double d) {
    if (d == 0) {
      return 1 / d < 0 ? "-0" : "0";
    }
    BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    int exponent = shortest.precision() - shortest.scale() - 1;
    if (exponent >= -4 && exponent < 6) {
      return shortest.toPlainString();
    }
    String digits = shortest.unscaledValue().abs().toString();
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return (d < 0 ? "-" : "")
        + mantissa
        + "e"
        + (exponent < 0 ? "-" : "+")
        + (Math.abs(exponent) < 10 ? "0" : "")
        + Math.abs(exponent);
  }

  /** Go's %q of a string. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                  if (c < 0x20 || c == 0x7f) {
                    sb.append(String.format("\\x%02x", c));
                  } else {
                    sb.appendCodePoint(c);
                  }
                }
              }
            });
    return sb.append('"').toString();
  }

  /** The field error types of k8s.io/apimachinery's field package that these checks produce. */
  enum Kind {
    REQUIRED("Required value", true),
    NOT_SUPPORTED("Unsupported value", true),
    TOO_LONG("Too long", true),
    TOO_MANY("Too many", true),
    TYPE_INVALID("Invalid value", true),
    INVALID("Invalid value", false),
    FORBIDDEN("Forbidden", false),
    DUPLICATE("Duplicate value", false);

    final String text;

    /** Errors after which the API server does not evaluate the CEL rules. */
    final boolean blocking;

    Kind(String text, boolean blocking) {
      this.text = text;
      this.blocking = blocking;
    }
  }

  /** A field.Error; toString() is its Error(): "field: Type: value: detail". */
  record FieldError(Kind kind, String field, Object value, String detail) {
    @Override
    public String toString() {
      StringBuilder sb =
          new StringBuilder(field.isEmpty() ? "<nil>" : field).append(": ").append(kind.text);
      if (value != OMIT
          && kind != Kind.REQUIRED
          && kind != Kind.FORBIDDEN
          && kind != Kind.TOO_LONG) {
        sb.append(": ")
            .append(
                value instanceof String str
                    ? quote(str)
                    : value instanceof Long || value instanceof Boolean
                        ? value.toString()
                        : value instanceof Double d ? goFloat(d) : toJson(value));
      }
      if (!detail.isEmpty()) {
        sb.append(": ").append(detail);
      }
      return sb.toString();
    }
  }
}
