package dev.echoplatform.server.http;

import dev.echoplatform.server.wire.RequestIds;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;

/**
 * Gives every request an id: the client's {@code X-Request-Id} when it is 1-128 characters of
 * {@code [A-Za-z0-9._:-]}, otherwise a fresh random 128-bit hex id. The id is returned in the
 * response header and written in the access log line. A valid W3C {@code traceparent} header (Trace
 * Context, level 1) is kept too: echoed in the response and logged as {@code trace_id} and {@code
 * span_id}, so a request can be followed across services; an invalid one is ignored, as the
 * specification asks.
 */
public final class RequestIdHandler implements HttpHandler {

  public static final HttpString HEADER = new HttpString("X-Request-Id");
  public static final int MAX_LENGTH = 128;
  public static final HttpString TRACEPARENT = new HttpString("traceparent");

  private final HttpHandler next;

  public RequestIdHandler(HttpHandler next) {
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    String offered = exchange.getRequestHeaders().getFirst(HEADER);
    String id = isAcceptable(offered) ? offered : RequestIds.generate();
    RequestInfo info = RequestInfo.of(exchange);
    info.requestId = id;
    exchange.getResponseHeaders().put(HEADER, id);
    String traceparent = exchange.getRequestHeaders().getFirst(TRACEPARENT);
    if (isTraceparent(traceparent)) {
      info.traceId = traceparent.substring(3, 35);
      info.spanId = traceparent.substring(36, 52);
      exchange.getResponseHeaders().put(TRACEPARENT, traceparent);
    }
    next.handleRequest(exchange);
  }

  static boolean isAcceptable(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == ':'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code value} is a {@code traceparent} to keep: {@code version-traceid-parentid-flags}
   * in lower-case hex (2-32-16-2 digits), version not {@code ff}, ids not all zero; version 00 has
   * nothing after the flags, a later version may carry more after a {@code -}.
   */
  static boolean isTraceparent(String value) {
    if (value == null || value.length() < 55 || value.length() > 512) {
      return false;
    }
    if (value.charAt(2) != '-'
        || value.charAt(35) != '-'
        || value.charAt(52) != '-'
        || !hex(value, 0, 2)
        || !hex(value, 3, 35)
        || !hex(value, 36, 52)
        || !hex(value, 53, 55)) {
      return false;
    }
    String version = value.substring(0, 2);
    if (version.equals("ff")
        || (version.equals("00")
            ? value.length() != 55
            : value.length() > 55 && value.charAt(55) != '-')) {
      return false;
    }
    return !allZero(value, 3, 35) && !allZero(value, 36, 52);
  }

  private static boolean hex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean allZero(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
