package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ManagementServerTest {

  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> get(int port, String path, String method) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void probesAndMetrics() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    AtomicBoolean ready = new AtomicBoolean(false);
    try (ManagementServer server =
        new ManagementServer(
            new InetSocketAddress("127.0.0.1", 0), () -> true, ready::get, registry)) {
      server.start();
      int port = server.port();
      assertThat(get(port, "/healthz", "GET").statusCode()).isEqualTo(200);
      assertThat(get(port, "/readyz", "GET").statusCode()).isEqualTo(503);
      ready.set(true);
      assertThat(get(port, "/readyz", "GET").statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = get(port, "/metrics", "GET");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(metrics.body()).contains("jvm_memory_used_bytes");
      assertThat(get(port, "/healthz", "POST").statusCode()).isEqualTo(405);
      assertThat(get(port, "/nope", "GET").statusCode()).isEqualTo(404);
    }
  }
}
