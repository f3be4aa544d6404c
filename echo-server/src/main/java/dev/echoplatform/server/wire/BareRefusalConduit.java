package dev.echoplatform.server.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

/**
 * The connection's sink conduit, directly above the socket: a safety net behind the request
 * scanner. When Undertow refuses a request head by itself, it writes a fixed, bodiless 400 ({@code
 * HttpReadListener}'s constant) and closes. The scanner is built never to let such a head through
 * (and the fuzz tests look for one); should a future Undertow be stricter than it somewhere, this
 * conduit replaces those exact bytes by the server's own answer (JSON error, {@code X-Request-Id},
 * access log, {@code echo_http_errors_total{type="bad_request"}}), so that every error keeps the
 * same contract. No answer of the server's own can be these bytes: each carries {@code
 * X-Request-Id}.
 */
final class BareRefusalConduit extends AbstractStreamSinkConduit<StreamSinkConduit> {

  static final byte[] UNDERTOW_BAD_REQUEST =
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  private final ConnectionGuard.Tracked connection;

  BareRefusalConduit(StreamSinkConduit next, ConnectionGuard.Tracked connection) {
    super(next);
    this.connection = connection;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (isUndertowsBadRequest(src)) {
      int n = src.remaining();
      ByteBuffer answer = ByteBuffer.wrap(connection.replaceBareRefusal());
      while (answer.hasRemaining() && next.write(answer) > 0) {
        // the answer is small: it goes out in one write unless the client stopped reading
      }
      src.position(src.limit());
      return n;
    }
    return next.write(src);
  }

  @Override
  public int writeFinal(ByteBuffer src) throws IOException {
    if (isUndertowsBadRequest(src)) {
      int n = write(src);
      next.terminateWrites();
      return n;
    }
    return next.writeFinal(src);
  }

  private static boolean isUndertowsBadRequest(ByteBuffer src) {
    if (src.remaining() != UNDERTOW_BAD_REQUEST.length) {
      return false;
    }
    for (int i = 0; i < UNDERTOW_BAD_REQUEST.length; i++) {
      if (src.get(src.position() + i) != UNDERTOW_BAD_REQUEST[i]) {
        return false;
      }
    }
    return true;
  }
}
