package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.RawHttp.Response;
import dev.echoplatform.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EchoEndpointTest {

  private static final int LIMIT = 4096;
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start("MAX_BODY_SIZE", Integer.toString(LIMIT), "MAX_JSON_DEPTH", "64");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Stream<String> trickyJson() {
    return Stream.of(
        "{}",
        " \t\r\n{ }\n\n",
        "{\"a\":1}",
        "{\n  \"spaced\" :  [ 1 , 2 ,3 ] ,\t\"x\":{}\n}",
        "{\"escapes\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u00e9\\ud83d\\ude00\"}",
        "{\"raw unicode\":\"é ü ß 日本語 😀 \u2028\"}",
        "{\"big\":123456789012345678901234567890123456789,\"exp\":1e400,\"neg\":-0.0,\"small\":1E-7,\"frac\":2.50}",
        "{\"dup\":1,\"dup\":2}",
        "{\"nested\":" + "[".repeat(63) + "]".repeat(63) + "}",
        "{\"t\":true,\"f\":false,\"n\":null,\"e\":\"\",\"a\":[]}");
  }

  /**
   * Bodies up to the staging size go out in the same write as the headers from the I/O thread's
   * staging buffer, which every connection of that thread shares; larger ones from their own
   * segments after the headers. Here a slow reader (a 16 KiB receive window, reading only after a
   * pause) is sent 600 pipelined requests with a distinct body each, sizes on both sides of the
   * staging limit, so that the server's writes to it stop part-way once the socket buffers are
   * full, while eight other connections, some on the same I/O thread, keep answering through the
   * same staging buffers. Every answer must be its own request's body byte for byte: a write that
   * kept reading the staging buffer after its call, or a miscount of what the socket took, would
   * show here as another request's bytes or as a torn answer.
   */
  @Test
  void pipelinedAnswersToASlowReaderStayIntactWhileOtherConnectionsShareTheStagingBuffer()
      throws Exception {
    int[] sizes = {
      EchoHandler.STAGED_BODY, EchoHandler.STAGED_BODY + 1, 100, EchoHandler.STAGED_BODY - 1, 5000
    };
    int requests = 600; // about 7 MiB of answers: more than the socket buffers of both ends hold
    byte[][] bodies = new byte[requests][];
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    for (int k = 0; k < requests; k++) {
      String head = "{\"k\":" + k + ",\"p\":\"";
      int pad = sizes[k % sizes.length] - head.length() - 2;
      StringBuilder p = new StringBuilder(pad);
      for (int j = 0; j < pad; j++) {
        p.append((char) ('a' + (k + j) % 26));
      }
      bodies[k] = (head + p + "\"}").getBytes(StandardCharsets.US_ASCII);
      stream.write(
          ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + bodies[k].length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      stream.write(bodies[k]);
    }
    byte[] all = stream.toByteArray();
    // A send buffer smaller than a staged answer: the kernel's autotuning would grow it to
    // megabytes on loopback, and the staged writes would always go out whole.
    try (TestServer big = TestServer.start(8 * 1024, "MAX_BODY_SIZE", "1048576");
        var socket = new java.net.Socket()) {
      socket.setReceiveBufferSize(16 * 1024); // nor the client's window
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", big.port), 2000);
      socket.setSoTimeout(10_000);
      java.util.concurrent.atomic.AtomicReference<Throwable> failure =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread writer =
          new Thread(
              () -> {
                try {
                  socket.getOutputStream().write(all);
                  socket.getOutputStream().flush();
                } catch (java.io.IOException e) {
                  failure.compareAndSet(null, e);
                }
              });
      writer.start();
      // Meanwhile the server answers into full socket buffers, and other connections are answered
      // through the same staging buffers.
      java.util.List<Thread> others = new java.util.ArrayList<>();
      for (int c = 0; c < 8; c++) {
        int id = c;
        Thread t =
            new Thread(
                () -> {
                  try {
                    for (int n = 0; n < 40; n++) {
                      byte[] body =
                          ("{\"other\":"
                                  + id
                                  + ",\"n\":"
                                  + n
                                  + ",\"p\":\""
                                  + "z".repeat(3000)
                                  + "\"}")
                              .getBytes(StandardCharsets.US_ASCII);
                      Response r = RawHttp.postJson(big.port, body);
                      if (r.status() != 200 || !java.util.Arrays.equals(r.body(), body)) {
                        failure.compareAndSet(
                            null, new AssertionError("other connection " + id + " answer " + n));
                      }
                    }
                  } catch (Exception e) {
                    failure.compareAndSet(null, e);
                  }
                });
        t.start();
        others.add(t);
      }
      for (Thread t : others) {
        t.join(20_000);
      }
      for (int k = 0; k < requests; k++) {
        Response r = RawHttp.read(socket.getInputStream(), false);
        assertThat(r.status()).as("answer %d", k).isEqualTo(200);
        assertThat(r.body()).as("answer %d", k).isEqualTo(bodies[k]);
      }
      writer.join(10_000);
      assertThat(failure.get()).isNull();
    }
  }

  @ParameterizedTest
  @MethodSource("trickyJson")
  void echoesValidObjectsByteForByte(String json) throws Exception {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    Response r = RawHttp.postJson(server.port, body);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.body()).isEqualTo(body);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/json",
        "APPLICATION/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "application/json; charset=\"utf-8\"",
        "Application/Json ; foo=bar"
      })
  void acceptsJsonContentTypes(String contentType) throws Exception {
    Response r =
        RawHttp.request(
            server.port,
            "POST",
            "/echo",
            "{\"k\":1}".getBytes(StandardCharsets.UTF_8),
            "Content-Type: " + contentType);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).isEqualTo("{\"k\":1}");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "text/plain",
        "application/jsonx",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin1",
        "application/json; charset=utf-16",
        "multipart/form-data; boundary=x"
      })
  void rejectsOtherContentTypesWith415(String contentType) throws Exception {
    Response r =
        RawHttp.request(
            server.port,
            "POST",
            "/echo",
            "{}".getBytes(StandardCharsets.UTF_8),
            "Content-Type: " + contentType);
    assertThat(r.status()).isEqualTo(415);
    assertError(r, "Content-Type");
  }

  @Test
  void missingContentTypeIs415() throws Exception {
    Response r =
        RawHttp.request(server.port, "POST", "/echo", "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).isEqualTo(415);
    assertError(r, "Content-Type header is missing");
  }

  @Test
  void bodyExactlyAtTheLimitIsEchoed() throws Exception {
    byte[] body = objectOfSize(LIMIT);
    Response r = RawHttp.postJson(server.port, body);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(body);
  }

  @Test
  void contentLengthOneOverTheLimitIs413() throws Exception {
    Response r = RawHttp.postJson(server.port, objectOfSize(LIMIT + 1));
    assertThat(r.status()).isEqualTo(413);
    assertError(r, "exceeds the limit of " + LIMIT + " bytes");
  }

  @Test
  void hugeDeclaredLengthIs413BeforeAnyBodyIsSent() throws Exception {
    String head =
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1099511627776\r\n\r\n";
    long start = System.nanoTime();
    Response r = RawHttp.raw(server.port, head.getBytes(StandardCharsets.US_ASCII));
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.header("Connection")).isEqualTo("close");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2000);
  }

  @Test
  void chunkedBodyAtTheLimitIsEchoed() throws Exception {
    byte[] body = objectOfSize(LIMIT);
    Response r = RawHttp.raw(server.port, chunkedRequest(body, 1000));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(body);
  }

  @Test
  void chunkedBodyOneOverTheLimitIs413() throws Exception {
    Response r = RawHttp.raw(server.port, chunkedRequest(objectOfSize(LIMIT + 1), 1000));
    assertThat(r.status()).isEqualTo(413);
    assertError(r, "exceeds the limit");
  }

  @Test
  void chunkedBodyFarOverTheLimitIsCutOffAt413() throws Exception {
    Response r = RawHttp.raw(server.port, chunkedRequest(objectOfSize(LIMIT * 20), 512));
    assertThat(r.status()).isEqualTo(413);
  }

  /**
   * A client that sends its whole over-limit chunked body before reading (many HTTP clients do)
   * gets the 413 and an orderly end of the connection. Without the drain the server closed while 14
   * MiB were still on their way, the kernel answered them with a reset, and the client's write
   * failed with "broken pipe" / "connection reset" before it ever read the 413. The drain discards
   * at most MAX_BODY_SIZE more bytes within READ_TIMEOUT.
   */
  @Test
  void overLimitChunkedBodyStillBeingSentGets413AndAnOrderlyClose() throws Exception {
    int limit = 16 * 1024 * 1024;
    try (TestServer big =
            TestServer.start(
                "MAX_BODY_SIZE",
                Integer.toString(limit),
                "MAX_INFLIGHT_BODY_BYTES",
                Integer.toString(4 * limit));
        var socket = RawHttp.connect(big.port)) {
      socket.setSendBufferSize(64 * 1024);
      byte[] request = chunkedRequest(objectOfSize(limit + 14 * 1024 * 1024), 64 * 1024);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      Response r = RawHttp.read(socket.getInputStream(), false);
      assertThat(r.status()).isEqualTo(413);
      assertError(r, "exceeds the limit");
      assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(socket.getInputStream().read()).as("end of stream after the 413").isEqualTo(-1);
      awaitBudgetReleased(big);
    }
  }

  /**
   * The drain is bounded: a body going on far past MAX_BODY_SIZE more bytes still gets its
   * connection closed.
   */
  @Test
  void drainAfter413StopsAfterMaxBodySizeMoreBytes() throws Exception {
    try (var socket = RawHttp.connect(server.port)) {
      var out = socket.getOutputStream();
      out.write(
          ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + "Transfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = ("400\r\n" + "x".repeat(1024) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      long deadline = System.nanoTime() + 5_000_000_000L;
      boolean closed = false;
      while (!closed && System.nanoTime() < deadline) {
        try {
          out.write(chunk); // never ends: the server must give up draining and close
          out.flush();
        } catch (java.io.IOException e) {
          closed = true;
        }
      }
      assertThat(closed).as("connection closed while the client kept sending").isTrue();
    }
    awaitBudgetReleased(server);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "'' | request body is empty",
        "'   \n ' | request body is empty",
        "{\"a\": | invalid JSON",
        "{\"a\":1 | invalid JSON",
        "{\"a\":} | invalid JSON",
        "{} x | invalid JSON",
        "{}{} | unexpected data after the JSON object",
        "{} [] | unexpected data after the JSON object",
        "[1,2] | must be a JSON object, found an array",
        "\"text\" | must be a JSON object, found a string",
        "42 | must be a JSON object, found a number",
        "true | must be a JSON object, found a boolean",
        "null | must be a JSON object, found null",
        "{'a':1} | invalid JSON",
        "{\"a\":01} | invalid JSON",
        "{\"a\":NaN} | invalid JSON",
        "{\"a\":1,} | invalid JSON",
        "{/*c*/} | invalid JSON",
        "{\"a\":\"\\x\"} | invalid JSON",
        "{\"a\":\"\t\"} | invalid JSON",
        "{a:1} | invalid JSON",
      })
  void rejectsWhatIsNotExactlyOneObjectWith400(String body, String reason) throws Exception {
    Response r = RawHttp.postJson(server.port, body);
    assertThat(r.status()).isEqualTo(400);
    assertError(r, reason);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "{\"a\": | invalid JSON at line 1, column 6: the body ends before the JSON value is complete",
        "{\"a\":NaN} | 'NaN' is not a JSON value (expected an object, array, string, number, true, false or null)",
        "{\"a\":tru} | 'tru' is not a JSON value",
        "{\"a\":01} | a number must not have leading zeros",
        "{'a':1} | unexpected character ''' (expected a member name in double quotes)",
        "{a:1} | unexpected character 'a' (expected a member name in double quotes)",
        "{\"a\" 1} | unexpected character '1' (expected ':')",
        "{\"a\":1 \"b\":2} | unexpected character '\"' (expected ',' or '}')",
        "{\"a\":[1 2]} | unexpected character '2' (expected ',' or ']')",
        "{\"a\":\"\\x\"} | invalid escape sequence in a string",
        "{\"a\":\"\t\"} | control character U+0009 must be escaped inside a string",
        "{/*c*/} | unexpected character '/'",
      })
  void invalidJsonIsExplainedInTheServersWordsNotTheParsers(String body, String reason)
      throws Exception {
    Response r = RawHttp.postJson(server.port, body);
    assertThat(r.status()).isEqualTo(400);
    assertError(r, reason.replace("\"", "\\\""));
    assertThat(r.bodyText())
        .doesNotContainIgnoringCase("enable")
        .doesNotContain("JsonReadFeature")
        .doesNotContain("(code ")
        .doesNotContain("CTRL-CHAR")
        .doesNotContain("Feature");
  }

  @Test
  void expectContinueGets100ThenTheEcho() throws Exception {
    byte[] body = "{\"continue\":true}".getBytes(StandardCharsets.UTF_8);
    try (var socket = RawHttp.connect(server.port)) {
      socket
          .getOutputStream()
          .write(
              ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      + "Expect: 100-continue\r\nContent-Length: "
                      + body.length
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      Response interim = RawHttp.read(socket.getInputStream(), true);
      assertThat(interim.status()).isEqualTo(100);
      socket.getOutputStream().write(body);
      Response r = RawHttp.read(socket.getInputStream(), false);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(body);
    }
  }

  @Test
  void expectContinueIsRefusedWithTheFinalStatusWhenTheBodyIsTooLarge() throws Exception {
    try (var socket = RawHttp.connect(server.port)) {
      socket
          .getOutputStream()
          .write(
              ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      + "Expect: 100-continue\r\nContent-Length: "
                      + (LIMIT + 1)
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      assertThat(RawHttp.read(socket.getInputStream(), false).status()).isEqualTo(413);
    }
  }

  @Test
  void requestWithoutBodyIs400() throws Exception {
    Response r =
        RawHttp.request(server.port, "POST", "/echo", null, "Content-Type: application/json");
    assertThat(r.status()).isEqualTo(400);
    assertError(r, "request body is empty");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "7b2261223a2280227d", // lone continuation byte
        "7b2261223a22c0af227d", // overlong '/'
        "7b2261223a22e08080227d", // overlong 3-byte NUL
        "7b2261223a22eda080227d", // UTF-16 surrogate D800 encoded in UTF-8
        "7b2261223a22f4908080227d", // above U+10FFFF
        "7b2261223a22f5808080227d", // invalid lead byte
        "7b2261223a22e282227d", // truncated 3-byte sequence
        "7b2261223a22ff227d", // 0xFF
        "7b22c3223a317d", // broken sequence inside a name
      })
  void rejectsInvalidUtf8(String hex) throws Exception {
    Response r = RawHttp.postJson(server.port, HexFormat.of().parseHex(hex));
    assertThat(r.status()).isEqualTo(400);
    assertError(r, "not valid UTF-8");
  }

  @Test
  void rejectsUtf16AndNulAndByteOrderMark() throws Exception {
    assertError(
        RawHttp.postJson(server.port, "{}".getBytes(StandardCharsets.UTF_16LE)), "NUL byte");
    assertError(
        RawHttp.postJson(server.port, HexFormat.of().parseHex("efbbbf7b7d")), "byte order mark");
    assertError(RawHttp.postJson(server.port, HexFormat.of().parseHex("7b7d00")), "NUL byte");
  }

  @Test
  void nestingOneDeeperThanTheLimitIs400() throws Exception {
    String ok = "{\"a\":" + "[".repeat(63) + "]".repeat(63) + "}";
    String deep = "{\"a\":" + "[".repeat(64) + "]".repeat(64) + "}";
    assertThat(RawHttp.postJson(server.port, ok).status()).isEqualTo(200);
    Response r = RawHttp.postJson(server.port, deep);
    assertThat(r.status()).isEqualTo(400);
    assertError(r, "deeper than the maximum of 64");
  }

  @Test
  void depthBombIsAnsweredFast() throws Exception {
    String bomb = "{\"a\":" + "[".repeat(LIMIT - 10);
    long start = System.nanoTime();
    Response r = RawHttp.postJson(server.port, bomb);
    assertThat(r.status()).isEqualTo(400);
    assertError(r, "deeper than the maximum");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1000);
  }

  @Test
  void overlongNumbersAndNamesAre400() throws Exception {
    try (TestServer big = TestServer.start("MAX_BODY_SIZE", "65536")) {
      assertThat(RawHttp.postJson(big.port, "{\"n\":" + "9".repeat(1000) + "}").status())
          .isEqualTo(200);
      Response number = RawHttp.postJson(big.port, "{\"n\":" + "9".repeat(1001) + "}");
      assertThat(number.status()).isEqualTo(400);
      assertError(number, "number is longer than the maximum of 1000");
      assertThat(RawHttp.postJson(big.port, "{\"" + "k".repeat(4096) + "\":1}").status())
          .isEqualTo(200);
      Response name = RawHttp.postJson(big.port, "{\"" + "k".repeat(4097) + "\":1}");
      assertThat(name.status()).isEqualTo(400);
      assertError(name, "name is longer than the maximum of 4096");
    }
  }

  @Test
  void largeBodiesValidatedOffTheIoThreadAreEchoed() throws Exception {
    try (TestServer big = TestServer.start("MAX_BODY_SIZE", "1048576")) {
      byte[] body = objectOfSize(1048576);
      Response r = RawHttp.postJson(big.port, body);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(body);
      Response chunked = RawHttp.raw(big.port, chunkedRequest(body, 7000));
      assertThat(chunked.status()).isEqualTo(200);
      assertThat(chunked.body()).isEqualTo(body);
      awaitBudgetReleased(big);
    }
  }

  @Test
  void budgetIsReturnedAfterEveryOutcome() throws Exception {
    RawHttp.postJson(server.port, "{}");
    RawHttp.postJson(server.port, "[]");
    RawHttp.raw(server.port, chunkedRequest(objectOfSize(LIMIT * 2), 512));
    awaitBudgetReleased(server);
  }

  /**
   * Reservations are returned by completion listeners, which run just after the last response byte
   * is written.
   */
  static void awaitBudgetReleased(TestServer s) throws InterruptedException {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (s.server.bodyBudget().used() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(s.server.bodyBudget().used()).isZero();
  }

  /** A valid JSON object of exactly {@code size} bytes: {"p":"xxx...x"}. */
  static byte[] objectOfSize(int size) {
    return ("{\"p\":\"" + "x".repeat(size - 8) + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  static byte[] chunkedRequest(byte[] body, int chunkSize) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(RawHttp.chunked(body, chunkSize));
    return out.toByteArray();
  }

  static void assertError(Response r, String fragment) {
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.bodyText()).startsWith("{\"error\":\"").endsWith("\"}").contains(fragment);
  }
}
