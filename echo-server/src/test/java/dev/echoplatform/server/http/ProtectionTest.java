package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.RawHttp.Response;
import dev.echoplatform.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProtectionTest {

  @Test
  void generalBudgetRunsOutWith429AndRetryAfter() throws Exception {
    try (TestServer s = TestServer.start("RATE_LIMIT_RPS", "1", "RATE_LIMIT_BURST", "3")) {
      for (int i = 0; i < 3; i++) {
        assertThat(RawHttp.postJson(s.port, "{}").status()).isEqualTo(200);
      }
      Response limited = RawHttp.postJson(s.port, "{}");
      assertThat(limited.status()).isEqualTo(429);
      assertThat(limited.header("Retry-After")).isEqualTo("1");
      EchoEndpointTest.assertError(limited, "rate limit exceeded");
      // /metrics and unknown paths draw from the same budget; health endpoints do not.
      assertThat(RawHttp.request(s.port, "GET", "/metrics", null).status()).isEqualTo(429);
      assertThat(RawHttp.request(s.port, "GET", "/nope", null).status()).isEqualTo(429);
      assertThat(RawHttp.request(s.port, "GET", "/healthz", null).status()).isEqualTo(200);
      assertThat(RawHttp.request(s.port, "GET", "/readyz", null).status()).isEqualTo(200);
      assertThat(s.server.metrics().errorCount(ServerMetrics.ErrorType.RATE_LIMITED)).isEqualTo(3);
      Thread.sleep(1100);
      assertThat(RawHttp.postJson(s.port, "{}").status()).isEqualTo(200);
    }
  }

  @Test
  void healthBudgetIsSeparateAndPerMinute() throws Exception {
    try (TestServer s = TestServer.start("HEALTH_RATE_LIMIT_RPM", "2")) {
      assertThat(RawHttp.request(s.port, "GET", "/healthz", null).status()).isEqualTo(200);
      assertThat(RawHttp.request(s.port, "HEAD", "/readyz", null).status()).isEqualTo(200);
      Response limited = RawHttp.request(s.port, "GET", "/healthz", null);
      assertThat(limited.status()).isEqualTo(429);
      // One token per 30 s at 2 per minute.
      assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(29, 30);
      assertThat(RawHttp.postJson(s.port, "{}").status()).isEqualTo(200);
    }
  }

  @Test
  void forwardedForIsIgnoredUnlessThePeerIsTrusted() throws Exception {
    try (TestServer untrusted = TestServer.start("RATE_LIMIT_RPS", "1", "RATE_LIMIT_BURST", "1")) {
      assertThat(RawHttp.postJson(untrusted.port, "{}").status()).isEqualTo(200);
      // A client cannot escape its budget by claiming another address.
      assertThat(
              RawHttp.request(
                      untrusted.port,
                      "POST",
                      "/echo",
                      "{}".getBytes(StandardCharsets.UTF_8),
                      "Content-Type: application/json",
                      "X-Forwarded-For: 203.0.113.9")
                  .status())
          .isEqualTo(429);
    }
    try (TestServer trusted =
        TestServer.start(
            "RATE_LIMIT_RPS", "1", "RATE_LIMIT_BURST", "1", "TRUSTED_PROXIES", "127.0.0.0/8")) {
      assertThat(forwarded(trusted, "203.0.113.9")).isEqualTo(200);
      assertThat(forwarded(trusted, "203.0.113.9")).isEqualTo(429);
      assertThat(forwarded(trusted, "203.0.113.10")).isEqualTo(200);
      // The right-most untrusted entry counts: a spoofed left part does not buy a new budget.
      assertThat(forwarded(trusted, "198.51.100.1, 203.0.113.10")).isEqualTo(429);
      // Trusted hops on the right are skipped.
      assertThat(forwarded(trusted, "203.0.113.11, 127.0.0.5")).isEqualTo(200);
      assertThat(forwarded(trusted, "203.0.113.11, 127.0.0.5")).isEqualTo(429);
    }
  }

  private static int forwarded(TestServer s, String xff) throws IOException {
    return RawHttp.request(
            s.port,
            "POST",
            "/echo",
            "{}".getBytes(StandardCharsets.UTF_8),
            "Content-Type: application/json",
            "X-Forwarded-For: " + xff)
        .status();
  }

  @Test
  void manyConcurrentLargeUploadsGet503PastTheBudgetThenTheServerRecovers() throws Exception {
    int bodySize = 64 * 1024;
    int uploads = 40;
    // Room for 4 bodies at once, all of it available to this one client.
    try (TestServer s =
        TestServer.start(
            "MAX_BODY_SIZE",
            Integer.toString(bodySize),
            "MAX_INFLIGHT_BODY_BYTES",
            Integer.toString(4 * bodySize),
            "MAX_INFLIGHT_BODY_BYTES_PER_CLIENT",
            Integer.toString(4 * bodySize))) {
      byte[] body = EchoEndpointTest.objectOfSize(bodySize);
      CountDownLatch headersSent = new CountDownLatch(uploads);
      CountDownLatch release = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(uploads);
      try {
        List<Future<Response>> results = new ArrayList<>();
        for (int i = 0; i < uploads; i++) {
          results.add(
              pool.submit(
                  () -> {
                    try (Socket socket = RawHttp.connect(s.port)) {
                      OutputStream out = socket.getOutputStream();
                      out.write(
                          ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                  + "Content-Length: "
                                  + bodySize
                                  + "\r\n\r\n")
                              .getBytes(StandardCharsets.US_ASCII));
                      out.write(body, 0, 100); // start the upload, then hold it open
                      out.flush();
                      headersSent.countDown();
                      release.await(5, TimeUnit.SECONDS);
                      // A refused upload is answered at once and the rest of its body is read and
                      // discarded:
                      // writing it never fails, and the answer is there to read.
                      out.write(body, 100, body.length - 100);
                      out.flush();
                      return RawHttp.read(socket.getInputStream(), false);
                    }
                  }));
        }
        assertThat(headersSent.await(5, TimeUnit.SECONDS)).isTrue();
        // Wait until the server has decided on every request: admitted ones hold a reservation of
        // their whole
        // declared body and wait for it; rejected ones have been answered (and have the rest
        // discarded).
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (s.server.metrics().errorCount(ServerMetrics.ErrorType.OVERLOADED)
                    + s.server.bodyBudget().used() / bodySize
                < uploads
            && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        assertThat(s.server.bodyBudget().used()).isEqualTo(4L * bodySize);
        release.countDown();
        int ok = 0;
        int overloaded = 0;
        for (Future<Response> f : results) {
          Response r = f.get(10, TimeUnit.SECONDS);
          if (r.status() == 200) {
            assertThat(r.body()).isEqualTo(body);
            ok++;
          } else {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isEqualTo("1");
            EchoEndpointTest.assertError(r, "server is busy");
            overloaded++;
          }
        }
        assertThat(ok).isEqualTo(4);
        assertThat(overloaded).isEqualTo(uploads - 4);
        assertThat(s.server.metrics().errorCount(ServerMetrics.ErrorType.OVERLOADED))
            .isEqualTo(overloaded);
      } finally {
        pool.shutdownNow();
      }
      EchoEndpointTest.awaitBudgetReleased(s);
      Response after = RawHttp.postJson(s.port, body);
      assertThat(after.status()).isEqualTo(200);
      assertThat(after.body()).isEqualTo(body);
    }
  }

  @Test
  void slowlorisHeadersAreCutOffByReadTimeout() throws Exception {
    try (TestServer s = TestServer.start("READ_TIMEOUT", "400ms")) {
      try (Socket socket = RawHttp.connect(s.port)) {
        String head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(40);
        assertThat(trickleUntilClosed(socket, head.getBytes(StandardCharsets.US_ASCII)))
            .isLessThan(1500);
      }
    }
  }

  @Test
  void aBodyThatPausesLongerThanReadTimeoutIsAnswered408AndTheConnectionCloses() throws Exception {
    try (TestServer s = TestServer.start("READ_TIMEOUT", "400ms")) {
      try (Socket socket = RawHttp.connect(s.port)) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long start = System.nanoTime();
        Response r = RawHttp.read(socket.getInputStream(), false);
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(350L, 1500L);
        assertThat(r.status()).isEqualTo(408);
        EchoEndpointTest.assertError(r, "request body paused for more than READ_TIMEOUT (400 ms)");
        assertThat(r.header("Connection")).isEqualTo("close");
        assertThat(awaitClosed(socket)).isTrue();
      }
      assertThat(s.server.metrics().errorCount(ServerMetrics.ErrorType.TIMEOUT)).isEqualTo(1);
      EchoEndpointTest.awaitBudgetReleased(s);
      awaitNoInflight(s);
    }
  }

  @Test
  void aBodyThatKeepsArrivingSlowlyIsNotCutOffAndHoldsOnlyItsShare() throws Exception {
    try (TestServer s = TestServer.start("READ_TIMEOUT", "300ms")) {
      try (Socket socket = RawHttp.connect(s.port)) {
        byte[] body = "{\"slow\":\"but steady\"}".getBytes(StandardCharsets.US_ASCII);
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        for (byte b : body) { // about 1.2 s in all, no pause longer than 50 ms
          out.write(b);
          out.flush();
          Thread.sleep(50);
        }
        Response r = RawHttp.read(socket.getInputStream(), false);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(body);
      }
    }
  }

  @Test
  void clientThatStopsReadingIsCutOffByWriteTimeout() throws Exception {
    int size = 16 * 1024 * 1024; // far more than the socket buffers hold
    try (TestServer s =
        TestServer.start(
            "WRITE_TIMEOUT",
            "300ms",
            "MAX_BODY_SIZE",
            Integer.toString(size),
            "MAX_INFLIGHT_BODY_BYTES",
            Integer.toString(size))) {
      byte[] body = EchoEndpointTest.objectOfSize(size);
      try (Socket socket = new Socket()) {
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", s.port), 2000);
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + size
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        Thread.sleep(1500); // read nothing while the server tries to write the echo
        socket.setSoTimeout(5000);
        InputStream in = socket.getInputStream();
        long received = 0;
        try {
          byte[] chunk = new byte[65536];
          int n;
          while ((n = in.read(chunk)) != -1) {
            received += n;
          }
        } catch (SocketException reset) {
          // closed by the server while data was still in flight
        }
        assertThat(received).as("bytes received before the server gave up").isLessThan(size);
      }
      EchoEndpointTest.awaitBudgetReleased(s);
    }
  }

  @Test
  void idleKeepAliveConnectionsAreClosed() throws Exception {
    try (TestServer s = TestServer.start("IDLE_TIMEOUT", "300ms")) {
      try (Socket socket = RawHttp.connect(s.port)) {
        socket
            .getOutputStream()
            .write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.read(socket.getInputStream(), false).status()).isEqualTo(200);
        long start = System.nanoTime();
        socket.setSoTimeout(3000);
        assertThat(socket.getInputStream().read()).isEqualTo(-1);
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(200L, 2000L);
      }
    }
  }

  private static void awaitNoInflight(TestServer s) throws InterruptedException {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (s.server.metrics().inflight().get() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(s.server.metrics().inflight().get()).isZero();
  }

  /**
   * Writes {@code bytes} one every 50 ms until the server closes the connection.
   *
   * @return milliseconds from the first byte until the close was noticed
   */
  private static long trickleUntilClosed(Socket socket, byte[] bytes) throws Exception {
    OutputStream out = socket.getOutputStream();
    long start = System.nanoTime();
    boolean closed = false;
    for (int i = 0; i < bytes.length && !closed; i++) {
      try {
        out.write(bytes[i]);
        out.flush();
        Thread.sleep(50);
      } catch (SocketException e) {
        closed = true;
      }
      closed |= isClosed(socket);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(closed || awaitClosed(socket)).as("connection closed by the server").isTrue();
    return millis;
  }

  /** Non-blocking probe: has the server closed (EOF) or reset the connection? */
  private static boolean isClosed(Socket socket) throws IOException {
    int old = socket.getSoTimeout();
    socket.setSoTimeout(1);
    try {
      return socket.getInputStream().read() == -1;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    } finally {
      socket.setSoTimeout(old);
    }
  }

  private static boolean awaitClosed(Socket socket) throws IOException {
    socket.setSoTimeout(1000);
    InputStream in = socket.getInputStream();
    try {
      return in.read() == -1;
    } catch (SocketException e) {
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    }
  }
}
