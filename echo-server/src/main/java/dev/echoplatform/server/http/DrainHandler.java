package dev.echoplatform.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tracks requests in progress for graceful shutdown. Once {@link #beginDraining()} is called,
 * responses carry {@code Connection: close} so keep-alive clients reconnect (to another replica
 * once this one is unready); once {@link #stopAccepting()} is called, requests still arriving on
 * open connections get 503 with {@code Retry-After}. {@link #awaitIdle} waits for the requests
 * already in progress.
 */
public final class DrainHandler implements HttpHandler {

  private final HttpHandler next;
  private final ServerMetrics metrics;
  private final AtomicInteger active = new AtomicInteger();
  private final Object lock = new Object();
  private volatile boolean draining;
  private volatile boolean rejecting;

  public DrainHandler(HttpHandler next, ServerMetrics metrics) {
    this.next = next;
    this.metrics = metrics;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    if (draining) {
      exchange.setPersistent(false);
    }
    if (rejecting) {
      metrics.error(ServerMetrics.ErrorType.OVERLOADED);
      exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
      JsonResponses.error(exchange, 503, "server is shutting down");
      return;
    }
    active.incrementAndGet();
    exchange.addExchangeCompleteListener(
        (ex, nextListener) -> {
          try {
            if (active.decrementAndGet() == 0) {
              synchronized (lock) {
                lock.notifyAll();
              }
            }
          } finally {
            nextListener.proceed();
          }
        });
    next.handleRequest(exchange);
  }

  public boolean isDraining() {
    return draining;
  }

  /** Readiness turns 503 and connections stop being kept alive. */
  public void beginDraining() {
    draining = true;
  }

  /**
   * New requests are refused with 503 (the listener is closed by then; this covers open
   * connections).
   */
  public void stopAccepting() {
    draining = true;
    rejecting = true;
  }

  public int activeRequests() {
    return active.get();
  }

  /**
   * @return whether all requests in progress completed within {@code timeoutMillis}
   */
  public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (lock) {
      while (active.get() > 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        lock.wait(left);
      }
    }
    return true;
  }
}
