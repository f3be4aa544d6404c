package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
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
  void rejectsOtherKinds() {
    assertThatThrownBy(() -> Renderer.children("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "i"))
        .hasMessageContaining("document 1 is not an EchoService");
  }
}
