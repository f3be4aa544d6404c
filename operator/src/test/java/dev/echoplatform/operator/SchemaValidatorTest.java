package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The validator against the CRD the build generates and against a test CRD that uses the keywords
 * the EchoService CRD does not. Every expected message below is the API server's own: produced by
 * k8s.io/apiextensions-apiserver v0.36.3's pruning, defaulting, schema and CEL validation code run
 * on the same CRD and object (the order of the API server's errors is not fixed, so neither is it
 * asserted here).
 */
class SchemaValidatorTest {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final String NOT_CHECKED =
      "<nil>: Invalid value: null: some validation rules were not checked because"
          + " the object was invalid; correct the existing errors to complete validation";
  static final SchemaValidator ECHO_SERVICE = Renderer.Schema.VALIDATOR;
  static final SchemaValidator WIDGET =
      new SchemaValidator(crd("validation/widgets.example.com.yml"), "v1");

  static CustomResourceDefinition crd(String resource) {
    try (InputStream in =
        SchemaValidatorTest.class.getClassLoader().getResourceAsStream(resource)) {
      return SERIALIZATION.unmarshal(in, CustomResourceDefinition.class);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(String yaml) {
    return (Map<String, Object>)
        SchemaValidator.normalize(SERIALIZATION.unmarshal(yaml, Map.class));
  }

  static Arguments echoService(String keyword, String spec, String... errors) {
    return Arguments.of(keyword, spec, List.of(errors));
  }

  static Stream<Arguments> echoServiceCases() {
    return Stream.of(
        echoService(
            "maximum",
            "{replicas: 5000}",
            "spec.replicas: Invalid value: 5000: spec.replicas in body should be less than or equal to 1000"),
        echoService(
            "minimum",
            "{replicas: -1}",
            "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0"),
        echoService(
            "integer bounds, inclusive",
            "{replicas: 1000, autoscaling: {minReplicas: 1, maxReplicas: 1000}}"),
        echoService(
            "type",
            "{replicas: two}",
            NOT_CHECKED,
            "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\""),
        echoService(
            "enum",
            "{imagePullPolicy: Sometimes}",
            NOT_CHECKED,
            "spec.imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""),
        echoService(
            "unknown fields",
            "{foo: 1, settings: {bar: 2}, networkPolicy: {ingressFrom: [{podSelector: {}, ports: [80]}]}}",
            "unknown field \"spec.foo\"",
            "unknown field \"spec.networkPolicy.ingressFrom[0].ports\"",
            "unknown field \"spec.settings.bar\""),
        echoService(
            "int-or-string quantities",
            "{resources: {requests: {cpu: 1}, limits: {cpu: 2, memory: 128Mi}}}"),
        echoService(
            "int-or-string type",
            "{resources: {limits: {cpu: true}}}",
            "<nil>: Invalid value: \"\": \"spec.resources.limits.cpu\" must validate at least one schema (anyOf)",
            NOT_CHECKED,
            "spec.resources.limits.cpu: Invalid value: \"boolean\": spec.resources.limits.cpu in body must be of type integer,string: \"boolean\"",
            "spec.resources.limits.cpu: Invalid value: \"boolean\": spec.resources.limits.cpu in body must be of type integer: \"boolean\""),
        echoService(
            "quantity rule on an int-or-string",
            "{resources: {limits: {cpu: lots}}}",
            "spec.resources.limits.cpu: Invalid value: must be a Kubernetes quantity of at least 0, such as 2, 500m, \"0.5\", 64Mi or 1Gi"),
        echoService(
            "maxLength",
            "{settings: {readTimeout: 12345678901234567890123456789012s}}",
            NOT_CHECKED,
            "spec.settings.readTimeout: Too long: may not be more than 32 bytes"),
        echoService(
            "rule",
            "{autoscaling: {minReplicas: 5, maxReplicas: 3}}",
            "spec.autoscaling: Invalid value: spec.autoscaling.minReplicas must be less than or equal to spec.autoscaling.maxReplicas"),
        echoService(
            "rule after defaults",
            "{settings: {rateLimitRps: 300}}",
            "spec.settings: Invalid value: spec.settings.rateLimitBurst must be at least spec.settings.rateLimitRps"),
        echoService(
            "rule with fieldPath",
            "{settings: {readTimeout: '0'}}",
            "spec.settings.readTimeout: Invalid value: spec.settings.readTimeout must be a Go duration more than 0 and at most 24h, such as 250ms, 5s or 1m30s"),
        echoService(
            "rule over map keys",
            "{labels: {app.kubernetes.io/name: mine}}",
            "spec.labels: Invalid value: spec.labels must not set app.kubernetes.io/ keys: the operator sets them"),
        echoService(
            "quantity rule",
            "{resources: {requests: {cpu: 500m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}}",
            "spec.resources: Invalid value: spec.resources.requests.cpu must not exceed spec.resources.limits.cpu (default 200m)"),
        echoService(
            "quantity rules, boundary",
            "{resources: {requests: {cpu: '0.2', memory: 128Mi}, limits: {cpu: 200m, memory: 128Mi}}}"),
        echoService(
            "duration rules, boundary",
            "{settings: {readTimeout: 1ms, writeTimeout: 24h, idleTimeout: 1m30s, shutdownDelay: '0', shutdownTimeout: 1440m}}"),
        echoService(
            "duration rule",
            "{settings: {shutdownTimeout: 24h0m0.001s}}",
            "spec.settings.shutdownTimeout: Invalid value: spec.settings.shutdownTimeout must be a Go duration of at most 24h, such as 0, 500ms or 30s"),
        echoService(
            "several errors",
            "{replicas: 5000, imagePullPolicy: Sometimes, service: {type: ClusterIP, nodePort: 30080}}",
            NOT_CHECKED,
            "spec.imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
            "spec.replicas: Invalid value: 5000: spec.replicas in body should be less than or equal to 1000"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("echoServiceCases")
  void echoServicesAreCheckedAsTheApiServerChecksThem(
      String keyword, String spec, List<String> errors) {
    Map<String, Object> es =
        object(
            "apiVersion: echo.platform.dev/v1alpha1\nkind: EchoService\n"
                + "metadata: {name: echo, namespace: echo-dev}\nspec: "
                + spec
                + "\n");
    assertThat(ECHO_SERVICE.validate(es)).containsExactlyInAnyOrderElementsOf(errors);
  }

  static Arguments widget(String keyword, String name, String spec, String more, String... errors) {
    return Arguments.of(keyword, name, spec, more, List.of(errors));
  }

  static Stream<Arguments> widgetCases() {
    return Stream.of(
        widget(
            "valid",
            "w",
            "{name: abc, port: http, size: 1Mi, ratio: 0.5, count: 100, level: 3, tags: [a, b, c], conf: {k: v}, nick: null}",
            ""),
        widget(
            "minLength",
            "w",
            "{name: ab}",
            "",
            "spec.name: Invalid value: \"ab\": spec.name in body should be at least 3 chars long"),
        widget(
            "maxLength",
            "w",
            "{name: abcdefghijk}",
            "",
            NOT_CHECKED,
            "spec.name: Too long: may not be more than 10 bytes"),
        widget("required", "w", "{nick: abc}", "", NOT_CHECKED, "spec.name: Required value"),
        widget(
            "messageExpression",
            "w",
            "{name: taken}",
            "",
            "spec: Invalid value: name taken is taken"),
        widget(
            "messageExpression that fails",
            "w",
            "{name: fallback}",
            "",
            "spec: Invalid value: the message when messageExpression fails"),
        widget(
            "reason", "w", "{name: forbidden}", "", "spec: Forbidden: name forbidden is forbidden"),
        widget(
            "rule on the root",
            "reserved",
            "{name: abc}",
            "",
            "<nil>: Invalid value: the name reserved is taken"),
        widget(
            "int-or-string: pattern of the string branch",
            "w",
            "{name: abc, port: HTTP}",
            "",
            "<nil>: Invalid value: \"\": \"spec.port\" must validate at least one schema (anyOf)",
            "spec.port: Invalid value: \"HTTP\": spec.port in body should match '^[a-z]+$'"),
        widget(
            "int-or-string: neither",
            "w",
            "{name: abc, port: 1.5}",
            "",
            "<nil>: Invalid value: \"\": \"spec.port\" must validate at least one schema (anyOf)",
            "<nil>: Invalid value: \"\": Checked value must be of type integer (default format) in spec.port",
            NOT_CHECKED,
            "spec.port: Invalid value: \"number\": spec.port in body must be of type integer,string: \"number\"",
            "spec.port: Invalid value: \"number\": spec.port in body must be of type integer: \"number\""),
        widget(
            "int-or-string: int where a rule wants a string",
            "w",
            "{name: abc, size: 12}",
            "",
            "spec.size: Invalid value: \"\": 'no such overload: quantity(int)': call arguments did not match a supported operator, function or macro signature for rule: size must not be negative",
            "spec: Invalid value: \"object\": 'no such overload: quantity(int)': call arguments did not match a supported operator, function or macro signature for rule: size must be less than 1Gi"),
        widget(
            "quantity: rule on an int-or-string value",
            "w",
            "{name: abc, size: '-1'}",
            "",
            "spec.size: Invalid value: \"-1\": size must not be negative"),
        widget(
            "quantity: not a quantity",
            "w",
            "{name: abc, size: lots}",
            "",
            "spec.size: Invalid value: \"\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' evaluating rule: size must not be negative",
            "spec: Invalid value: \"object\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' evaluating rule: size must be less than 1Gi"),
        widget(
            "quantity: too large",
            "w",
            "{name: abc, size: 2Gi}",
            "",
            "spec: Invalid value: size must be less than 1Gi"),
        widget(
            "exclusiveMinimum",
            "w",
            "{name: abc, ratio: 0.1}",
            "",
            "spec.ratio: Invalid value: 0.1: spec.ratio in body should be greater than 0.1"),
        widget(
            "exclusiveMaximum",
            "w",
            "{name: abc, ratio: 1.5}",
            "",
            "spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1.5",
            "spec: Invalid value: failed rule: !has(self.ratio) || self.ratio < 0.9"),
        widget(
            "number rule without message",
            "w",
            "{name: abc, ratio: 0.95}",
            "",
            "spec: Invalid value: failed rule: !has(self.ratio) || self.ratio < 0.9"),
        widget(
            "integer against float bounds",
            "w",
            "{name: abc, ratio: 1}",
            "",
            "spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1",
            "spec: Invalid value: failed rule: !has(self.ratio) || self.ratio < 0.9"),
        widget(
            "multipleOf",
            "w",
            "{name: abc, count: 7}",
            "",
            "spec.count: Invalid value: 7: spec.count in body should be a multiple of 5"),
        widget(
            "maximum",
            "w",
            "{name: abc, count: 105}",
            "",
            "spec.count: Invalid value: 105: spec.count in body should be less than or equal to 100"),
        widget(
            "division by zero",
            "w",
            "{name: abc, count: 0}",
            "",
            "spec: Invalid value: \"object\": division by zero evaluating rule: count divides 10"),
        widget(
            "float for an integer",
            "w",
            "{name: abc, count: 5.5}",
            "",
            "<nil>: Invalid value: \"\": Checked value must be of type integer (default format) in spec.count",
            NOT_CHECKED,
            "spec.count: Invalid value: \"number\": spec.count in body must be of type integer: \"number\"",
            "spec.count: Invalid value: 5.5: spec.count in body should be a multiple of 5"),
        widget(
            "integer enum",
            "w",
            "{name: abc, level: 4}",
            "",
            NOT_CHECKED,
            "spec.level: Unsupported value: 4: supported values: \"1\", \"2\", \"3\""),
        widget(
            "string for an integer",
            "w",
            "{name: abc, level: '2'}",
            "",
            NOT_CHECKED,
            "spec.level: Invalid value: \"string\": spec.level in body must be of type integer: \"string\"",
            "spec.level: Unsupported value: \"2\": supported values: \"1\", \"2\", \"3\""),
        widget(
            "minItems",
            "w",
            "{name: abc, tags: []}",
            "",
            "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"),
        widget(
            "maxItems",
            "w",
            "{name: abc, tags: [a, b, c, d]}",
            "",
            NOT_CHECKED,
            "spec.tags: Too many: 4: must have at most 3 items"),
        widget(
            "item maxLength",
            "w",
            "{name: abc, tags: [abc]}",
            "",
            NOT_CHECKED,
            "spec.tags[0]: Too long: may not be more than 2 bytes"),
        widget(
            "item rule and list rule with fieldPath",
            "w",
            "{name: abc, tags: [z, bb]}",
            "",
            "spec.tags: Invalid value: tags have one character",
            "spec.tags[0]: Invalid value: \"z\": no z"),
        widget(
            "null item",
            "w",
            "{name: abc, tags: [null]}",
            "",
            NOT_CHECKED,
            "spec.tags[0]: Invalid value: \"null\": spec.tags[0] in body must be of type string: \"null\""),
        widget(
            "minProperties",
            "w",
            "{name: abc, conf: {}}",
            "",
            "spec.conf: Invalid value: 0: spec.conf in body should have at least 1 properties"),
        widget(
            "maxProperties",
            "w",
            "{name: abc, conf: {a: '1', b: '2', c: '3'}}",
            "",
            NOT_CHECKED,
            "spec.conf: Too many: 3: must have at most 2 items"),
        widget(
            "map value rule and map-key fieldPath",
            "w",
            "{name: abc, conf: {bad.key: zz}}",
            "",
            "spec.conf[bad.key]: Invalid value: \"zz\": no zz",
            "spec.conf[bad.key]: Invalid value: no bad.key"),
        widget(
            "map value type",
            "w",
            "{name: abc, conf: {a: 1}}",
            "",
            NOT_CHECKED,
            "spec.conf.a: Invalid value: \"integer\": spec.conf.a in body must be of type string: \"integer\""),
        widget(
            "preserve-unknown-fields keeps unknown fields, checks known ones",
            "w",
            "{name: abc, extra: {known: x, other: {deep: 1}}}",
            "",
            NOT_CHECKED,
            "spec.extra.known: Invalid value: \"string\": spec.extra.known in body must be of type integer: \"string\""),
        widget(
            "embedded resource",
            "w",
            "{name: abc, template: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {replicas: 1, paused: true}, status: {}}}",
            "",
            "unknown field \"spec.template.spec.paused\"",
            "unknown field \"spec.template.status\""),
        widget(
            "list item defaults, unknown fields and types",
            "w",
            "{name: abc, items: [{}, {a: bad, c: 1}, {b: 'yes'}]}",
            "",
            NOT_CHECKED,
            "spec.items[2].b: Invalid value: \"string\": spec.items[2].b in body must be of type boolean: \"string\"",
            "unknown field \"spec.items[1].c\""),
        widget(
            "object for an array",
            "w",
            "{name: abc, items: {a: 1}}",
            "",
            NOT_CHECKED,
            "spec.items: Invalid value: \"object\": spec.items in body must be of type array: \"object\"",
            "unknown field \"spec.items.a\""),
        widget(
            "unknown fields at the root",
            "w",
            "{name: abc}",
            "foo: 1\nstatus: {x: 1}\n",
            "unknown field \"foo\"",
            "unknown field \"status\""),
        widget(
            "string for an object",
            "w",
            "'abc'",
            "",
            NOT_CHECKED,
            "spec: Invalid value: \"string\": spec in body must be of type object: \"string\""),
        widget(
            "array for a string",
            "w",
            "{name: [1, 2]}",
            "",
            NOT_CHECKED,
            "spec.name: Invalid value: \"array\": spec.name in body must be of type string: \"array\""),
        widget(
            "null for a non-nullable field without default",
            "w",
            "{name: null}",
            "",
            NOT_CHECKED,
            "spec.name: Required value"),
        widget(
            "quoting of a bad value",
            "w",
            "{name: \"\\t\\\"\"}",
            "",
            "spec.name: Invalid value: \"\\t\\\"\": spec.name in body should be at least 3 chars long"));
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("widgetCases")
  void everyKeywordAndRuleOptionIsCheckedAsTheApiServerChecksIt(
      String keyword, String name, String spec, String more, List<String> errors) {
    Map<String, Object> widget =
        object(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: "
                + name
                + "}\nspec: "
                + spec
                + "\n"
                + more);
    assertThat(WIDGET.validate(widget)).containsExactlyInAnyOrderElementsOf(errors);
  }

  @Test
  @SuppressWarnings("unchecked")
  void unknownFieldsArePrunedAndDefaultsAppliedAsTheApiServerStoresTheObject() {
    Map<String, Object> es =
        object(
            """
        apiVersion: echo.platform.dev/v1alpha1
        kind: EchoService
        metadata: {name: echo, labels: {any: thing}}
        spec:
          unknown: 1
          image: null
          service: {}
          autoscaling: {enabled: true}
          settings: {logLevel: debug}
        """);
    assertThat(ECHO_SERVICE.validate(es)).containsExactly("unknown field \"spec.unknown\"");
    Map<String, Object> spec = (Map<String, Object>) es.get("spec");
    assertThat(spec)
        .doesNotContainKeys("unknown", "image", "resources")
        .containsEntry("replicas", 2L)
        .containsEntry("imagePullPolicy", "IfNotPresent");
    assertThat((Map<String, Object>) spec.get("service"))
        .containsEntry("type", "ClusterIP")
        .containsEntry("port", 80L);
    assertThat((Map<String, Object>) spec.get("settings"))
        .containsEntry("logLevel", "debug")
        .containsEntry("readTimeout", "5s")
        .containsEntry("rateLimitBurst", 200L);
    assertThat((Map<String, Object>) spec.get("autoscaling"))
        .containsEntry("enabled", true)
        .containsEntry("minReplicas", 2L)
        .containsEntry("maxReplicas", 10L)
        .doesNotContainKey("targetMemoryUtilizationPercentage");
    assertThat((Map<String, Object>) es.get("metadata"))
        .containsEntry("labels", Map.of("any", "thing"));
  }

  @Test
  void everyCelRuleOfTheGeneratedCrdCompiles() {
    List<String> rules = new ArrayList<>();
    SchemaValidator.forEachNode(
        root(Renderer.Schema.CRD),
        node -> {
          if (node.getXKubernetesValidations() != null) {
            node.getXKubernetesValidations().forEach(r -> rules.add(r.getRule()));
          }
        });
    assertThat(rules).as("rules of the generated CRD").hasSizeGreaterThan(10);
    assertThat(ECHO_SERVICE.compileErrors()).isEmpty();
    assertThat(WIDGET.compileErrors()).isEmpty();
  }

  @Test
  void aRuleCallingAFunctionTheValidatorLacksFailsToCompileAndRefusesTheObject() {
    CustomResourceDefinition crd = crd("validation/widgets.example.com.yml");
    JSONSchemaProps spec =
        crd.getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    ValidationRule cidr = new ValidationRule();
    cidr.setRule("isCIDR(self.name)");
    cidr.setMessage("name is a CIDR");
    spec.getXKubernetesValidations().add(cidr);
    SchemaValidator validator = new SchemaValidator(crd, "v1");
    assertThat(validator.compileErrors())
        .singleElement()
        .asString()
        .startsWith(
            "isCIDR(self.name): compilation failed: ERROR: <input>:1:7: undeclared reference to 'isCIDR'");
    assertThat(
            validator.validate(
                object(
                    "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
                        + "spec: {name: abc}\n")))
        .singleElement()
        .asString()
        .startsWith(
            "spec: Invalid value: \"object\": rule compile error: compilation failed: ERROR:");
  }

  /** Keywords the validator does not implement; a CRD that starts using one must make this fail. */
  @Test
  void theGeneratedCrdUsesOnlyKeywordsTheValidatorImplements() {
    List<String> unsupported = new ArrayList<>();
    SchemaValidator.forEachNode(
        root(Renderer.Schema.CRD),
        node -> {
          if (node.getFormat() != null) {
            unsupported.add("format " + node.getFormat());
          }
          if (!isEmpty(node.getOneOf()) || !isEmpty(node.getAllOf()) || node.getNot() != null) {
            unsupported.add("oneOf, allOf or not");
          }
          if (Boolean.TRUE.equals(node.getUniqueItems())
              || node.getPatternProperties() != null && !node.getPatternProperties().isEmpty()) {
            unsupported.add("uniqueItems or patternProperties");
          }
          if (node.getXKubernetesListType() != null
              && !node.getXKubernetesListType().equals("atomic")) {
            unsupported.add("x-kubernetes-list-type " + node.getXKubernetesListType());
          }
          if (node.getXKubernetesValidations() != null
              && node.getXKubernetesValidations().stream()
                  .anyMatch(r -> r.getRule().contains("oldSelf"))) {
            unsupported.add("transition rule (oldSelf)");
          }
        });
    assertThat(unsupported).isEmpty();
  }

  static boolean isEmpty(List<?> list) {
    return list == null || list.isEmpty();
  }

  static JSONSchemaProps root(String resource) {
    return crd(resource).getSpec().getVersions().stream()
        .filter(v -> v.getName().equals(EchoService.VERSION))
        .findFirst()
        .orElseThrow()
        .getSchema()
        .getOpenAPIV3Schema();
  }

  @Test
  void goFormatting() {
    assertThat(SchemaValidator.goFloat(1000)).isEqualTo("1000");
    assertThat(SchemaValidator.goFloat(1e6)).isEqualTo("1e+06");
    assertThat(SchemaValidator.goFloat(123456)).isEqualTo("123456");
    assertThat(SchemaValidator.goFloat(6.7108864e7)).isEqualTo("6.7108864e+07");
    assertThat(SchemaValidator.goFloat(0.0001)).isEqualTo("0.0001");
    assertThat(SchemaValidator.goFloat(0.00001)).isEqualTo("1e-05");
    assertThat(SchemaValidator.goFloat(-2.5)).isEqualTo("-2.5");
    assertThat(SchemaValidator.goFloat(100000.5)).isEqualTo("100000.5");
    assertThat(SchemaValidator.quote("a\"b\\c\u0001µ\u007f"))
        .isEqualTo("\"a\\\"b\\\\c\\x01µ\\x7f\"");
  }
}
