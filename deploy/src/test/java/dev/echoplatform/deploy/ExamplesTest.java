package dev.echoplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.echoplatform.operator.SchemaValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example EchoServices in deploy/examples: each is valid against the committed CRD's schema,
 * lives in its own Namespace enforcing the restricted Pod Security Standard, and follows the
 * environment conventions.
 */
class ExamplesTest {

  private static final List<String> EXAMPLES =
      List.of(
          "echoservice-dev.yaml",
          "echoservice-staging.yaml",
          "echoservice-production.yaml",
          "echoservice-loadbalancer.yaml");

  private static SchemaValidator schema;

  @BeforeAll
  static void loadCrd() throws IOException {
    schema = Project.crdSchema();
  }

  /** The API server's messages for the EchoService, empty when it is valid. */
  @SuppressWarnings("unchecked")
  static List<String> validate(JsonNode echoService) {
    return schema.validate(
        (Map<String, Object>)
            SchemaValidator.normalize(Yaml.MAPPER.convertValue(echoService, Map.class)));
  }

  static Stream<String> examples() {
    return EXAMPLES.stream();
  }

  @Test
  void everyExampleFileIsTested() throws IOException {
    try (Stream<Path> files = Files.list(Project.examplesDir())) {
      assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml")))
          .containsExactlyInAnyOrderElementsOf(EXAMPLES);
    }
  }

  @ParameterizedTest
  @MethodSource("examples")
  void echoServiceIsValidAgainstTheCrdSchema(String example) {
    assertThat(validate(echoService(example))).as("schema problems of %s", example).isEmpty();
  }

  /** The examples are read by users: no requirement ids or planning words in their comments. */
  @ParameterizedTest
  @MethodSource("examples")
  void commentsSpeakToUsers(String example) throws IOException {
    String text = Files.readString(Project.examplesDir().resolve(example));
    assertThat(text)
        .doesNotContainPattern("\\b(FR|NFR|SR)-\\d+")
        .doesNotContainIgnoringCase("blueprint");
  }

  @ParameterizedTest
  @MethodSource("examples")
  void namespaceEnforcesTheRestrictedPodSecurityStandard(String example) {
    List<JsonNode> documents = Yaml.documents(Project.examplesDir().resolve(example));
    assertThat(documents).hasSize(2);
    JsonNode namespace = documents.get(0);
    assertThat(namespace.path("kind").asText()).isEqualTo("Namespace");
    JsonNode labels = namespace.path("metadata").path("labels");
    assertThat(labels.path("pod-security.kubernetes.io/enforce").asText()).isEqualTo("restricted");
    assertThat(echoService(example).path("metadata").path("namespace").asText())
        .isEqualTo(namespace.path("metadata").path("name").asText());
  }

  @ParameterizedTest
  @MethodSource("examples")
  void carriesTheBlueprintsLabelsAndAnnotationsOnItselfAndItsChildren(String example) {
    JsonNode echoService = echoService(example);
    for (JsonNode labels :
        List.of(
            echoService.path("metadata").path("labels"), echoService.path("spec").path("labels"))) {
      for (String label : List.of("environment", "team", "cost-center")) {
        assertThat(labels.path(label).asText()).as("%s label %s", example, label).isNotBlank();
      }
    }
    for (JsonNode annotations :
        List.of(
            echoService.path("metadata").path("annotations"),
            echoService.path("spec").path("annotations"))) {
      for (String annotation :
          List.of("description", "owner", "contact", "documentation", "incident-channel")) {
        assertThat(annotations.path(annotation).asText())
            .as("%s annotation %s", example, annotation)
            .isNotBlank();
      }
    }
    assertThat(echoService.path("spec").path("labels"))
        .isEqualTo(echoService.path("metadata").path("labels"));
  }

  @Test
  void devRunsOneReplicaWithDebugLogsAndPullsOnlyWhenMissing() {
    JsonNode spec = echoService("echoservice-dev.yaml").path("spec");
    assertThat(spec.path("replicas").asInt()).isEqualTo(1);
    assertThat(spec.path("settings").path("logLevel").asText()).isEqualTo("debug");
    assertThat(spec.path("imagePullPolicy").asText()).isEqualTo("IfNotPresent");
    assertThat(spec.path("autoscaling").path("enabled").asBoolean()).isFalse();
    assertThat(spec.path("labels").path("environment").asText()).isEqualTo("dev");
  }

  @Test
  void stagingRunsTwoReplicas() {
    JsonNode spec = echoService("echoservice-staging.yaml").path("spec");
    assertThat(spec.path("replicas").asInt()).isEqualTo(2);
    assertThat(spec.path("labels").path("environment").asText()).isEqualTo("staging");
  }

  @Test
  void productionAutoscalesFromThreeReplicasAcrossZonesWithInfoLogsAndAlwaysPulls() {
    JsonNode spec = echoService("echoservice-production.yaml").path("spec");
    assertThat(spec.path("replicas").asInt()).isGreaterThanOrEqualTo(3);
    assertThat(spec.path("settings").path("logLevel").asText()).isEqualTo("info");
    assertThat(spec.path("imagePullPolicy").asText()).isEqualTo("Always");
    JsonNode autoscaling = spec.path("autoscaling");
    assertThat(autoscaling.path("enabled").asBoolean()).isTrue();
    assertThat(autoscaling.path("minReplicas").asInt()).isGreaterThanOrEqualTo(3);
    assertThat(autoscaling.path("maxReplicas").asInt())
        .isGreaterThan(autoscaling.path("minReplicas").asInt());
    assertThat(autoscaling.path("targetCPUUtilizationPercentage").asInt()).isEqualTo(70);
    assertThat(autoscaling.has("targetMemoryUtilizationPercentage"))
        .as("CPU-only autoscaling")
        .isFalse();
    assertThat(spec.path("scheduling").path("topologySpreadConstraints"))
        .extracting(c -> c.path("topologyKey").asText())
        .contains("topology.kubernetes.io/zone");
    assertThat(spec.path("podDisruptionBudget").path("enabled").asBoolean()).isTrue();
    assertThat(spec.path("labels").path("environment").asText()).isEqualTo("production");
  }

  /**
   * Shared environments narrow who reaches port 8080 and the metrics port (empty lists would admit
   * any source).
   */
  @ParameterizedTest
  @ValueSource(strings = {"echoservice-staging.yaml", "echoservice-production.yaml"})
  void sharedEnvironmentsNarrowTheirNetworkPolicy(String example) {
    JsonNode networkPolicy = echoService(example).path("spec").path("networkPolicy");
    assertThat(networkPolicy.path("enabled").asBoolean()).isTrue();
    assertThat(networkPolicy.path("ingressFrom")).as("%s ingressFrom", example).isNotEmpty();
    assertThat(networkPolicy.path("metricsFrom")).as("%s metricsFrom", example).isNotEmpty();
  }

  @Test
  void resourcesGrowFromDevToProductionAndRequestsNeverExceedLimits() {
    long previousLimit = 0;
    for (String example :
        List.of(
            "echoservice-dev.yaml", "echoservice-staging.yaml", "echoservice-production.yaml")) {
      JsonNode resources = echoService(example).path("spec").path("resources");
      long requestMemory = bytes(resources.path("requests").path("memory").asText());
      long limitMemory = bytes(resources.path("limits").path("memory").asText());
      assertThat(requestMemory)
          .as("%s memory request <= limit", example)
          .isLessThanOrEqualTo(limitMemory);
      assertThat(millicores(resources.path("requests").path("cpu").asText()))
          .as("%s cpu request <= limit", example)
          .isLessThanOrEqualTo(millicores(resources.path("limits").path("cpu").asText()));
      assertThat(limitMemory)
          .as("%s memory limit", example)
          .isGreaterThanOrEqualTo(previousLimit)
          .isGreaterThanOrEqualTo(128L << 20);
      previousLimit = limitMemory;
    }
  }

  @Test
  void loadBalancerIsLimitedToSourceRanges() {
    JsonNode service = echoService("echoservice-loadbalancer.yaml").path("spec").path("service");
    assertThat(service.path("type").asText()).isEqualTo("LoadBalancer");
    assertThat(service.path("loadBalancerSourceRanges")).isNotEmpty();
    service
        .path("loadBalancerSourceRanges")
        .forEach(
            range ->
                assertThat(range.asText()).matches("[0-9.]+/[0-9]{1,2}").isNotEqualTo("0.0.0.0/0"));
  }

  /**
   * The validator catches what the API server would reject, with its messages, so a passing example
   * really is valid (an EchoService of another kind or API version is the renderer's to refuse:
   * RendererTest).
   */
  @Nested
  class ValidatorRejects {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
        delimiter = '|',
        textBlock =
            """
        replicas               | 1001            | spec.replicas: Invalid value: 1001: spec.replicas in body should be less than or equal to 1000
        replicas               | "two"           | spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
        imagePullPolicy        | "Sometimes"     | spec.imagePullPolicy: Unsupported value: "Sometimes"
        settings.logLevel      | "verbose"       | spec.settings.logLevel: Unsupported value: "verbose"
        settings.readTimeout   | "5 seconds"     | spec.settings.readTimeout: Invalid value: spec.settings.readTimeout must be a Go duration
        resources.limits.memory| "lots"          | spec.resources.limits.memory: Invalid value: must be a Kubernetes quantity
        service.port           | 0               | spec.service.port: Invalid value: 0: spec.service.port in body should be greater than or equal to 1
        service.type           | "ExternalName"  | spec.service.type: Unsupported value: "ExternalName"
        autoscaling.maxReplicas| 0               | spec.autoscaling.maxReplicas: Invalid value: 0: spec.autoscaling.maxReplicas in body should be greater than or equal to 1
        spec.unknownField      | true            | unknown field "spec.unknownField"
        settings.logLevl       | "info"          | unknown field "spec.settings.logLevl"
        """)
    void aBadField(String path, String jsonValue, String expectedInProblem) throws IOException {
      ObjectNode echoService = (ObjectNode) echoService("echoservice-production.yaml").deepCopy();
      String[] parts =
          path.startsWith("spec.") ? path.substring(5).split("\\.") : path.split("\\.");
      ObjectNode parent = (ObjectNode) echoService.path("spec");
      for (int i = 0; i < parts.length - 1; i++) {
        parent = parent.with(parts[i]);
      }
      parent.set(parts[parts.length - 1], Yaml.MAPPER.readTree(jsonValue));
      List<String> problems = validate(echoService);
      assertThat(problems).as("problems for %s=%s", path, jsonValue).isNotEmpty();
      assertThat(String.join("\n", problems)).contains(expectedInProblem);
    }
  }

  private static JsonNode echoService(String example) {
    List<JsonNode> echoServices =
        Yaml.documents(Project.examplesDir().resolve(example)).stream()
            .filter(d -> "EchoService".equals(d.path("kind").asText()))
            .toList();
    assertThat(echoServices).as("EchoServices in %s", example).hasSize(1);
    return echoServices.get(0);
  }

  private static long bytes(String quantity) {
    if (quantity.endsWith("Gi")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << 30;
    }
    if (quantity.endsWith("Mi")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << 20;
    }
    throw new IllegalArgumentException("memory quantity not in Mi or Gi: " + quantity);
  }

  private static long millicores(String quantity) {
    return quantity.endsWith("m")
        ? Long.parseLong(quantity.substring(0, quantity.length() - 1))
        : Math.round(Double.parseDouble(quantity) * 1000);
  }
}
