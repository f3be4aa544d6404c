package dev.echoplatform.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.nio.ByteBuffer;

/**
 * Liveness: always 200 {@code {"status":"ok"}}, answered on the I/O thread with no dependency on
 * anything else.
 */
public final class HealthHandler implements HttpHandler {

  private static final ByteBuffer OK = JsonResponses.constant("{\"status\":\"ok\"}");

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    JsonResponses.send(exchange, 200, OK);
  }
}
