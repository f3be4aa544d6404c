package dev.echoplatform.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CrdFinisherTest {

  static final Path COMMITTED = Path.of("..", "crds", "echoservices.echo.platform.dev-v1.yml");

  @Test
  void columnsArePrintedInTheOrderPeopleReadWithAgeLastAndTheWideOnesAfterIt() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(columnNames(crd))
        .containsExactly("Ready", "Replicas", "Version", "URL", "Age", "Image", "Service", "Autoscaling", "Paused");
  }

  @Test
  void scalarDescriptionsStateTheirDefaultRangeAndValues() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(description(crd, "spec", "replicas"))
        .endsWith("Default: 2. From 0 to 1000.");
    assertThat(description(crd, "spec", "settings", "readTimeout")).endsWith("Default: 5s.");
    assertThat(description(crd, "spec", "service", "type"))
        .endsWith("Default: ClusterIP. One of: ClusterIP, LoadBalancer, NodePort.");
    assertThat(description(crd, "spec", "service", "nodePort")).endsWith("From 30000 to 32767.");
  }

  @Test
  void finishingTwiceChangesNothing() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(CrdFinisher.finish(crd)).isEqualTo(crd);
  }

  static List<String> columnNames(String yaml) {
    return version(yaml).getAdditionalPrinterColumns().stream()
        .map(CustomResourceColumnDefinition::getName).toList();
  }

  /** The description of a property given by its path below the version's schema root. */
  static String description(String yaml, String... path) {
    JSONSchemaProps s = version(yaml).getSchema().getOpenAPIV3Schema();
    for (String p : path) {
      s = s.getProperties().get(p);
    }
    return s.getDescription();
  }

  private static CustomResourceDefinitionVersion version(String yaml) {
    return new KubernetesSerialization().unmarshal(yaml, CustomResourceDefinition.class).getSpec().getVersions()
        .get(0);
  }
}
