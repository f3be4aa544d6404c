package dev.echoplatform.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Measures and logs every request once it completes: one JSON log line (request_id, method, path,
 * status, duration_ms, bytes_in, bytes_out, client) and the {@code http_server_requests_seconds}
 * histogram. A request answered 5xx logs at warn, 4xx at info, anything else at debug: at the
 * default level (info) the log carries the failures, not a line per echo (which cost about a fifth
 * of /echo throughput), and LOG_LEVEL=debug shows every request.
 */
public final class AccessLogHandler implements HttpHandler {

  private static final Logger LOG = LoggerFactory.getLogger("dev.echoplatform.server.access");

  private final HttpHandler next;
  private final ServerMetrics metrics;
  private final Function<String, String> routeOf;
  private final ClientAddresses clients;

  /**
   * @param routeOf maps a request path to its route template, or {@code null} when no route matches
   */
  public AccessLogHandler(
      HttpHandler next,
      ServerMetrics metrics,
      Function<String, String> routeOf,
      ClientAddresses clients) {
    this.next = next;
    this.metrics = metrics;
    this.routeOf = routeOf;
    this.clients = clients;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    long start = System.nanoTime();
    RequestInfo info = RequestInfo.of(exchange);
    String route = routeOf.apply(exchange.getRequestPath());
    info.route = route == null ? RequestInfo.UNMATCHED : route;
    info.clientAddress = clients.resolve(exchange);
    metrics.inflight().incrementAndGet();
    // The histogram counts the request just before its last bytes leave (see RecordingSinkConduit);
    // an exchange
    // that ends without a response written through its channel is counted when it completes.
    exchange.addResponseWrapper(
        (factory, ex) ->
            new RecordingSinkConduit(
                factory.create(),
                ex.getResponseContentLength(),
                () -> record(ex, info, System.nanoTime() - start)));
    exchange.addExchangeCompleteListener(
        (ex, nextListener) -> {
          try {
            complete(ex, info, System.nanoTime() - start);
          } finally {
            nextListener.proceed();
          }
        });
    next.handleRequest(exchange);
  }

  private void record(HttpServerExchange exchange, RequestInfo info, long nanos) {
    if (!info.recorded) {
      info.recorded = true;
      metrics.recordRequest(
          info.route, exchange.getRequestMethod().toString(), exchange.getStatusCode(), nanos);
    }
  }

  private void complete(HttpServerExchange exchange, RequestInfo info, long nanos) {
    metrics.inflight().decrementAndGet();
    int status = exchange.getStatusCode();
    String method = exchange.getRequestMethod().toString();
    record(exchange, info, nanos);
    Level level = levelFor(status);
    if (!LOG.isEnabledForLevel(level)) {
      return;
    }
    long bytesIn =
        info.bodyBytesRead >= 0
            ? info.bodyBytesRead
            : Math.max(0, exchange.getRequestContentLength());
    line(
        level,
        info.requestId,
        info.traceId,
        info.spanId,
        method,
        exchange.getRequestPath(),
        status,
        nanos,
        bytesIn,
        exchange.getResponseBytesSent(),
        info.clientAddress.getHostAddress());
  }

  /** The level of a request's access-log line, by its status. */
  static Level levelFor(int status) {
    return status >= 500 ? Level.WARN : status >= 400 ? Level.INFO : Level.DEBUG;
  }

  /**
   * One access-log line (every request answered, by a handler or below them, is logged through
   * this).
   */
  static void line(
      Level level,
      String requestId,
      String traceId,
      String spanId,
      String method,
      String path,
      int status,
      long nanos,
      long bytesIn,
      long bytesOut,
      String client) {
    var event = LOG.atLevel(level).addKeyValue("request_id", requestId);
    if (traceId != null) {
      event = event.addKeyValue("trace_id", traceId).addKeyValue("span_id", spanId);
    }
    event
        .addKeyValue("method", method)
        .addKeyValue("path", path)
        .addKeyValue("status", status)
        .addKeyValue("duration_ms", Math.round(nanos / 10_000.0) / 100.0)
        .addKeyValue("bytes_in", bytesIn)
        .addKeyValue("bytes_out", bytesOut)
        .addKeyValue("client", client)
        .log("request completed");
  }

  static boolean enabled(Level level) {
    return LOG.isEnabledForLevel(level);
  }
}
