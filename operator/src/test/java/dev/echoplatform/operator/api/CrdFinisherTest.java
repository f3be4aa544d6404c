package dev.echoplatform.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CrdFinisherTest {

  static final Path COMMITTED = Path.of("..", "crds", "echoservices.echo.platform.dev-v1.yml");

  @Test
  void columnsArePrintedInTheOrderPeopleReadWithAgeLastAndTheWideOnesAfterIt() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(CrdFinisher.columnNames(crd))
        .containsExactly("Ready", "Replicas", "Version", "URL", "Age", "Image", "Service", "Autoscaling", "Paused");
  }

  @Test
  void scalarDescriptionsStateTheirDefaultRangeAndValues() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(CrdFinisher.description(crd, "spec", "replicas"))
        .endsWith("Default: 2. From 0 to 1000.");
    assertThat(CrdFinisher.description(crd, "spec", "settings", "readTimeout")).endsWith("Default: 5s.");
    assertThat(CrdFinisher.description(crd, "spec", "service", "type"))
        .endsWith("Default: ClusterIP. One of: ClusterIP, LoadBalancer, NodePort.");
    assertThat(CrdFinisher.description(crd, "spec", "service", "nodePort")).endsWith("From 30000 to 32767.");
  }

  @Test
  void finishingTwiceChangesNothing() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(CrdFinisher.finish(crd)).isEqualTo(crd);
  }
}
