import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The floor under echo-server in versus-nginx.sh (server "bare"): Undertow 2.3 with echo-server's
 * I/O and worker thread counts and nothing else. GET /healthz answers {"status":"ok"} from a
 * constant buffer: no request scanner, rate limit, metrics, access log or connection guard, so what
 * any server built on Undertow pays per request before its own work. POST /echo reads the whole
 * body with Undertow's Receiver and writes it back with its Sender, unvalidated: the straightforward
 * Undertow echo, which costs more than echo-server's own body path. Listens on 127.0.0.1 only.
 *
 * <pre>
 * java &lt;the image's flags&gt; -cp echo-server/target/echo-server.jar echo-server/bench/BareUndertow.java PORT
 * </pre>
 */
public class BareUndertow {
  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    ByteBuffer ok = ByteBuffer.wrap("{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII));
    Undertow server =
        Undertow.builder()
            .addHttpListener(port, "127.0.0.1")
            .setIoThreads(2)
            .setWorkerThreads(4)
            .setServerOption(UndertowOptions.ALWAYS_SET_DATE, true)
            .setHandler(
                exchange -> {
                  exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                  if (exchange.getRequestPath().equals("/echo")) {
                    exchange
                        .getRequestReceiver()
                        .receiveFullBytes((ex, body) -> ex.getResponseSender().send(ByteBuffer.wrap(body)));
                  } else {
                    exchange.getResponseSender().send(ok.duplicate());
                  }
                })
            .build();
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
  }
}
