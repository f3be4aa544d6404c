package dev.echoplatform.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;

/**
 * Arbitrary bytes sent to a running server over a socket: whatever they are, every answer has a
 * status the server documents (never a 500), every error answer is JSON with a request id, and the
 * server keeps serving. The checked-in inputs (ServerFuzzTestInputs) are replayed in every build;
 * the fuzz profile mutates them for a bounded time, guided by the coverage of the server's own code
 * and Undertow's.
 */
class ServerFuzzTest {

  private static final Set<Integer> DOCUMENTED =
      Set.of(100, 200, 400, 404, 405, 408, 413, 414, 415, 429, 431, 501, 503, 505);
  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

  private static TestServer server;
  private static long inputs;

  /**
   * Started on first use: in fuzzing mode Jazzer runs the method without the class's JUnit
   * lifecycle.
   */
  private static synchronized TestServer server() {
    if (server == null) {
      // Jazzer's request-forgery detector flags every socket connection; this test's are to its own
      // server.
      BugDetectors.allowNetworkConnections(
          (host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
      server =
          TestServer.start(
              "READ_TIMEOUT",
              "300ms",
              "MAX_BODY_SIZE",
              "4096",
              "MAX_INFLIGHT_BODY_BYTES",
              "65536",
              "IDLE_TIMEOUT",
              "300ms");
    }
    return server;
  }

  @AfterAll
  static void stop() throws IOException {
    if (server == null) {
      return;
    }
    try {
      assertServing();
    } finally {
      server.close();
      server = null;
    }
  }

  @FuzzTest(maxDuration = "45s")
  void answersAnyBytesWithoutAServerError(byte[] input) throws IOException {
    String answer = exchange(input);
    Matcher m = STATUS_LINE.matcher(answer);
    while (m.find()) {
      int status = Integer.parseInt(m.group(1));
      assertThat(DOCUMENTED)
          .as("status %d answered to %s", status, printable(input))
          .contains(status);
    }
    for (String response : answer.split("(?=HTTP/1\\.[01] \\d{3} )")) {
      int status =
          response.startsWith("HTTP/1.") && response.length() > 12
              ? Integer.parseInt(response.substring(9, 12))
              : 0;
      if (status >= 400 && !response.startsWith("HTTP/1.0 ")) {
        String head = response.toLowerCase();
        assertThat(head)
            .as("error answer to %s", printable(input))
            .contains("content-type: application/json")
            .contains("x-request-id: ");
      }
    }
    if (++inputs % 500 == 0) {
      assertServing();
    }
  }

  /**
   * Sends the input, half-closes, and reads everything the server answers until it closes (at most
   * 2 s).
   */
  private static String exchange(byte[] input) throws IOException {
    try (Socket socket = RawHttp.connect(server().port)) {
      socket.setSoTimeout(2000);
      try {
        socket.getOutputStream().write(input);
        socket.shutdownOutput();
      } catch (IOException e) {
        // the server refused and closed before the input was all written: read what it answered
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) != -1 && out.size() < 1 << 20) {
          out.write(buf, 0, n);
        }
      } catch (SocketTimeoutException | java.net.SocketException e) {
        // a reset after the answer, or a server still waiting for more: what was read is what
        // counts
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static void assertServing() throws IOException {
    assertThat(RawHttp.request(server().managementPort, "GET", "/healthz", null).status())
        .isEqualTo(200);
    assertThat(RawHttp.postJson(server().port, "{\"still\":\"serving\"}").bodyText())
        .isEqualTo("{\"still\":\"serving\"}");
  }

  private static String printable(byte[] input) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(input.length, 300); i++) {
      int c = input[i] & 0xFF;
      b.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02x", c));
    }
    return b.toString();
  }
}
