package dev.echoplatform.server.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.net.InetAddress;

/** Per-request facts gathered by the handlers and reported by {@link AccessLogHandler}. */
public final class RequestInfo {

  public static final AttachmentKey<RequestInfo> KEY = AttachmentKey.create(RequestInfo.class);

  /** Route tag for requests whose path matches no route (keeps metric cardinality bounded). */
  public static final String UNMATCHED = "unmatched";

  String requestId;

  /** From a valid W3C traceparent header, else null. */
  String traceId;

  String spanId;
  String route = UNMATCHED;
  InetAddress clientAddress;

  /** Request-body bytes actually read by a handler; -1 when no handler read the body. */
  long bodyBytesRead = -1;

  /** Whether the request histogram has counted this request. */
  boolean recorded;

  public static RequestInfo of(HttpServerExchange exchange) {
    RequestInfo info = exchange.getAttachment(KEY);
    if (info == null) {
      info = new RequestInfo();
      exchange.putAttachment(KEY, info);
    }
    return info;
  }
}
