package dev.echoplatform.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The minimized, shaded jar (what the image runs) works: classes loaded by name or through
 * ServiceLoader survived minimization, every endpoint answers, and SIGTERM ends the process with
 * status 0. Runs in the integration-test phase, after packaging.
 */
class ShadedJarIT {

  @Test
  void packagedJarServesEveryEndpointAndStopsCleanly() throws Exception {
    Path jar = Path.of("target", "echo-server.jar");
    assertThat(Files.exists(jar)).as("%s exists", jar.toAbsolutePath()).isTrue();
    int port = ServerProcess.freePort();
    int management = ServerProcess.freePort();
    try (ServerProcess p =
        ServerProcess.startJar(
            jar,
            Map.of(
                "PORT",
                Integer.toString(port),
                "MANAGEMENT_PORT",
                Integer.toString(management),
                "SHUTDOWN_DELAY",
                "0"))) {
      assertThat(p.awaitStdout("\"message\":\"listening\"", 20_000))
          .as("started: %s", p.stderr())
          .isTrue();
      assertThat(RawHttp.request(port, "GET", "/healthz", null).bodyText())
          .isEqualTo("{\"status\":\"ok\"}");
      assertThat(RawHttp.request(port, "GET", "/readyz", null).status()).isEqualTo(200);
      assertThat(RawHttp.postJson(port, "{\"jar\":[1,2.0,\"\u00e9\"]}").bodyText())
          .isEqualTo("{\"jar\":[1,2.0,\"\u00e9\"]}");
      assertThat(RawHttp.postJson(port, "{\"a\":").status()).isEqualTo(400);
      assertThat(RawHttp.request(management, "GET", "/metrics", null).bodyText())
          .contains("http_server_requests_seconds_count")
          .contains("jvm_gc_");
      assertThat(RawHttp.request(port, "GET", "/openapi.json", null).status()).isEqualTo(200);
      p.process.destroy();
      assertThat(p.awaitExit(15_000)).isZero();
      // The access log works in the packaged jar (at the default level it carries the failed
      // request).
      assertThat(p.stdout())
          .anyMatch(l -> l.contains("\"path\":\"/echo\"") && l.contains("\"status\":400"));
      assertThat(p.stderr()).noneMatch(l -> l.contains("Exception"));
    }
  }
}
