package dev.echoplatform.server.http;

import dev.echoplatform.server.wire.ErrorJson;
import io.undertow.io.IoCallback;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes JSON responses; every error body is {@code {"error":"<message>"}} with {@code
 * Content-Type: application/json}.
 */
public final class JsonResponses {

  public static final String APPLICATION_JSON = "application/json";

  private JsonResponses() {}

  /**
   * Sends a fixed JSON body. {@code body} is shared between requests, so only a duplicate is handed
   * to the sender.
   */
  public static void send(HttpServerExchange exchange, int status, ByteBuffer body) {
    prepare(exchange, status);
    exchange.getResponseSender().send(body.duplicate());
  }

  /** Sends {@code {"error":"<message>"}} with the given status. */
  public static void error(HttpServerExchange exchange, int status, String message) {
    error(exchange, status, message, IoCallback.END_EXCHANGE);
  }

  /**
   * Sends {@code {"error":"<message>"}} with the given status; {@code callback} runs once it is
   * written.
   */
  public static void error(
      HttpServerExchange exchange, int status, String message, IoCallback callback) {
    byte[] body = ErrorJson.of(message);
    prepare(exchange, status);
    exchange.setResponseContentLength(body.length);
    exchange.getResponseSender().send(ByteBuffer.wrap(body), callback);
  }

  /**
   * Sets status and content type. When the request body has not been read to its end, the
   * connection is closed after the response instead of being drained for the next request: draining
   * would read, at the client's pace and without a size limit, bytes nobody wants.
   */
  public static void prepare(HttpServerExchange exchange, int status) {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, APPLICATION_JSON);
    if (!exchange.isRequestComplete()) {
      exchange.setPersistent(false);
    }
  }

  /** A constant JSON body as a read-only buffer, for {@link #send}. */
  public static ByteBuffer constant(String json) {
    return ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
  }
}
