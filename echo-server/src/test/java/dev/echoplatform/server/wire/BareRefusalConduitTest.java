package dev.echoplatform.server.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xnio.conduits.StreamSinkConduit;

/**
 * The safety net behind the scanner: Undertow's own bodiless 400 leaves the server as the server's
 * JSON error.
 */
class BareRefusalConduitTest {

  private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
  private final List<Violation> reported = new ArrayList<>();

  private BareRefusalConduit conduit() {
    StreamSinkConduit socket =
        (StreamSinkConduit)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {StreamSinkConduit.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("write") && args.length == 1) {
                    ByteBuffer b = (ByteBuffer) args[0];
                    int n = b.remaining();
                    byte[] bytes = new byte[n];
                    b.get(bytes);
                    wire.writeBytes(bytes);
                    return n;
                  }
                  return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
    RefusalListener listener =
        new RefusalListener() {
          @Override
          public void refused(
              Violation violation, String requestId, InetAddress client, long nanos, int bytesOut) {
            reported.add(violation);
          }

          @Override
          public void silentConnectionClosed(InetAddress client) {}
        };
    ConnectionGuard guard = new ConnectionGuard(null, listener, 10, 1000, 1000);
    return new BareRefusalConduit(
        socket, guard.new Tracked(null, InetAddress.getLoopbackAddress(), null));
  }

  @Test
  void undertowsBodiless400IsReplacedByTheServersOwnAnswer() throws Exception {
    BareRefusalConduit c = conduit();
    ByteBuffer bare = ByteBuffer.wrap(BareRefusalConduit.UNDERTOW_BAD_REQUEST);
    assertThat(c.write(bare)).isEqualTo(BareRefusalConduit.UNDERTOW_BAD_REQUEST.length);
    assertThat(bare.hasRemaining()).isFalse();
    String out = wire.toString(StandardCharsets.ISO_8859_1);
    assertThat(out)
        .startsWith("HTTP/1.1 400 Bad Request\r\n")
        .contains("Content-Type: application/json\r\n")
        .contains("Connection: close\r\n")
        .containsPattern("X-Request-Id: [0-9a-f]{32}\r\n")
        .endsWith("\r\n\r\n{\"error\":\"malformed request\"}");
    assertThat(reported)
        .singleElement()
        .satisfies(v -> assertThat(v.kind()).isEqualTo(Violation.Kind.BAD_REQUEST));
  }

  @Test
  void everythingElsePassesUnchanged() throws Exception {
    BareRefusalConduit c = conduit();
    byte[] response =
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII);
    c.write(ByteBuffer.wrap(response));
    assertThat(wire.toByteArray()).isEqualTo(response);
    assertThat(reported).isEmpty();
  }
}
