package dev.echoplatform.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.net.InetAddress;

/**
 * Applies the per-client rate limits: /healthz and /readyz draw from the health budget, every other
 * path (including /metrics and unknown paths) from the general one. Over budget: 429 with {@code
 * Retry-After} (whole seconds until a token is back) and a JSON error.
 */
public final class RateLimitHandler implements HttpHandler {

  private final HttpHandler next;
  private final RateLimiter general;
  private final RateLimiter health;
  private final ServerMetrics metrics;

  public RateLimitHandler(
      HttpHandler next, RateLimiter general, RateLimiter health, ServerMetrics metrics) {
    this.next = next;
    this.general = general;
    this.health = health;
    this.metrics = metrics;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    InetAddress client = RequestInfo.of(exchange).clientAddress;
    RateLimiter limiter = Routes.isHealth(exchange.getRequestPath()) ? health : general;
    long waitNanos = limiter.acquire(client);
    if (waitNanos > 0) {
      metrics.error(ServerMetrics.ErrorType.RATE_LIMITED);
      long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
      exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(seconds));
      JsonResponses.error(exchange, 429, "rate limit exceeded; retry after " + seconds + "s");
      return;
    }
    next.handleRequest(exchange);
  }
}
