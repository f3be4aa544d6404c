package dev.echoplatform.server.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Prometheus text exposition of the registry. Scraping takes a few milliseconds, so it runs on a
 * worker thread.
 */
public final class MetricsHandler implements HttpHandler {

  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** How long a scrape waits for the JVM meters registered in the background just after start. */
  static final long JVM_METRICS_WAIT_MILLIS = 5_000;

  private final ServerMetrics metrics;
  private final PrometheusMeterRegistry registry;

  public MetricsHandler(ServerMetrics metrics) {
    this.metrics = metrics;
    this.registry = metrics.registry();
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws InterruptedException {
    if (exchange.isInIoThread()) {
      exchange.dispatch(this);
      return;
    }
    metrics.awaitJvmMetrics(JVM_METRICS_WAIT_MILLIS);
    byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
    JsonResponses.prepare(exchange, 200);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, CONTENT_TYPE);
    exchange.getResponseSender().send(ByteBuffer.wrap(body));
  }
}
