package dev.echoplatform.server.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The global budget of request-body bytes held in memory at once (MAX_INFLIGHT_BODY_BYTES). A handler reserves
 * each piece of buffer before allocating it and releases everything when the exchange completes; a reservation that
 * does not fit is refused, and the handler answers 503.
 */
public final class BodyBudget {

    private final long capacity;
    private final AtomicLong used = new AtomicLong();

    public BodyBudget(long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    /** Reserves {@code bytes} if they fit in what is left of the budget. */
    public boolean tryReserve(long bytes) {
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
                return true;
            }
        }
    }

    public void release(long bytes) {
        long after = used.addAndGet(-bytes);
        if (after < 0) {
            throw new IllegalStateException("body budget released more than reserved: " + after);
        }
    }

    /** Bytes that could be reserved right now. */
    public long available() {
        return capacity - used.get();
    }

    public long used() {
        return used.get();
    }
}
