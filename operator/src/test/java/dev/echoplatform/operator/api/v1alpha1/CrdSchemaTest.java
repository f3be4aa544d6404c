package dev.echoplatform.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.operator.api.SettingsSchema;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Schema assertions on the committed CRD (the build checks it equals the generated one). Each
 * validation rule of the EchoService API is asserted here; a real API server exercises them in the
 * control-plane tests.
 */
class CrdSchemaTest {

  static final Path COMMITTED = Path.of("..", "crds", "echoservices.echo.platform.dev-v1.yml");
  static CustomResourceDefinition crd;
  static CustomResourceDefinitionVersion version;
  static JSONSchemaProps spec;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = Files.newInputStream(COMMITTED)) {
      crd = new KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    }
    version = crd.getSpec().getVersions().get(0);
    spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  static JSONSchemaProps at(String dottedPath) {
    JSONSchemaProps node = version.getSchema().getOpenAPIV3Schema();
    for (String part : dottedPath.split("\\.")) {
      if (part.equals("[]")) {
        node = node.getItems().getSchema();
      } else {
        node = node.getProperties().get(part);
      }
      assertThat(node).as("schema node %s", dottedPath).isNotNull();
    }
    return node;
  }

  static List<String> rules(String path) {
    List<ValidationRule> rules = at(path).getXKubernetesValidations();
    assertThat(rules).as("x-kubernetes-validations of %s", path).isNotNull();
    return rules.stream().map(r -> r.getRule() + " => " + r.getMessage()).toList();
  }

  @Test
  void namesAndScopeAreTheFixedOnes() {
    assertThat(crd.getMetadata().getName()).isEqualTo("echoservices.echo.platform.dev");
    assertThat(crd.getSpec().getGroup()).isEqualTo("echo.platform.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("EchoService");
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("echoservices");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("echosvc");
    assertThat(crd.getSpec().getNames().getCategories())
        .as("kubectl get all")
        .containsExactly("all");
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
  }

  @Test
  void statusAndScaleSubresources() {
    var sub = version.getSubresources();
    assertThat(sub.getStatus()).isNotNull();
    assertThat(sub.getScale().getSpecReplicasPath()).isEqualTo(".spec.replicas");
    assertThat(sub.getScale().getStatusReplicasPath()).isEqualTo(".status.replicas");
    assertThat(sub.getScale().getLabelSelectorPath()).isEqualTo(".status.selector");
  }

  @Test
  void printerColumns() {
    Map<String, String> columns = new java.util.LinkedHashMap<>();
    version.getAdditionalPrinterColumns().forEach(c -> columns.put(c.getName(), c.getJsonPath()));
    assertThat(columns)
        .containsEntry("Ready", ".status.conditions[?(@.type==\"Ready\")].status")
        .containsEntry("Replicas", ".status.replicaSummary")
        .containsEntry("Version", ".status.version")
        .containsEntry("URL", ".status.url")
        .containsEntry("Age", ".metadata.creationTimestamp");
  }

  @ParameterizedTest
  @CsvSource({
    "spec.replicas, 2",
    "spec.imagePullPolicy, IfNotPresent",
    "spec.settings.logLevel, info",
    "spec.settings.maxBodySize, 1048576",
    "spec.settings.readTimeout, 5s",
    "spec.settings.writeTimeout, 10s",
    "spec.settings.idleTimeout, 60s",
    "spec.settings.maxJsonDepth, 64",
    "spec.settings.rateLimitRps, 100",
    "spec.settings.rateLimitBurst, 200",
    "spec.settings.healthRateLimitRpm, 1000",
    "spec.settings.shutdownDelay, 5s",
    "spec.settings.shutdownTimeout, 30s",
    "spec.service.type, ClusterIP",
    "spec.service.port, 80",
    "spec.networkPolicy.enabled, true",
    "spec.podDisruptionBudget.enabled, true",
    "spec.autoscaling.enabled, false",
    "spec.autoscaling.minReplicas, 2",
    "spec.autoscaling.maxReplicas, 10",
    "spec.autoscaling.targetCPUUtilizationPercentage, 70",
    "spec.autoscaling.scaleDownStabilizationWindowSeconds, 300",
  })
  void defaults(String path, String expected) {
    assertThat(at(path).getDefault()).as(path).isNotNull();
    assertThat(at(path).getDefault().asText()).as(path).isEqualTo(expected);
  }

  @Test
  void resourcesHaveNoSchemaDefaultsSinceAnUnsetRequestFollowsItsLimit() {
    // A schema default for requests would be applied beside a user's limit and could exceed it; the
    // operator fills in unset values (ResourceSettings) the way Kubernetes does for a container.
    assertThat(at("spec.resources.requests").getDefault()).isNull();
    assertThat(at("spec.resources.limits").getDefault()).isNull();
  }

  @Test
  void memoryTargetHasNoDefaultSoTheAutoscalerFollowsCpuOnly() {
    assertThat(at("spec.autoscaling.targetMemoryUtilizationPercentage").getDefault()).isNull();
  }

  @Test
  void imageHasNoSchemaDefaultSoTheOperatorsImageApplies() {
    assertThat(at("spec.image").getDefault()).isNull();
  }

  @ParameterizedTest
  @CsvSource({
    "spec.replicas, 0, 1000",
    "spec.service.port, 1, 65535",
    "spec.service.nodePort, 30000, 32767",
    "spec.autoscaling.minReplicas, 1, 1000",
    "spec.autoscaling.maxReplicas, 1, 1000",
    "spec.autoscaling.targetCPUUtilizationPercentage, 1, 100",
    "spec.autoscaling.targetMemoryUtilizationPercentage, 1, 100",
    "spec.autoscaling.scaleDownStabilizationWindowSeconds, 0, 3600",
    "spec.settings.maxJsonDepth, 1, 10000",
    "spec.settings.rateLimitRps, 1, 1000000",
    "spec.settings.rateLimitBurst, 1, 1000000",
    "spec.settings.healthRateLimitRpm, 1, 1000000",
    "spec.settings.maxBodySize, 1, 67108864",
  })
  void ranges(String path, double min, double max) {
    assertThat(at(path).getMinimum()).as(path + " minimum").isEqualTo(min);
    assertThat(at(path).getMaximum()).as(path + " maximum").isEqualTo(max);
  }

  @Test
  void enums() {
    assertThat(at("spec.service.type").getEnum())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("\"ClusterIP\"", "\"NodePort\"", "\"LoadBalancer\"");
    assertThat(at("spec.settings.logLevel").getEnum())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("\"debug\"", "\"info\"", "\"warn\"", "\"error\"");
    assertThat(at("spec.imagePullPolicy").getEnum())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("\"Always\"", "\"IfNotPresent\"", "\"Never\"");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "spec.settings.readTimeout",
        "spec.settings.writeTimeout",
        "spec.settings.idleTimeout",
        "spec.settings.shutdownDelay",
        "spec.settings.shutdownTimeout"
      })
  void durationsAreCheckedByOneRuleWithAMessageInWords(String path) {
    // A rule, not a pattern: the API server then answers with the message instead of the raw regex.
    assertThat(at(path).getPattern()).isNull();
    var rule = ruleFor(path);
    assertThat(rule.getRule()).contains(".matches(r'" + Patterns.GO_DURATION + "')");
    assertThat(rule.getMessage()).contains("must be a Go duration").contains("such as");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "spec.resources.requests.cpu",
        "spec.resources.requests.memory",
        "spec.resources.limits.cpu",
        "spec.resources.limits.memory"
      })
  void quantitiesAreIntOrStringLikeAPodsAndEachMayBeLeftOut(String path) {
    assertThat(at(path).getXKubernetesIntOrString()).isTrue();
    assertThat(at(path.substring(0, path.lastIndexOf('.'))).getRequired()).isNullOrEmpty();
    assertThat(ruleFor(path).getMessage()).isEqualTo(Patterns.QUANTITY_MESSAGE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"spec.service.loadBalancerSourceRanges", "spec.settings.trustedProxies"})
  void cidrListsAreCheckedByARuleWithAMessageInWords(String path) {
    assertThat(at(path + ".[]").getPattern()).isNull();
    assertThat(at(path).getMaxItems()).isEqualTo(64L);
    assertThat(ruleFor(path).getRule()).contains(".all(c, c.matches(r'" + Patterns.CIDR + "'))");
    assertThat(ruleFor(path).getMessage()).endsWith(Patterns.CIDR_MESSAGE);
  }

  /** The rule of the parent object whose fieldPath names this field. */
  static io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule ruleFor(String path) {
    int dot = path.lastIndexOf('.');
    String field = "." + path.substring(dot + 1);
    return at(path.substring(0, dot)).getXKubernetesValidations().stream()
        .filter(r -> field.equals(r.getFieldPath()))
        .reduce(
            (a, b) -> {
              throw new AssertionError("two rules for " + path);
            })
        .orElseThrow(() -> new AssertionError("no rule with fieldPath " + field + " on " + path));
  }

  @ParameterizedTest
  @CsvSource({
    "0, true", "5s, true", "250ms, true", "1m30s, true", "1.5h, true", "10us, true",
    "5, false", "-5s, false", "5 s, false", "s, false", "1d, false", "'', false"
  })
  void goDurationPattern(String value, boolean valid) {
    assertThat(Pattern.compile(Patterns.GO_DURATION).matcher(value).matches())
        .as(value)
        .isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/8, true",
    "192.168.1.0/24, true",
    "fd00::/8, true",
    "0.0.0.0/0, true",
    "255.255.255.255/32, true",
    "::/128, true",
    "10.0.0.1, false",
    "example.com/8, false",
    "10.0.0.0/33, false",
    "10.0.0.0/99, false",
    "256.0.0.0/8, false",
    "010.0.0.0/8, false",
    "fd00::/129, false"
  })
  void cidrPattern(String value, boolean valid) {
    assertThat(Pattern.compile(Patterns.CIDR).matcher(value).matches()).as(value).isEqualTo(valid);
  }

  @Test
  void celRules() {
    assertThat(rules("spec.autoscaling"))
        .containsExactly(
            "self.minReplicas <= self.maxReplicas => spec.autoscaling.minReplicas must be less than or"
                + " equal to spec.autoscaling.maxReplicas");
    assertThat(messages("spec.service"))
        .containsExactlyInAnyOrder(
            "spec.service.nodePort is only allowed with spec.service.type NodePort",
            "spec.service.loadBalancerSourceRanges is only allowed with spec.service.type LoadBalancer",
            "spec.service.externalTrafficPolicy is only allowed with spec.service.type NodePort or LoadBalancer",
            ".loadBalancerSourceRanges: spec.service.loadBalancerSourceRanges "
                + Patterns.CIDR_MESSAGE);
    assertThat(messages("spec.settings"))
        .containsExactly(
            "spec.settings.rateLimitBurst must be at least spec.settings.rateLimitRps",
            "spec.settings.maxBodySize must not exceed spec.settings.maxInflightBodyBytes (default 16777216)",
            "spec.settings.maxInflightBodyBytesPerClient must be 0 or between spec.settings.maxBodySize and"
                + " spec.settings.maxInflightBodyBytes (default 16777216)",
            ".readTimeout: spec.settings.readTimeout " + SettingsSchema.durationMessage(true),
            ".writeTimeout: spec.settings.writeTimeout " + SettingsSchema.durationMessage(true),
            ".idleTimeout: spec.settings.idleTimeout " + SettingsSchema.durationMessage(true),
            ".trustedProxies: spec.settings.trustedProxies " + Patterns.CIDR_MESSAGE,
            ".shutdownDelay: spec.settings.shutdownDelay " + SettingsSchema.durationMessage(false),
            ".shutdownTimeout: spec.settings.shutdownTimeout "
                + SettingsSchema.durationMessage(false));
    assertThat(messages("spec.resources"))
        .containsExactlyInAnyOrder(
            "spec.resources.requests.cpu must not exceed spec.resources.limits.cpu (default 200m)",
            "spec.resources.requests.memory must not exceed spec.resources.limits.memory (default 128Mi)");
    assertThat(messages("spec.resources.requests"))
        .containsExactly(
            ".cpu: " + Patterns.QUANTITY_MESSAGE, ".memory: " + Patterns.QUANTITY_MESSAGE);
    assertThat(messages("spec.resources.limits"))
        .containsExactly(
            ".cpu: " + Patterns.QUANTITY_MESSAGE, ".memory: " + Patterns.QUANTITY_MESSAGE);
    assertThat(messages("spec"))
        .containsExactlyInAnyOrder(
            ".image: spec.image must not contain whitespace, e.g. ghcr.io/echo-platform/echo-server:0.1.0",
            ".imagePullSecrets: spec.imagePullSecrets entries must each be a Secret name: lower-case letters,"
                + " digits, '-' and '.', starting and ending with a letter or digit",
            ".labels: spec.labels must not set app.kubernetes.io/ keys: the operator sets them",
            "spec.resources.limits.memory must be at least 128Mi: echo-server's JVM needs about 60Mi besides its"
                + " heap",
            "spec.resources.limits.memory must be at least 8 x spec.settings.maxInflightBodyBytes (default"
                + " 16777216, i.e. 128Mi): request bodies may take at most 45 % of echo-server's heap, which is 32 %"
                + " of the memory limit");
    // Every rule that reads a quantity first checks it parses, so a malformed one is reported by
    // its own
    // field's rule instead of as an evaluation error of another.
    List<ValidationRule> all = new ArrayList<>();
    collectRules(version.getSchema().getOpenAPIV3Schema(), all);
    assertThat(all)
        .filteredOn(r -> r.getRule().contains("quantity("))
        .allSatisfy(r -> assertThat(r.getRule()).contains("isQuantity("));
  }

  /** The messages of an object's rules, each prefixed with its fieldPath when it has one. */
  static List<String> messages(String path) {
    return at(path).getXKubernetesValidations().stream()
        .map(r -> (r.getFieldPath() == null ? "" : r.getFieldPath() + ": ") + r.getMessage())
        .toList();
  }

  @Test
  void everyCelRuleMessageNamesItsField() {
    List<ValidationRule> all = new ArrayList<>();
    collectRules(version.getSchema().getOpenAPIV3Schema(), all);
    assertThat(all).hasSizeGreaterThanOrEqualTo(7);
    // With a fieldPath the API server puts the field's path before the message itself.
    assertThat(all)
        .allSatisfy(
            r ->
                assertThat(r.getFieldPath() != null || r.getMessage().startsWith("spec."))
                    .as(r.getMessage())
                    .isTrue());
  }

  /**
   * Fabric8 model types embedded in the spec: their schema and descriptions are Kubernetes' own
   * (CrdFinisher), so the field reference lists them but not their fields.
   */
  static final Set<String> EMBEDDED_KUBERNETES_TYPES =
      Set.of("ingressFrom", "metricsFrom", "tolerations", "affinity", "topologySpreadConstraints");

  @Test
  void specAndStatusAreDescribedForKubectlExplain() {
    assertThat(at("spec").getDescription()).startsWith("Desired state:");
    assertThat(at("status").getDescription())
        .startsWith("Observed state, written by the operator:");
  }

  /**
   * Every field, the fields of the embedded Kubernetes types included (CrdFinisher gives them the
   * upstream descriptions): a field the project adds without a description, or one of a newer
   * fabric8 model that k8s-descriptions.json does not know, fails here.
   */
  @Test
  void everyFieldIsDocumented() {
    List<String> undocumented = new ArrayList<>();
    collectUndocumented("spec", spec, undocumented);
    collectUndocumented("status", at("status"), undocumented);
    assertThat(undocumented).isEmpty();
  }

  static void collectUndocumented(String path, JSONSchemaProps node, List<String> out) {
    if (node.getProperties() != null) {
      node.getProperties()
          .forEach(
              (name, child) -> {
                if (child.getDescription() == null || child.getDescription().isBlank()) {
                  out.add(path + "." + name);
                }
                collectUndocumented(path + "." + name, child, out);
              });
    }
    if (node.getItems() != null && node.getItems().getSchema() != null) {
      collectUndocumented(path + "[]", node.getItems().getSchema(), out);
    }
    if (node.getAdditionalProperties() != null
        && node.getAdditionalProperties().getSchema() != null) {
      collectUndocumented(path + "{}", node.getAdditionalProperties().getSchema(), out);
    }
  }

  static void collectRules(JSONSchemaProps node, List<ValidationRule> out) {
    if (node.getXKubernetesValidations() != null) {
      out.addAll(node.getXKubernetesValidations());
    }
    if (node.getProperties() != null) {
      node.getProperties().values().forEach(child -> collectRules(child, out));
    }
    if (node.getItems() != null && node.getItems().getSchema() != null) {
      collectRules(node.getItems().getSchema(), out);
    }
  }
}
