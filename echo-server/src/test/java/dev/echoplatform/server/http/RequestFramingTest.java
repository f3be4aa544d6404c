package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.RawHttp.Outcome;
import dev.echoplatform.server.testing.RawHttp.Response;
import dev.echoplatform.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Strict HTTP/1.1 framing (RFC 9112) over real sockets: every malformed request is answered with
 * the JSON error, an {@code X-Request-Id}, {@code Connection: close} and a counted error type, and
 * the connection is then closed. Each case was answered differently before the request scanner (200
 * for extra bytes after chunk data, bare LFs, lower-case methods, duplicate Content-Type, obsolete
 * line folding, HTTP/1.2 and 0.9; a bare Undertow 400 without a body or request id for oversized
 * heads, leading empty lines and Content-Length with Transfer-Encoding; a silent close for a bad
 * chunk size; a hang for {@code Transfer-Encoding: gzip}).
 */
class RequestFramingTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static final String POST =
      "POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\n";
  private static final String CHUNKED = POST + "Transfer-Encoding: chunked\\r\\n\\r\\n";

  @ParameterizedTest(name = "{3}: {1} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // chunked body framing: answered by the echo handler, which finds the problem below it
        CHUNKED
            + "2\\r\\n{}XX\\r\\n0\\r\\n\\r\\n | 400 | chunk data is not followed by CRLF | bad_request",
        CHUNKED
            + "2\\r\\n{}\\n0\\r\\n\\r\\n | 400 | chunk data is not followed by CRLF | bad_request",
        CHUNKED + "2\\n{}\\r\\n0\\r\\n\\r\\n | 400 | invalid chunk size | bad_request",
        CHUNKED
            + "zz\\r\\n{}\\r\\n0\\r\\n\\r\\n | 400 | invalid chunk size: expected hex digits | bad_request",
        CHUNKED
            + "000000000000000002\\r\\n{}\\r\\n0\\r\\n\\r\\n | 400 | more than 16 hex digits | bad_request",
        CHUNKED
            + "2\\r\\n{}\\r\\n0\\r\\nX-T : 1\\r\\n\\r\\n | 400 | whitespace in a trailer field name | bad_request",
        // transfer codings (RFC 9112 §6)
        POST
            + "Transfer-Encoding: chunked, gzip\\r\\n\\r\\n2\\r\\n{}\\r\\n0\\r\\n\\r\\n | 400 | must end with chunked | bad_request",
        POST + "Transfer-Encoding: gzip\\r\\n\\r\\n{} | 400 | must end with chunked | bad_request",
        POST
            + "Transfer-Encoding: gzip, chunked\\r\\n\\r\\n2\\r\\n{}\\r\\n0\\r\\n\\r\\n | 501 | transfer coding gzip is not supported | not_implemented",
        POST
            + "Content-Length: 2\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\n{}\\r\\n0\\r\\n\\r\\n | 400 | both Content-Length and Transfer-Encoding | bad_request",
        POST
            + "Content-Length: 2\\r\\nContent-Length: 2\\r\\n\\r\\n{} | 400 | more than one Content-Length | bad_request",
        // request line (RFC 9112 §3, RFC 9110 §9.1)
        "CONNECT 127.0.0.1:8080 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 501 | this server is not a proxy | not_implemented",
        "GET /healthz HTTP/2.0\\r\\nHost: x\\r\\n\\r\\n | 505 | HTTP version 2.0 is not supported | version_not_supported",
        "GET /healthz HTTP/1.2\\r\\nHost: x\\r\\n\\r\\n | 505 | HTTP version 1.2 is not supported | version_not_supported",
        "GET /healthz HTTP/0.9\\r\\nHost: x\\r\\n\\r\\n | 505 | HTTP version 0.9 is not supported | version_not_supported",
        "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n | 400 | * is only allowed with OPTIONS | bad_request",
        "GET /a\"b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | malformed request target: invalid character | bad_request",
        "GET /healthz HTTP/1.1\\r\\nHost: x:0\\r\\n\\r\\n | 400 | the port must be a number from 1 to 65535 | bad_request",
        "GET http://other/healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | does not match the authority | bad_request",
        "GET /healthz HTTP/1.1\\nHost: x\\n\\n | 400 | bare LF | bad_request",
        // field lines (RFC 9112 §5, RFC 9110 §5)
        "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nFoo : b\\r\\n\\r\\n | 400 | whitespace in a header field name or before its colon | bad_request",
        "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nFoo: b\\r\\n c\\r\\n\\r\\n | 400 | line folding | bad_request",
        "GET /healthz HTTP/1.1\\r\\n\\r\\n | 400 | must have a Host header | bad_request",
        "GET /healthz HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n | 400 | more than one Host header | bad_request",
        POST
            + "Content-Type: text/plain\\r\\nContent-Length: 2\\r\\n\\r\\n{} | 400 | more than one Content-Type | bad_request",
      })
  void malformedRequestIsAnsweredWithJsonThenTheConnectionCloses(
      String request, int status, String fragment, String type) throws Exception {
    double before = errors(type);
    Outcome outcome = RawHttp.rawThenClose(server.port, bytes(request));
    Response r = outcome.response();
    assertThat(r.status()).isEqualTo(status);
    EchoEndpointTest.assertError(r, fragment);
    assertThat(r.header("X-Request-Id")).matches("[0-9a-f]{32}");
    assertThat(r.header("Connection")).isEqualTo("close");
    assertThat(outcome.closed()).as("connection closed after the error").isTrue();
    assertThat(errors(type)).isEqualTo(before + 1);
  }

  @Test
  void oversizedHeadsAreAnswered431And414WithJson() throws Exception {
    assertRefused(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n",
        431,
        "header field x-big larger than 8192 bytes");
    StringBuilder many = new StringBuilder("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 150; i++) {
      many.append("X-").append(i).append(": v\r\n");
    }
    assertRefused(many + "\r\n", 431, "more than 100 header fields");
    assertRefused(
        "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "request target longer than 8192");
    assertThat(errors("headers_too_large")).isGreaterThanOrEqualTo(2);
    assertThat(errors("uri_too_long")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aSixteenMebibyteTrailerIsRefusedAfterEightKibibytesAndTheServerStaysUp() throws Exception {
    try (Socket socket = RawHttp.connect(server.port)) {
      OutputStream out = socket.getOutputStream();
      out.write(bytes(CHUNKED + "2\\r\\n{}\\r\\n0\\r\\nX-Trailer: "));
      byte[] chunk = "a".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
      long sent = 0;
      try {
        while (sent < 16L * 1024 * 1024) {
          out.write(chunk);
          sent += chunk.length;
        }
      } catch (java.net.SocketException e) {
        // the server stopped reading after its bound and closed
      }
      Response r = RawHttp.read(socket.getInputStream(), false);
      assertThat(r.status()).isEqualTo(431);
      EchoEndpointTest.assertError(r, "trailer field x-trailer larger than 8192 bytes");
    }
    assertThat(RawHttp.postJson(server.port, "{\"after\":true}").bodyText())
        .isEqualTo("{\"after\":true}");
    EchoEndpointTest.awaitBudgetReleased(server);
  }

  @Test
  void leadingEmptyLinesBeforeARequestAreIgnored() throws Exception {
    Response r =
        RawHttp.raw(
            server.port,
            bytes(
                "\\r\\n\\r\\nGET /healthz HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"));
    assertThat(r.status()).isEqualTo(200);
    // ... also between pipelined requests (some clients send a CRLF after a body)
    try (Socket socket = RawHttp.connect(server.port)) {
      socket
          .getOutputStream()
          .write(
              bytes(
                  POST
                      + "Content-Length: 2\\r\\n\\r\\n{}\\r\\n"
                      + "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"));
      InputStream in = socket.getInputStream();
      assertThat(RawHttp.read(in, false).bodyText()).isEqualTo("{}");
      assertThat(RawHttp.read(in, false).bodyText()).isEqualTo("{\"status\":\"ok\"}");
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderAndABadOneEndsTheConnectionAfterTheGoodOnes()
      throws Exception {
    try (Socket socket = RawHttp.connect(server.port)) {
      socket
          .getOutputStream()
          .write(
              bytes(
                  POST
                      + "Content-Length: 7\\r\\n\\r\\n{\"a\":1}"
                      + "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
                      + "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nBad Name: 1\\r\\n\\r\\n"
                      + "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"));
      InputStream in = socket.getInputStream();
      assertThat(RawHttp.read(in, false).bodyText()).isEqualTo("{\"a\":1}");
      assertThat(RawHttp.read(in, false).status()).isEqualTo(200);
      Response bad = RawHttp.read(in, false);
      assertThat(bad.status()).isEqualTo(400);
      EchoEndpointTest.assertError(bad, "whitespace in a header field name");
      socket.setSoTimeout(3000);
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void http10WithTransferEncodingIsProcessedThenTheConnectionCloses() throws Exception {
    Outcome outcome =
        RawHttp.rawThenClose(
            server.port,
            bytes(
                "POST /echo HTTP/1.0\\r\\nConnection: keep-alive\\r\\n"
                    + "Content-Type: application/json\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\n{}\\r\\n0\\r\\n\\r\\n"));
    assertThat(outcome.response().status()).isEqualTo(200);
    assertThat(outcome.response().bodyText()).isEqualTo("{}");
    assertThat(outcome.response().header("Connection")).isEqualTo("close");
    assertThat(outcome.closed()).isTrue();
  }

  @Test
  void headWorksWhereverGetDoes() throws Exception {
    for (int port : new int[] {server.port, server.managementPort}) {
      for (String path :
          port == server.port
              ? new String[] {"/healthz", "/readyz", "/openapi.json"}
              : new String[] {"/healthz", "/readyz", "/metrics"}) {
        Response get = RawHttp.request(port, "GET", path, null);
        Response head = RawHttp.request(port, "HEAD", path, null);
        assertThat(head.status()).as("HEAD %s", path).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Type")).isEqualTo(get.header("Content-Type"));
      }
    }
  }

  @Test
  void validChunkedRequestsWithExtensionsAndTrailersAreEchoed() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        bytes(
            CHUNKED.replace("\\r\\n\\r\\n", "\\r\\nConnection: close\\r\\n\\r\\n")
                + "3;name=value;q=\"a;b\"\\r\\n{\"a\\r\\n0005\\r\\n\":[1]\\r\\n1\\r\\n}\\r\\n0\\r\\nX-Checksum: 1\\r\\n\\r\\n"));
    Response r = RawHttp.raw(server.port, out.toByteArray());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).isEqualTo("{\"a\":[1]}");
  }

  private static void assertRefused(String request, int status, String fragment) throws Exception {
    Outcome outcome =
        RawHttp.rawThenClose(server.port, request.getBytes(StandardCharsets.ISO_8859_1));
    assertThat(outcome.response().status()).isEqualTo(status);
    EchoEndpointTest.assertError(outcome.response(), fragment);
    assertThat(outcome.response().header("X-Request-Id")).matches("[0-9a-f]{32}");
    assertThat(outcome.closed()).isTrue();
  }

  static double errors(String type) {
    return server.server.metrics().errorCount(ServerMetrics.ErrorType.valueOf(type.toUpperCase()));
  }

  private static byte[] bytes(String s) {
    return s.replace("\\r", "\r").replace("\\n", "\n").getBytes(StandardCharsets.ISO_8859_1);
  }
}
