package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class BuildInfoTest {

  @Test
  void theOperatorExportsItsVersionAndRevision() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Main.registerBuildInfo(registry);
    assertThat(registry.scrape())
        .containsPattern(
            "echo_operator_build_info\\{revision=\"([0-9a-f]{7,40}|unknown)\",version=\"0\\.1\\.0\"} 1\n");
  }
}
