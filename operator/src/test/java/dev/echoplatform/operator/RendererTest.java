package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RendererTest {

  static final String TWO = """
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
      """;

  @Test
  void rendersTheChildrenOfEveryEchoService() {
    List<HasMetadata> children = Renderer.children(TWO, "echo:1");
    assertThat(children).extracting(c -> c.getMetadata().getNamespace() + "/" + c.getKind())
        .containsExactly("dev/ConfigMap", "dev/Deployment", "dev/Service", "dev/NetworkPolicy",
            "dev/PodDisruptionBudget", "prod/ConfigMap", "prod/Deployment", "prod/Service",
            "prod/PodDisruptionBudget", "prod/HorizontalPodAutoscaler");
    String yaml = Renderer.toYaml(children);
    assertThat(yaml.split("(?m)^---$", -1)).hasSize(11);
    assertThat(yaml).contains("image: \"echo:1\"");
  }

  @Test
  void skipsOtherKindsAsTheExamplesStartWithTheirNamespace() throws Exception {
    for (String env : List.of("dev", "staging", "production")) {
      String example = Files.readString(
          Path.of("..", "deploy", "examples", "echoservice-" + env + ".yaml"));
      assertThat(example).contains("kind: Namespace");
      List<HasMetadata> children = Renderer.children(example, "echo:1");
      assertThat(children).extracting(HasMetadata::getKind).contains("ConfigMap", "Deployment", "Service");
      assertThat(children).allSatisfy(c -> assertThat(c.getMetadata().getNamespace()).isEqualTo("echo-" + env));
    }
  }

  @Test
  void anInputWithoutAnEchoServiceIsAnError() {
    assertThatThrownBy(() -> Renderer.children("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "i"))
        .hasMessage("no EchoService (echo.platform.dev/v1alpha1) in the input");
  }

  @Test
  void anEchoServiceOfAnotherVersionOrANonObjectIsAnError() {
    assertThatThrownBy(() -> Renderer.children(
            "apiVersion: echo.platform.dev/v2\nkind: EchoService\nmetadata: {name: x}\n", "i"))
        .hasMessage("document 1 is an EchoService of echo.platform.dev/v2; this operator serves"
            + " echo.platform.dev/v1alpha1");
    assertThatThrownBy(() -> Renderer.children("just: a map\n", "i"))
        .hasMessage("document 1 is not a Kubernetes object (no apiVersion or kind)");
  }
}
