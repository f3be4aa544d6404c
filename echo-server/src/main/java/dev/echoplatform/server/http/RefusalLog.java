package dev.echoplatform.server.http;

import dev.echoplatform.server.wire.RefusalListener;
import dev.echoplatform.server.wire.Violation;
import java.net.InetAddress;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Reports requests refused below the handlers (by the connection guard or the request scanner) like
 * any other: an access-log line, the request histogram and {@code echo_http_errors_total{type}}.
 */
public final class RefusalLog implements RefusalListener {

  private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);

  private final ServerMetrics metrics;
  private final Function<String, String> routeOf;

  public RefusalLog(ServerMetrics metrics, Function<String, String> routeOf) {
    this.metrics = metrics;
    this.routeOf = routeOf;
  }

  @Override
  public void refused(
      Violation violation, String requestId, InetAddress client, long nanos, int bytesOut) {
    metrics.error(ServerMetrics.ErrorType.of(violation.kind()));
    String path = pathOf(violation.target());
    String route = routeOf.apply(path);
    metrics.recordRequest(
        route == null ? RequestInfo.UNMATCHED : route,
        violation.method(),
        violation.status(),
        nanos);
    if (AccessLogHandler.enabled(Level.INFO)) {
      AccessLogHandler.line(
          Level.INFO,
          requestId,
          null,
          null,
          violation.method(),
          path,
          violation.status(),
          nanos,
          0,
          bytesOut,
          client.getHostAddress());
    }
  }

  @Override
  public void silentConnectionClosed(InetAddress client) {
    metrics.error(ServerMetrics.ErrorType.TIMEOUT);
    LOG.atDebug()
        .addKeyValue("client", client.getHostAddress())
        .log("connection sent nothing within READ_TIMEOUT; closed");
  }

  /**
   * The path of a request target as far as it was read: no query, and the path of an absolute-form
   * URI.
   */
  static String pathOf(String target) {
    String t = target;
    int scheme = t.indexOf("://");
    if (scheme > 0 && !t.startsWith("/")) {
      int slash = t.indexOf('/', scheme + 3);
      t = slash < 0 ? "/" : t.substring(slash);
    }
    int query = t.indexOf('?');
    return query < 0 ? t : t.substring(0, query);
  }
}
