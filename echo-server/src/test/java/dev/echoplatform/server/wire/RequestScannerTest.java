package dev.echoplatform.server.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The scanner alone: what it accepts, where it stops, and why, fed whole or a byte at a time. */
class RequestScannerTest {

  private static final String H = "Host: x\r\n";

  /** Scans everything (skipping what it asks to skip); returns the violation or null. */
  static Violation scan(byte[] input, int piece) {
    RequestScanner scanner = new RequestScanner();
    ByteBuffer buf = ByteBuffer.wrap(input);
    for (int from = 0; from < input.length; from += piece) {
      int to = Math.min(input.length, from + piece);
      int at = from;
      while (true) {
        RequestScanner.Result r = scanner.scan(buf, at, to);
        if (r == RequestScanner.Result.ACCEPT) {
          break;
        }
        if (r == RequestScanner.Result.VIOLATION) {
          return scanner.violation();
        }
        at = scanner.position();
      }
    }
    return null;
  }

  static long messages(String input) {
    RequestScanner scanner = new RequestScanner();
    byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    int at = 0;
    while (true) {
      RequestScanner.Result r = scanner.scan(buf, at, bytes.length);
      assertThat(r).isNotEqualTo(RequestScanner.Result.VIOLATION);
      if (r == RequestScanner.Result.ACCEPT) {
        return scanner.completedMessages();
      }
      at = scanner.position();
    }
  }

  private static byte[] bytes(String s) {
    return s.replace("\\r", "\r").replace("\\n", "\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  @ParameterizedTest(name = "accepts {0}")
  @ValueSource(
      strings = {
        "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
        "GET /a?b=c%20d HTTP/1.1\\r\\nHost: x:8080\\r\\n\\r\\n",
        "GET http://x/a HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
        "OPTIONS * HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
        "GET / HTTP/1.0\\r\\n\\r\\n",
        "get / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
        "BREW /pot HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
        "\\r\\nGET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nHost: [::1]:80\\r\\nX-Empty:\\r\\nX-Sp:  a b  \\r\\n\\r\\n",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\n\\r\\nabc",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length:  0003 \\r\\n\\r\\nabc",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabc\\r\\n0\\r\\n\\r\\n",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: CHUNKED\\r\\n\\r\\nA;n=v;q=\"a b\"\\r\\n0123456789\\r\\n0\\r\\nT: 1\\r\\n\\r\\n",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3 ;x\\r\\nabc\\r\\n000\\r\\n\\r\\n",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: ,chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      })
  void acceptsWellFormedRequestsWholeAndByteByByte(String request) {
    assertThat(scan(bytes(request), Integer.MAX_VALUE)).isNull();
    assertThat(scan(bytes(request), 1)).isNull();
    assertThat(messages(request.replace("\\r", "\r").replace("\\n", "\n"))).isEqualTo(1);
  }

  @Test
  void countsPipelinedMessagesAcrossBodies() {
    String one = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGET /";
    String two =
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nGET /\r\n0\r\n\r\n";
    String three = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
    assertThat(messages(one + two + three + "\r\n" + three)).isEqualTo(4);
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // request line (RFC 9112 §3)
        "CONNECT x:443 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 501 | method CONNECT is not implemented: this server is not a proxy",
        "G(T / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | invalid character '(' in the method",
        "GET  / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | empty request target",
        "GET / HTTP/1.1 \\r\\nHost: x\\r\\n\\r\\n | 400 | HTTP/1.1 or HTTP/1.0",
        "GET / http/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | HTTP/1.1 or HTTP/1.0",
        "GET / HTTP/2.0\\r\\nHost: x\\r\\n\\r\\n | 505 | HTTP version 2.0 is not supported",
        "GET / HTTP/1.2\\r\\nHost: x\\r\\n\\r\\n | 505 | HTTP version 1.2 is not supported",
        "GET / HTTP/0.9\\r\\nHost: x\\r\\n\\r\\n | 505 | HTTP version 0.9 is not supported",
        "GET /\\r\\n\\r\\n | 400 | invalid character CR",
        "GET /a#b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | invalid character '#'",
        "GET /a%zz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | '%' must be followed by two hex digits",
        "GET * HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | only allowed with OPTIONS",
        "GET x HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | expected a path starting with /",
        "GET / HTTP/1.1\\nHost: x\\r\\n\\r\\n | 400 | bare LF",
        "\\n\\nGET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | bare LF",
        "\\r\\n\\r\\n\\r\\n\\r\\n\\r\\nGET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | more than 4 empty lines",
        // field lines (RFC 9112 §5, RFC 9110 §5.5)
        "GET / HTTP/1.1\\r\\nHost: x\\r\\nA : b\\r\\n\\r\\n | 400 | whitespace in a header field name or before its colon",
        "GET / HTTP/1.1\\r\\nHost: x\\r\\nA: b\\r\\n c\\r\\n\\r\\n | 400 | line folding",
        "GET / HTTP/1.1\\r\\nHost: x\\r\\n: b\\r\\n\\r\\n | 400 | empty name",
        "GET / HTTP/1.1\\r\\nHost: x\\r\\nA(: b\\r\\n\\r\\n | 400 | invalid character '(' in a header field name",
        "GET / HTTP/1.1\\r\\nHost: x\\r\\nA: b\\rc\\r\\n\\r\\n | 400 | CR not followed by LF",
        "GET / HTTP/1.1\\r\\nHost: x\\r\\nA: b\\nc: d\\r\\n\\r\\n | 400 | bare LF",
        "GET / HTTP/1.1\\r\\n\\r\\n | 400 | must have a Host header",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n | 400 | more than one Host header",
        "GET / HTTP/1.1\\r\\nHost: a b\\r\\n\\r\\n | 400 | in the Host header",
        "GET / HTTP/1.1\\r\\nHost: a/b\\r\\n\\r\\n | 400 | invalid character '/' in the Host header",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: a/b\\r\\ncontent-type: a/b\\r\\n\\r\\n | 400 | more than one Content-Type",
        // framing (RFC 9112 §6, RFC 9110 §8.6)
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1\\r\\nContent-Length: 1\\r\\n\\r\\nx | 400 | more than one Content-Length",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1, 1\\r\\n\\r\\nx | 400 | single decimal number",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1 1\\r\\n\\r\\nx | 400 | single decimal number",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: -1\\r\\n\\r\\n | 400 | single decimal number",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length:\\r\\n\\r\\n | 400 | single decimal number",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 9999999999999999999\\r\\n\\r\\n | 400 | Content-Length is too large",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400 | both Content-Length and Transfer-Encoding",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n | 400 | must end with chunked",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n | 400 | must end with chunked",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n | 400 | must end with chunked",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked, chunked\\r\\n\\r\\n | 400 | more than once",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n | 501 | transfer coding gzip is not supported",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: \\r\\n\\r\\n | 400 | empty Transfer-Encoding",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked;x=1\\r\\n\\r\\n | 400 | takes no parameters",
        // chunked body (RFC 9112 §7.1)
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabcX\\r\\n0\\r\\n\\r\\n | 400 | chunk data is not followed by CRLF",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabc\\n0\\r\\n\\r\\n | 400 | chunk data is not followed by CRLF",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\nabc\\r\\n0\\r\\n\\r\\n | 400 | unexpected LF after the hex digits",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n | 400 | expected hex digits, found 'z'",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n\\r\\n | 400 | expected hex digits, found CR",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3x\\r\\n | 400 | unexpected 'x' after the hex digits",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3 \\r\\nabc\\r\\n | 400 | must lead to a ';' extension",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n00000000000000003\\r\\n | 400 | more than 16 hex digits",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3;a\\u0001\\r\\n | 400 | in a chunk extension",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\nT : 1\\r\\n\\r\\n | 400 | whitespace in a trailer field name or before its colon",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\nT: 1\\n\\r\\n | 400 | bare LF",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\n | 400 | bare LF",
      })
  void refusesWithTheStatusAndAMessageNamingTheProblem(String request, int status, String message) {
    byte[] input = bytes(request.replace("\\u0001", "\u0001"));
    for (int piece : new int[] {Integer.MAX_VALUE, 1, 7}) {
      Violation v = scan(input, piece);
      assertThat(v).as("violation for %s in pieces of %d", request, piece).isNotNull();
      assertThat(v.status()).isEqualTo(status);
      assertThat(v.message()).contains(message);
    }
  }

  @Test
  void boundsAreEnforcedOneByteAfterTheLimit() {
    String line = "GET / HTTP/1.1\r\n" + H;
    // request target
    assertThat(
            scan(
                bytes(
                    "GET /"
                        + "a".repeat(RequestScanner.MAX_TARGET_LENGTH - 1)
                        + " HTTP/1.1\r\n"
                        + H
                        + "\r\n"),
                Integer.MAX_VALUE))
        .isNull();
    assertThat(
            scan(
                    bytes("GET /" + "a".repeat(RequestScanner.MAX_TARGET_LENGTH) + " HTTP/1.1\r\n"),
                    4096)
                .status())
        .isEqualTo(414);
    // one field line (name + ": " + value + CRLF)
    int value = RequestScanner.MAX_FIELD_LINE - "X: ".length() - 2;
    assertThat(scan(bytes(line + "X: " + "v".repeat(value) + "\r\n\r\n"), Integer.MAX_VALUE))
        .isNull();
    Violation field =
        scan(bytes(line + "X: " + "v".repeat(value + 1) + "\r\n\r\n"), Integer.MAX_VALUE);
    assertThat(field.status()).isEqualTo(431);
    assertThat(field.message())
        .isEqualTo("header field x larger than " + RequestScanner.MAX_FIELD_LINE + " bytes");
    // field count
    StringBuilder fields = new StringBuilder(line);
    for (int i = 1; i < RequestScanner.MAX_HEADER_FIELDS; i++) {
      fields.append("X").append(i).append(": v\r\n");
    }
    assertThat(scan(bytes(fields + "\r\n"), Integer.MAX_VALUE)).isNull();
    assertThat(scan(bytes(fields + "Y: v\r\n\r\n"), Integer.MAX_VALUE).message())
        .isEqualTo("more than " + RequestScanner.MAX_HEADER_FIELDS + " header fields");
    // whole header section
    StringBuilder big = new StringBuilder(line);
    while (big.length() < RequestScanner.MAX_HEADER_SECTION) {
      big.append("X: ").append("v".repeat(4000)).append("\r\n");
    }
    Violation section = scan(bytes(big + "\r\n"), 1000);
    assertThat(section.status()).isEqualTo(431);
    assertThat(section.message()).contains("request header section larger than");
    // method
    assertThat(
            scan(bytes("M".repeat(RequestScanner.MAX_METHOD_LENGTH + 1) + " / HTTP/1.1\r\n"), 1)
                .message())
        .contains("method is longer than");
  }

  @Test
  void chunkExtensionsAndTrailersAreBounded() {
    String head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    assertThat(
            scan(
                bytes(
                    head
                        + "1;"
                        + "e".repeat(RequestScanner.MAX_CHUNK_EXTENSION - 1)
                        + "\r\na\r\n0\r\n\r\n"),
                Integer.MAX_VALUE))
        .isNull();
    assertThat(
            scan(
                    bytes(
                        head + "1;" + "e".repeat(RequestScanner.MAX_CHUNK_EXTENSION) + "\r\na\r\n"),
                    100)
                .message())
        .contains("chunk extension longer than " + RequestScanner.MAX_CHUNK_EXTENSION);
    // many chunks with extensions within the per-line bound exhaust the per-request one
    ByteArrayOutputStream many = new ByteArrayOutputStream();
    many.writeBytes(bytes(head));
    for (int i = 0; i < 20; i++) {
      many.writeBytes(bytes("1;" + "e".repeat(999) + "\r\na\r\n"));
    }
    assertThat(scan(many.toByteArray(), 4096).message()).contains("chunk extensions of more than");
    // trailers: one field, count, whole section
    String last = head + "0\r\n";
    assertThat(
            scan(bytes(last + "T: " + "v".repeat(RequestScanner.MAX_FIELD_LINE) + "\r\n\r\n"), 512)
                .message())
        .isEqualTo("trailer field t larger than " + RequestScanner.MAX_FIELD_LINE + " bytes");
    assertThat(
            scan(
                    bytes(last + "T: 1\r\n".repeat(RequestScanner.MAX_TRAILER_FIELDS + 1) + "\r\n"),
                    512)
                .message())
        .isEqualTo("more than " + RequestScanner.MAX_TRAILER_FIELDS + " trailer fields");
    assertThat(
            scan(bytes(last + ("T: " + "v".repeat(1000) + "\r\n").repeat(17) + "\r\n"), 512)
                .message())
        .isEqualTo("trailer section larger than " + RequestScanner.MAX_TRAILER_SECTION + " bytes");
    // the attack from the issue: one 16 MiB trailer field is refused after 8 KiB
    RequestScanner scanner = new RequestScanner();
    ByteBuffer attack = ByteBuffer.wrap(bytes(last + "X: " + "a".repeat(64 * 1024)));
    assertThat(scanner.scan(attack, 0, attack.capacity()))
        .isEqualTo(RequestScanner.Result.VIOLATION);
    assertThat(scanner.position()).isLessThan(last.length() + RequestScanner.MAX_FIELD_LINE + 1);
    assertThat(scanner.failedInHead()).isFalse();
  }

  @Test
  void leadingEmptyLinesAreSkippedNotPassedOn() {
    RequestScanner scanner = new RequestScanner();
    ByteBuffer buf = ByteBuffer.wrap(bytes("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    int skipped = 0;
    int at = 0;
    while (true) {
      RequestScanner.Result r = scanner.scan(buf, at, buf.capacity());
      if (r == RequestScanner.Result.ACCEPT) {
        break;
      }
      assertThat(r).isEqualTo(RequestScanner.Result.SKIP);
      skipped += scanner.position() - scanner.skipFrom();
      at = scanner.position();
    }
    assertThat(skipped).isEqualTo(4);
    assertThat(scanner.completedMessages()).isEqualTo(1);
  }

  @Test
  void aViolationInAHeadIsReportedBeforeTheHeadCanBeComplete() {
    // The bytes before the stop position never contain the empty line that would end the head for
    // Undertow.
    byte[] input = bytes("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    RequestScanner scanner = new RequestScanner();
    assertThat(scanner.scan(ByteBuffer.wrap(input), 0, input.length))
        .isEqualTo(RequestScanner.Result.VIOLATION);
    assertThat(scanner.failedInHead()).isTrue();
    String passed = new String(input, 0, scanner.position(), StandardCharsets.ISO_8859_1);
    assertThat(passed).doesNotContain("\r\n\r\n").endsWith("Host: b\r\n");
  }
}
