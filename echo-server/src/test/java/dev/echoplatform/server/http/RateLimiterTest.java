package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  @Test
  void bucketGrantsBurstThenRefillsAtItsRate() {
    TokenBucket bucket = new TokenBucket(3, 2, 0);
    assertThat(bucket.tryTake(0)).isZero();
    assertThat(bucket.tryTake(0)).isZero();
    assertThat(bucket.tryTake(0)).isZero();
    long wait = bucket.tryTake(0);
    assertThat(wait).isEqualTo(500_000_000L); // 2 tokens per second
    assertThat(bucket.tryTake(499_000_000L)).isPositive();
    assertThat(bucket.tryTake(500_000_000L)).isZero();
    // A long pause refills only up to the bucket size.
    long later = 100_000_000_000L;
    for (int i = 0; i < 3; i++) {
      assertThat(bucket.tryTake(later)).isZero();
    }
    assertThat(bucket.tryTake(later)).isPositive();
  }

  @Test
  void clientsHaveSeparateBuckets() throws Exception {
    RateLimiter limiter = new RateLimiter(1, 1);
    InetAddress a = InetAddress.getByName("192.0.2.1");
    InetAddress b = InetAddress.getByName("192.0.2.2");
    assertThat(limiter.acquire(a)).isZero();
    assertThat(limiter.acquire(a)).isPositive();
    assertThat(limiter.acquire(b)).isZero();
  }

  @Test
  void aFloodOfDistinctAddressesStaysBounded() throws Exception {
    RateLimiter limiter = new RateLimiter(10, 1);
    int addresses = RateLimiter.MAX_CLIENTS + 20_000;
    for (int i = 0; i < addresses; i++) {
      limiter.acquire(
          InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
    }
    assertThat(limiter.trackedClients()).isLessThanOrEqualTo(RateLimiter.MAX_CLIENTS);
  }
}
