package dev.echoplatform.server.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetAddress;
import java.time.Duration;

/**
 * Per-client token buckets, keyed by client address, in a Caffeine cache bounded in size (a flood
 * of distinct source addresses evicts old entries instead of growing memory) and expiring idle
 * clients.
 */
public final class RateLimiter {

  /**
   * Bound on tracked clients per limiter of the serving port; about 150 bytes each, so ≈ 1.5 MiB at
   * the bound. Past it the least valuable buckets are evicted (a returning client starts with a
   * full bucket again).
   */
  public static final int MAX_CLIENTS = 10_000;

  private final Cache<InetAddress, TokenBucket> buckets;
  private final double capacity;
  private final double perSecond;

  public RateLimiter(double capacity, double perSecond) {
    this(capacity, perSecond, MAX_CLIENTS);
  }

  public RateLimiter(double capacity, double perSecond, int maxClients) {
    this.capacity = capacity;
    this.perSecond = perSecond;
    // A bucket left alone for the time it takes to refill completely is full again: forgetting it
    // changes nothing.
    long refillSeconds = (long) Math.ceil(capacity / perSecond);
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(maxClients)
            .expireAfterAccess(Duration.ofSeconds(Math.max(1, refillSeconds)))
            .executor(Runnable::run)
            .build();
  }

  /**
   * @return 0 when the request may proceed, else the nanoseconds until this client has a token
   *     again
   */
  public long acquire(InetAddress client) {
    long now = System.nanoTime();
    return buckets.get(client, c -> new TokenBucket(capacity, perSecond, now)).tryTake(now);
  }

  long trackedClients() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }
}
