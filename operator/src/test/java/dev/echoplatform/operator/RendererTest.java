package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RendererTest {

  static final String TWO =
      """
      apiVersion: echo.platform.dev/v1alpha1
      kind: EchoService
      metadata: {name: a, namespace: dev}
      spec: {}
      ---
      # production
      apiVersion: echo.platform.dev/v1alpha1
      kind: EchoService
      metadata: {name: b, namespace: prod}
      spec:
        networkPolicy: {enabled: false}
        autoscaling: {enabled: true}
        monitoring: {enabled: false}
      """;

  @Test
  void rendersTheChildrenOfEveryEchoService() {
    List<HasMetadata> children = Renderer.children(TWO, "echo:1");
    assertThat(children)
        .extracting(c -> c.getMetadata().getNamespace() + "/" + c.getKind())
        .containsExactly(
            "dev/ConfigMap",
            "dev/Deployment",
            "dev/Service",
            "dev/NetworkPolicy",
            "dev/PodDisruptionBudget",
            "dev/PodMonitor",
            "prod/ConfigMap",
            "prod/Deployment",
            "prod/Service",
            "prod/PodDisruptionBudget",
            "prod/HorizontalPodAutoscaler");
    String yaml = Renderer.toYaml(children);
    assertThat(yaml.split("(?m)^---$", -1)).hasSize(12);
    assertThat(yaml).contains("image: \"echo:1\"");
  }

  @Test
  void skipsOtherKindsAsTheExamplesStartWithTheirNamespace() throws Exception {
    for (String env : List.of("dev", "staging", "production")) {
      String example =
          Files.readString(Path.of("..", "deploy", "examples", "echoservice-" + env + ".yaml"));
      assertThat(example).contains("kind: Namespace");
      List<HasMetadata> children = Renderer.children(example, "echo:1");
      assertThat(children)
          .extracting(HasMetadata::getKind)
          .contains("ConfigMap", "Deployment", "Service");
      assertThat(children)
          .allSatisfy(c -> assertThat(c.getMetadata().getNamespace()).isEqualTo("echo-" + env));
    }
  }

  @Test
  void anInputWithoutAnEchoServiceIsAnError() {
    assertThatThrownBy(
            () -> Renderer.children("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "i"))
        .hasMessage("no EchoService (echo.platform.dev/v1alpha1) in the input");
  }

  @Test
  void anEchoServiceOfAnotherVersionOrANonObjectIsAnError() {
    assertThatThrownBy(
            () ->
                Renderer.children(
                    "apiVersion: echo.platform.dev/v2\nkind: EchoService\nmetadata: {name: x}\n",
                    "i"))
        .hasMessage(
            "document 1 is an EchoService of echo.platform.dev/v2; this operator serves"
                + " echo.platform.dev/v1alpha1");
    assertThatThrownBy(() -> Renderer.children("just: a map\n", "i"))
        .hasMessage("document 1 is not a Kubernetes object (no apiVersion or kind)");
  }

  static Stream<Path> examples() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("..", "deploy", "examples"))) {
      List<Path> yamls = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
      assertThat(yamls).isNotEmpty();
      return yamls.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleIsValidAndRenders(Path example) throws Exception {
    List<HasMetadata> children = Renderer.children(Files.readString(example), "echo:1");
    assertThat(children)
        .extracting(HasMetadata::getKind)
        .contains("ConfigMap", "Deployment", "Service");
  }

  static final String INVALID =
      """
      apiVersion: v1
      kind: Namespace
      metadata: {name: echo-dev}
      ---
      apiVersion: echo.platform.dev/v1alpha1
      kind: EchoService
      metadata: {name: echo, namespace: echo-dev}
      spec:
        replicas: 5000
        sttings: {logLevel: debug}
      ---
      apiVersion: echo.platform.dev/v1alpha1
      kind: EchoService
      metadata: {name: fine, namespace: echo-dev}
      spec: {}
      ---
      apiVersion: echo.platform.dev/v1alpha1
      kind: EchoService
      metadata: {name: b}
      spec:
        settings: {readTimeout: 0s, rateLimitRps: 300}
      """;

  @Test
  void invalidEchoServicesAreRefusedWithEveryErrorOfEveryDocument() {
    assertThatThrownBy(() -> Renderer.children(INVALID, "i"))
        .isInstanceOf(IllegalArgumentException.class)
        .extracting(Throwable::getMessage)
        .extracting(m -> m.lines().toList())
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.list(String.class))
        .containsExactly(
            "document 2 (EchoService echo-dev/echo): unknown field \"spec.sttings\"",
            "document 2 (EchoService echo-dev/echo): spec.replicas: Invalid value: 5000: spec.replicas in body"
                + " should be less than or equal to 1000",
            "document 4 (EchoService default/b): spec.settings: Invalid value: spec.settings.rateLimitBurst must"
                + " be at least spec.settings.rateLimitRps",
            "document 4 (EchoService default/b): spec.settings.readTimeout: Invalid value:"
                + " spec.settings.readTimeout must be a Go duration more than 0 and at most 24h, such as 250ms,"
                + " 5s or 1m30s");
  }

  @Test
  void renderExitsWith2AndPrintsNothingButTheErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("invalid.yaml");
    Files.writeString(file, INVALID);
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
      assertThat(Main.render(new String[] {"--render", file.toString()})).isEqualTo(2);
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    assertThat(stdout.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(stderr.toString(StandardCharsets.UTF_8).lines())
        .hasSize(4)
        .allMatch(l -> l.startsWith("echo-operator --render: document "))
        .anyMatch(l -> l.endsWith("spec.replicas in body should be less than or equal to 1000"));
  }

  @Test
  void rendersTheObjectTheApiServerWouldStore() {
    List<HasMetadata> children =
        Renderer.children(
            """
        apiVersion: echo.platform.dev/v1alpha1
        kind: EchoService
        metadata: {name: a, namespace: dev}
        spec: {replicas: 3.0, settings: {logLevel: debug}, service: {}}
        """,
            "echo:1");
    String yaml = Renderer.toYaml(children);
    assertThat(yaml).contains("replicas: 3").contains("LOG_LEVEL").contains("port: 80");
  }
}
