package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The JVM meters are registered off the start-up path; a scrape waits for them. */
class ServerMetricsTest {

  @Test
  void jvmMetersAppearOnceBoundAndBindingIsIdempotent() throws Exception {
    try (ServerMetrics metrics = new ServerMetrics()) {
      assertThat(metrics.registry().scrape())
          .contains("echo_http_errors_total")
          .doesNotContain("jvm_memory_");
      assertThat(metrics.awaitJvmMetrics(10)).isFalse();

      Thread binder = new Thread(metrics::bindJvmMetrics);
      binder.start();
      assertThat(metrics.awaitJvmMetrics(10_000)).isTrue();
      binder.join();
      metrics.bindJvmMetrics();

      String scrape = metrics.registry().scrape();
      assertThat(scrape)
          .contains("jvm_memory_used_bytes")
          .contains("jvm_threads_live_threads")
          .contains("jvm_classes_loaded_classes")
          .contains("process_uptime_seconds");
      assertThat(scrape.split("\n"))
          .filteredOn(l -> l.startsWith("jvm_threads_live_threads "))
          .hasSize(1);
    }
  }

  @Test
  void buildInfoCarriesTheVersionAndRevision() {
    try (ServerMetrics metrics = new ServerMetrics()) {
      // The build filters the version in; a build not told the revision (-Dbuild.revision) says
      // unknown.
      assertThat(metrics.registry().scrape())
          .containsPattern(
              "echo_build_info\\{revision=\"([0-9a-f]{7,40}|unknown)\",version=\"0\\.1\\.0\"} 1\n");
    }
  }

  @Test
  void closingBeforeBindingLeavesNothingToBind() {
    ServerMetrics metrics = new ServerMetrics();
    metrics.close();
    metrics.bindJvmMetrics();
    assertThat(metrics.registry().getMeters())
        .noneMatch(m -> m.getId().getName().startsWith("jvm."));
  }
}
