package dev.echoplatform.server.http;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The budget of request-body bytes held in memory at once (MAX_INFLIGHT_BODY_BYTES), with a share
 * per client (MAX_INFLIGHT_BODY_BYTES_PER_CLIENT). A handler reserves before it buffers (a declared
 * body in full when it starts, a chunked one piece by piece) and releases everything when the
 * exchange completes; a reservation that does not fit the whole budget, or the client's share of
 * it, is refused, and the handler answers 503. One client address (the address rate limiting uses)
 * can therefore never hold more than its share, however many connections it opens or however slowly
 * it sends.
 */
public final class BodyBudget {

  private final long capacity;
  private final long perClient;
  private final AtomicLong used = new AtomicLong();
  private final Map<InetAddress, Long> byClient = new ConcurrentHashMap<>();

  public BodyBudget(long capacity) {
    this(capacity, capacity);
  }

  public BodyBudget(long capacity, long perClient) {
    if (capacity <= 0 || perClient <= 0) {
      throw new IllegalArgumentException(
          "capacity and share must be positive: " + capacity + ", " + perClient);
    }
    this.capacity = capacity;
    this.perClient = Math.min(capacity, perClient);
  }

  /**
   * Reserves {@code bytes} for {@code client} if they fit in what is left of the budget and of its
   * share.
   */
  public boolean tryReserve(InetAddress client, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative reservation: " + bytes);
    }
    while (true) {
      long current = used.get();
      long next = current + bytes;
      if (next > capacity) {
        return false;
      }
      if (used.compareAndSet(current, next)) {
        break;
      }
    }
    boolean[] fits = {false};
    byClient.compute(
        client,
        (k, held) -> {
          long h = held == null ? 0 : held;
          if (h + bytes > perClient) {
            return held;
          }
          fits[0] = true;
          return h + bytes == 0 ? null : h + bytes;
        });
    if (!fits[0]) {
      used.addAndGet(-bytes);
    }
    return fits[0];
  }

  public void release(InetAddress client, long bytes) {
    byClient.computeIfPresent(client, (k, held) -> held - bytes <= 0 ? null : held - bytes);
    long after = used.addAndGet(-bytes);
    if (after < 0) {
      throw new IllegalStateException("body budget released more than reserved: " + after);
    }
  }

  /** Bytes that {@code client} could reserve right now. */
  public long available(InetAddress client) {
    return Math.min(capacity - used.get(), perClient - byClient.getOrDefault(client, 0L));
  }

  public long used() {
    return used.get();
  }

  public long usedBy(InetAddress client) {
    return byClient.getOrDefault(client, 0L);
  }

  public long perClient() {
    return perClient;
  }
}
