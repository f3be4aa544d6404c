package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@EnableKubernetesMockClient(crud = true)
class WriteMetricsTest {

  KubernetesClient client; // the mock API server's client; the test builds its own with the counter

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/apis/apps/v1/namespaces/team-a/deployments/echo                              | deployments",
        "/apis/echo.platform.dev/v1alpha1/namespaces/team-a/echoservices/echo/status   | echoservices/status",
        "/api/v1/namespaces/team-a/events                                              | events",
        "/api/v1/namespaces/team-a/configmaps/echo                                     | configmaps",
        "/apis/coordination.k8s.io/v1/namespaces/ops/leases/echo-operator-leader       | leases",
        "/api/v1/namespaces/team-a                                                     | namespaces",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.example.com         | customresourcedefinitions",
        "/api                                                                          | unknown",
      })
  void resourceOfAPath(String path, String resource) {
    assertThat(WriteMetrics.resourceOf(path)).isEqualTo(resource);
  }

  @Test
  void countsWritesButNotReads() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    WriteMetrics metrics = new WriteMetrics(registry);
    try (KubernetesClient c =
        new KubernetesClientBuilder()
            .withConfig(client.getConfiguration())
            .withHttpClientBuilderConsumer(metrics::install)
            .build()) {
      c.resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("a")
                  .withNamespace("ns")
                  .endMetadata()
                  .addToData("k", "v")
                  .build())
          .create();
      c.configMaps().inNamespace("ns").withName("a").get();
      c.configMaps().inNamespace("ns").list();
      c.configMaps()
          .inNamespace("ns")
          .withName("a")
          .edit(
              cm -> {
                cm.getData().put("k", "w");
                return cm;
              });
      c.configMaps().inNamespace("ns").withName("a").delete();
    }
    assertThat(registry.find(WriteMetrics.NAME).counters())
        .extracting(
            m ->
                m.getId().getTag("method")
                    + " "
                    + m.getId().getTag("resource")
                    + " "
                    + (int) m.count())
        .containsExactlyInAnyOrder(
            "POST configmaps 1", "PATCH configmaps 1", "DELETE configmaps 1");
  }
}
