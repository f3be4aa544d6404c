package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.RawHttp.Response;
import dev.echoplatform.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointsTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void healthzAnswersOk() throws Exception {
    Response r = RawHttp.request(server.port, "GET", "/healthz", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.bodyText()).isEqualTo("{\"status\":\"ok\"}");
  }

  @Test
  void headHealthzHasHeadersOnly() throws Exception {
    Response r = RawHttp.request(server.port, "HEAD", "/healthz", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Length")).isEqualTo("15");
    assertThat(r.body()).isEmpty();
  }

  @Test
  void readyzAnswersReady() throws Exception {
    Response r = RawHttp.request(server.port, "GET", "/readyz", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).isEqualTo("{\"status\":\"ready\"}");
  }

  @Test
  void readyzTurns503WhenDrainingWhileOtherEndpointsStillServe() throws Exception {
    try (TestServer draining = TestServer.start()) {
      draining.server.beginDraining();
      Response r = RawHttp.request(draining.port, "GET", "/readyz", null);
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      assertThat(r.bodyText()).isEqualTo("{\"status\":\"draining\"}");
      assertThat(RawHttp.request(draining.port, "HEAD", "/readyz", null).status()).isEqualTo(503);
      assertThat(RawHttp.request(draining.port, "GET", "/healthz", null).status()).isEqualTo(200);
      Response echo = RawHttp.postJson(draining.port, "{}");
      assertThat(echo.status()).isEqualTo(200);
      assertThat(echo.header("Connection")).isEqualTo("close");
    }
  }

  @ParameterizedTest(name = "{0} {1} -> 405 Allow: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GET | /echo | POST",
        "PUT | /echo | POST",
        "DELETE | /echo | POST",
        "POST | /healthz | GET, HEAD",
        "DELETE | /readyz | GET, HEAD",
        "OPTIONS | /openapi.json | GET, HEAD",
        "PATCH | /echo | POST",
        "BREW | /healthz | GET, HEAD",
        "get | /healthz | GET, HEAD",
        "post | /echo | POST",
      })
  void knownPathWrongMethodIs405WithAllow(String method, String path, String allow)
      throws Exception {
    Response r = RawHttp.request(server.port, method, path, null);
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo(allow);
    EchoEndpointTest.assertError(r, "not allowed");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/",
        "/echo/",
        "/healthz/x",
        "/ECHO",
        "/nope",
        "/metrics.txt",
        "/%2e%2e/etc/passwd"
      })
  void unknownPathIs404(String path) throws Exception {
    Response r = RawHttp.request(server.port, "GET", path, null);
    assertThat(r.status()).isEqualTo(404);
    EchoEndpointTest.assertError(r, "no such path");
  }

  @Test
  void queryStringsDoNotChangeTheRoute() throws Exception {
    assertThat(RawHttp.request(server.port, "GET", "/healthz?verbose=1", null).status())
        .isEqualTo(200);
  }

  @Test
  void saneRequestIdIsKept() throws Exception {
    String id = "abc-123_x.y:z";
    Response r = RawHttp.request(server.port, "GET", "/healthz", null, "X-Request-Id: " + id);
    assertThat(r.header("X-Request-Id")).isEqualTo(id);
    String longest = "a".repeat(128);
    assertThat(
            RawHttp.request(server.port, "GET", "/healthz", null, "X-Request-Id: " + longest)
                .header("X-Request-Id"))
        .isEqualTo(longest);
  }

  @ParameterizedTest
  @ValueSource(strings = {"has space", "semi;colon", "quote\"", "<script>", "é"})
  void unsafeRequestIdIsReplaced(String id) throws Exception {
    Response r = RawHttp.request(server.port, "GET", "/healthz", null, "X-Request-Id: " + id);
    assertThat(r.header("X-Request-Id")).matches("[0-9a-f]{32}");
  }

  @Test
  void missingOrOverlongRequestIdIsGenerated() throws Exception {
    String first = RawHttp.request(server.port, "GET", "/healthz", null).header("X-Request-Id");
    String second = RawHttp.request(server.port, "GET", "/nope", null).header("X-Request-Id");
    assertThat(first).matches("[0-9a-f]{32}");
    assertThat(second).matches("[0-9a-f]{32}").isNotEqualTo(first);
    assertThat(
            RawHttp.request(
                    server.port, "GET", "/healthz", null, "X-Request-Id: " + "a".repeat(129))
                .header("X-Request-Id"))
        .matches("[0-9a-f]{32}");
  }

  /** W3C Trace Context: a valid traceparent is kept and echoed, an invalid one ignored. */
  static final String VALID_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @ParameterizedTest
  @ValueSource(
      strings = {
        VALID_TRACEPARENT,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future-part",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
      })
  void traceparentAccepted(String value) {
    assertThat(RequestIdHandler.isTraceparent(value)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"
      })
  void traceparentRefused(String value) {
    assertThat(RequestIdHandler.isTraceparent(value)).isFalse();
  }

  @Test
  void aValidTraceparentIsEchoedWithTheAnswer() throws Exception {
    Response r =
        RawHttp.request(
            server.port,
            "POST",
            "/echo",
            "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
            "Content-Type: application/json",
            "traceparent: " + VALID_TRACEPARENT);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("traceparent")).isEqualTo(VALID_TRACEPARENT);
    assertThat(
            RawHttp.request(
                    server.port, "GET", "/healthz", null, "traceparent: " + VALID_TRACEPARENT)
                .header("traceparent"))
        .isEqualTo(VALID_TRACEPARENT);
  }

  @Test
  void anInvalidTraceparentIsIgnored() throws Exception {
    Response r =
        RawHttp.request(
            server.port,
            "GET",
            "/healthz",
            null,
            "traceparent: ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("traceparent")).isNull();
  }

  @Test
  void metricsExposeRequestsErrorsConnectionsAndJvm() throws Exception {
    RawHttp.postJson(server.port, "{\"m\":1}");
    RawHttp.postJson(server.port, "not json");
    RawHttp.request(server.port, "GET", "/no/such/path/123", null);
    Response r = RawHttp.request(server.managementPort, "GET", "/metrics", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/plain");
    String text = r.bodyText();
    assertThat(text)
        .contains(
            "http_server_requests_seconds_count{method=\"POST\",route=\"/echo\",status=\"200\"}")
        .contains(
            "http_server_requests_seconds_bucket{method=\"POST\",route=\"/echo\",status=\"400\",le=\"0.005\"}")
        .contains(
            "http_server_requests_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"}")
        .doesNotContain("/no/such/path")
        .contains("echo_http_errors_total{type=\"invalid_json\"}")
        .contains("echo_http_errors_total{type=\"timeout\"}")
        .contains("echo_http_active_connections")
        .contains("echo_http_inflight_requests")
        .contains("jvm_memory_used_bytes")
        .contains("jvm_threads_live_threads")
        .contains("jvm_gc_");
    assertThat(server.server.metrics().errorCount(ServerMetrics.ErrorType.INVALID_JSON))
        .isGreaterThanOrEqualTo(1);
    System.gc(); // the gauges must survive a collection (Micrometer holds gauge state weakly by
    // default)
    String again = RawHttp.request(server.managementPort, "GET", "/metrics", null).bodyText();
    assertThat(again)
        .containsPattern("(?m)^echo_http_active_connections\\{listener=\"management\"} [1-9]")
        .containsPattern("(?m)^echo_http_inflight_requests [1-9]");
  }

  @Test
  void unknownMethodsShareOneMetricsTag() throws Exception {
    Response r = RawHttp.request(server.port, "FROBNICATE", "/echo", null);
    assertThat(r.status()).isEqualTo(405);
    String text = RawHttp.request(server.managementPort, "GET", "/metrics", null).bodyText();
    assertThat(text)
        .contains("method=\"OTHER\",route=\"/echo\",status=\"405\"")
        .doesNotContain("FROBNICATE");
  }

  @Test
  void metricsAreServedOnTheManagementPortOnly() throws Exception {
    assertThat(RawHttp.request(server.port, "GET", "/metrics", null).status()).isEqualTo(404);
    assertThat(RawHttp.request(server.managementPort, "GET", "/metrics", null).status())
        .isEqualTo(200);
    Response head = RawHttp.request(server.managementPort, "HEAD", "/metrics", null);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(RawHttp.request(server.managementPort, "GET", "/healthz", null).bodyText())
        .isEqualTo("{\"status\":\"ok\"}");
    assertThat(RawHttp.request(server.managementPort, "GET", "/readyz", null).status())
        .isEqualTo(200);
    assertThat(
            RawHttp.request(
                    server.managementPort,
                    "POST",
                    "/echo",
                    "{}".getBytes(StandardCharsets.UTF_8),
                    "Content-Type: application/json")
                .status())
        .isEqualTo(404);
  }

  @Test
  void openApiDocumentIsServed() throws Exception {
    Response r = RawHttp.request(server.port, "GET", "/openapi.json", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.bodyText()).contains("\"openapi\"").contains("/readyz");
  }

  @Test
  void keepAliveConnectionServesSeveralRequests() throws Exception {
    try (var socket = RawHttp.connect(server.port)) {
      var out = socket.getOutputStream();
      var in = socket.getInputStream();
      for (int i = 0; i < 3; i++) {
        byte[] body = ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        out.write(
            ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        Response r = RawHttp.read(in, false);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(body);
      }
    }
  }
}
