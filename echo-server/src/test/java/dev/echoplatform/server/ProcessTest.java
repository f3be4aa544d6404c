package dev.echoplatform.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.echoplatform.config.Setting;
import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.ServerProcess;
import dev.echoplatform.server.testing.TestServer;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Runs the real entry point in a child JVM: exit codes, stderr, signals. */
class ProcessTest {

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "PORT | 70000",
        "LOG_LEVEL | loud",
        "MAX_BODY_SIZE | -5",
        "READ_TIMEOUT | 5",
        "WRITE_TIMEOUT | 10 s",
        "IDLE_TIMEOUT | 0",
        "MAX_JSON_DEPTH | deep",
        "RATE_LIMIT_RPS | 0",
        "RATE_LIMIT_BURST | 1e3",
        "HEALTH_RATE_LIMIT_RPM | -1",
        "MAX_INFLIGHT_BODY_BYTES | 16MiB",
        "TRUSTED_PROXIES | 10.0.0.0/40",
        "SHUTDOWN_DELAY | 5",
        "SHUTDOWN_TIMEOUT | 30x",
        "MANAGEMENT_PORT | 70000",
        "MAX_CONNECTIONS_PER_CLIENT | 16385",
      })
  void invalidVariableExitsBeforeListeningWithOneStderrLine(String name, String value)
      throws Exception {
    try (ServerProcess p = ServerProcess.start(Map.of(name, value))) {
      assertThat(p.awaitExit(15_000)).isEqualTo(Main.EXIT_CONFIG);
      assertThat(p.stderr()).hasSize(1);
      String accepted = Setting.valueOf(name).accepted();
      assertThat(p.stderr().get(0))
          .startsWith("echo-server: invalid " + name + "=\"" + value + "\"")
          .contains("expected " + accepted);
      assertThat(p.stdout()).noneMatch(l -> l.contains("listening"));
    }
  }

  @Test
  void helpPrintsEveryVariable() throws Exception {
    try (ServerProcess p = ServerProcess.start(Map.of(), "--help")) {
      assertThat(p.awaitExit(15_000)).isZero();
      String out = String.join("\n", p.stdout());
      for (Setting s : Setting.values()) {
        assertThat(out).contains(s.name());
      }
      assertThat(out).contains("--check-health");
    }
  }

  @Test
  void unknownArgumentIsRejected() throws Exception {
    try (ServerProcess p = ServerProcess.start(Map.of(), "--frobnicate")) {
      assertThat(p.awaitExit(15_000)).isEqualTo(Main.EXIT_CONFIG);
      assertThat(p.stderr().get(0)).contains("unknown arguments --frobnicate");
    }
  }

  @Test
  void checkHealthReportsAServingAndAMissingServer() throws Exception {
    try (TestServer server = TestServer.start();
        ServerProcess healthy =
            ServerProcess.start(
                Map.of("MANAGEMENT_PORT", Integer.toString(server.managementPort)),
                "--check-health")) {
      assertThat(healthy.awaitExit(15_000)).isZero();
    }
    int closedPort = ServerProcess.freePort();
    try (ServerProcess missing =
        ServerProcess.start(
            Map.of("MANAGEMENT_PORT", Integer.toString(closedPort)), "--check-health")) {
      assertThat(missing.awaitExit(15_000)).isEqualTo(1);
      assertThat(missing.stderr().get(0))
          .contains("health check of port " + closedPort + " failed");
    }
  }

  @Test
  void sigtermDrainsThenClosesAndFinishesTheUploadInProgress() throws Exception {
    int port = ServerProcess.freePort();
    try (ServerProcess p =
        ServerProcess.start(
            Map.of(
                "PORT",
                Integer.toString(port),
                "MANAGEMENT_PORT",
                Integer.toString(ServerProcess.freePort()),
                "SHUTDOWN_DELAY",
                "1s",
                "SHUTDOWN_TIMEOUT",
                "10s",
                "READ_TIMEOUT",
                "10s",
                "LOG_LEVEL",
                "debug"))) {
      assertThat(p.awaitStdout("\"message\":\"listening\"", 15_000))
          .as("server started: %s", p.stderr())
          .isTrue();
      assertThat(RawHttp.request(port, "GET", "/readyz", null).status()).isEqualTo(200);
      byte[] body =
          "{\"uploaded\":\"during shutdown\",\"n\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);
      try (Socket upload = RawHttp.connect(port)) {
        OutputStream out = upload.getOutputStream();
        out.write(
            ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-Id: upload-1\r\n"
                    + "Content-Length: "
                    + body.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, 10);
        out.flush();
        Thread.sleep(100); // the request is in progress on the server

        long signalled = System.nanoTime();
        p.process.destroy(); // SIGTERM
        // Readiness turns 503 at once, while the listener still accepts.
        int ready = 200;
        while (ready == 200 && System.nanoTime() - signalled < 900_000_000L) {
          ready = RawHttp.request(port, "GET", "/readyz", null).status();
        }
        assertThat(ready).isEqualTo(503);
        assertThat(RawHttp.request(port, "GET", "/healthz", null).status()).isEqualTo(200);
        // After SHUTDOWN_DELAY the listener is closed.
        assertThat(p.awaitStdout("listeners closed", 5_000))
            .as("stdout %s stderr %s", p.stdout(), p.stderr())
            .isTrue();
        assertThatThrownBy(() -> RawHttp.request(port, "GET", "/healthz", null))
            .isInstanceOf(ConnectException.class);
        // The upload that was in progress completes normally.
        out.write(body, 10, body.length - 10);
        out.flush();
        RawHttp.Response r = RawHttp.read(upload.getInputStream(), false);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(body);
        assertThat(r.header("X-Request-Id")).isEqualTo("upload-1");
      }
      assertThat(p.awaitExit(10_000)).isZero();
      assertThat(p.stdout())
          .anyMatch(
              l ->
                  l.contains("\"request_id\":\"upload-1\"")
                      && l.contains("\"status\":200")
                      && l.contains("\"path\":\"/echo\"")
                      && l.contains("\"duration_ms\"")
                      && l.contains("\"bytes_in\":" + body.length)
                      && l.contains("\"client\":\"127.0.0.1\"")
                      && l.contains("\"level\":\"DEBUG\"")
                      && l.contains("\"timestamp\""));
      assertThat(p.stdout()).anyMatch(l -> l.contains("shutdown complete"));
      // Bodies are logged at debug only (the echo handler's "echo body" line).
      assertThat(p.stdout())
          .filteredOn(l -> l.contains("during shutdown"))
          .allMatch(
              l -> l.contains("\"level\":\"DEBUG\"") && l.contains("\"message\":\"echo body\""));
    }
  }

  @Test
  void requestsRefusedBelowTheHandlersAreLoggedAndCountedLikeAnyOther() throws Exception {
    int port = ServerProcess.freePort();
    int management = ServerProcess.freePort();
    try (ServerProcess p =
        ServerProcess.start(
            Map.of(
                "PORT",
                Integer.toString(port),
                "MANAGEMENT_PORT",
                Integer.toString(management),
                "SHUTDOWN_DELAY",
                "0"))) {
      assertThat(p.awaitStdout("\"message\":\"listening\"", 15_000))
          .as("server started: %s", p.stderr())
          .isTrue();
      RawHttp.Response r =
          RawHttp.raw(
              port,
              ("GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(r.status()).isEqualTo(400);
      String id = r.header("X-Request-Id");
      assertThat(p.awaitStdout("\"request_id\":\"" + id + "\"", 5_000)).isTrue();
      assertThat(p.stdout())
          .anyMatch(
              l ->
                  l.contains("\"request_id\":\"" + id + "\"")
                      && l.contains("\"status\":400")
                      && l.contains("\"method\":\"GET\"")
                      && l.contains("\"path\":\"/healthz\"")
                      && l.contains("\"level\":\"INFO\"")
                      && l.contains("\"client\":\"127.0.0.1\""));
      String metrics = RawHttp.request(management, "GET", "/metrics", null).bodyText();
      assertThat(metrics)
          .contains("echo_http_errors_total{type=\"bad_request\"} 1.0")
          .contains(
              "http_server_requests_seconds_count{method=\"GET\",route=\"/healthz\",status=\"400\"} 1");
    }
  }

  @Test
  void atTheDefaultLevelOnlyFailedRequestsAreLogged() throws Exception {
    int port = ServerProcess.freePort();
    try (ServerProcess p =
        ServerProcess.start(
            Map.of(
                "PORT",
                Integer.toString(port),
                "MANAGEMENT_PORT",
                Integer.toString(ServerProcess.freePort()),
                "SHUTDOWN_DELAY",
                "0",
                "SERVICE_NAME",
                "echo",
                "ENVIRONMENT",
                "staging"))) {
      assertThat(p.awaitStdout("\"message\":\"listening\"", 15_000))
          .as("server started: %s", p.stderr())
          .isTrue();
      RawHttp.Response ok = RawHttp.postJson(port, "{\"a\":1}");
      assertThat(ok.status()).isEqualTo(200);
      RawHttp.Response bad =
          RawHttp.request(
              port,
              "POST",
              "/echo",
              "{\"a\":".getBytes(StandardCharsets.UTF_8),
              "Content-Type: application/json",
              "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
      assertThat(bad.status()).isEqualTo(400);
      String badId = bad.header("X-Request-Id");
      assertThat(p.awaitStdout("\"request_id\":\"" + badId + "\"", 5_000)).isTrue();
      assertThat(p.stdout())
          .anyMatch(
              l ->
                  l.contains("\"request_id\":\"" + badId + "\"")
                      && l.contains("\"status\":400")
                      && l.contains("\"level\":\"INFO\"")
                      && l.contains("\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"")
                      && l.contains("\"span_id\":\"00f067aa0ba902b7\""));
      // Every line names the service and its environment.
      assertThat(p.stdout())
          .isNotEmpty()
          .allMatch(l -> l.contains("\"service\":\"echo\",\"environment\":\"staging\""));
      // The 200 was answered first; its line would be in the output by now.
      assertThat(p.stdout())
          .noneMatch(l -> l.contains("\"request_id\":\"" + ok.header("X-Request-Id") + "\""));
    }
  }
}
