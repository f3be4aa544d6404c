package dev.echoplatform.server.http;

/**
 * A token bucket: {@code capacity} tokens, refilled continuously at {@code tokensPerSecond}.
 * Thread-safe.
 */
final class TokenBucket {

  private final double capacity;
  private final double tokensPerNano;
  private double tokens;
  private long lastRefill;

  TokenBucket(double capacity, double tokensPerSecond, long nowNanos) {
    this.capacity = capacity;
    this.tokensPerNano = tokensPerSecond / 1e9;
    this.tokens = capacity;
    this.lastRefill = nowNanos;
  }

  /**
   * Takes one token. @return 0 when granted, else the nanoseconds until a token will be available
   */
  synchronized long tryTake(long nowNanos) {
    if (nowNanos > lastRefill) {
      tokens = Math.min(capacity, tokens + (nowNanos - lastRefill) * tokensPerNano);
      lastRefill = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1 - tokens) / tokensPerNano));
  }
}
