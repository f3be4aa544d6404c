package dev.echoplatform.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Protocols;

/**
 * Closes the connection after the response where the framing of the request cannot be trusted for a
 * next one: an HTTP/1.0 request carrying Transfer-Encoding (RFC 9112 §6.1: "MUST treat the message
 * as if the framing is faulty, even if a Content-Length is present, and close the connection after
 * processing the message").
 */
public final class PersistenceHandler implements HttpHandler {

  private final HttpHandler next;

  public PersistenceHandler(HttpHandler next) {
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    if (exchange.getProtocol().equals(Protocols.HTTP_1_0)
        && exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING)) {
      exchange.setPersistent(false);
    }
    next.handleRequest(exchange);
  }
}
