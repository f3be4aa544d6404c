package dev.echoplatform.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;

/**
 * Readiness: 200 {@code {"status":"ready"}}, or 503 {@code {"status":"draining"}} from the moment
 * shutdown begins.
 */
public final class ReadyHandler implements HttpHandler {

  private static final ByteBuffer READY = JsonResponses.constant("{\"status\":\"ready\"}");
  private static final ByteBuffer DRAINING = JsonResponses.constant("{\"status\":\"draining\"}");

  private final BooleanSupplier draining;

  public ReadyHandler(BooleanSupplier draining) {
    this.draining = draining;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    if (draining.getAsBoolean()) {
      JsonResponses.send(exchange, 503, DRAINING);
    } else {
      JsonResponses.send(exchange, 200, READY);
    }
  }
}
