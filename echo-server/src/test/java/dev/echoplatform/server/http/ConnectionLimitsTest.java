package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.RawHttp.Response;
import dev.echoplatform.server.testing.TestServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Shared resources one client cannot hold: connections (a per-client cap, silent connections closed
 * after READ_TIMEOUT), the body budget (charged for bytes received), and the probes (their own port
 * and buckets). Before: the per-client cap did not exist, a silent connection lived for
 * IDLE_TIMEOUT, 16 connections declaring 1 MiB and sending one byte each made every other /echo
 * answer 503, and /healthz shared its port, accept queue and rate-limit bucket with client traffic.
 */
class ConnectionLimitsTest {

  @Test
  void oneClientCannotOpenMoreThanItsShareOfConnections() throws Exception {
    try (TestServer s =
        TestServer.start("MAX_CONNECTIONS_PER_CLIENT", "5", "READ_TIMEOUT", "10s")) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 5; i++) {
          held.add(RawHttp.connect(s.port));
        }
        awaitOpen(s, 5);
        RawHttp.Outcome refused =
            RawHttp.rawThenClose(
                s.port,
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(refused.response().status()).isEqualTo(503);
        assertThat(refused.response().header("Retry-After")).isEqualTo("1");
        assertThat(refused.response().header("X-Request-Id")).matches("[0-9a-f]{32}");
        EchoEndpointTest.assertError(
            refused.response(), "too many open connections from 127.0.0.1 (at most 5)");
        assertThat(refused.closed()).isTrue();
        assertThat(s.server.metrics().errorCount(ServerMetrics.ErrorType.CONNECTION_LIMIT))
            .isEqualTo(1);
        // The held connections still work, and a closed one frees a place.
        OutputStream out = held.get(0).getOutputStream();
        out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.read(held.get(0).getInputStream(), false).status()).isEqualTo(200);
        held.remove(0).close();
        awaitOpen(s, 4);
        assertThat(RawHttp.request(s.port, "GET", "/healthz", null).status()).isEqualTo(200);
      } finally {
        for (Socket socket : held) {
          socket.close();
        }
      }
    }
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterReadTimeoutNotIdleTimeout() throws Exception {
    try (TestServer s = TestServer.start("READ_TIMEOUT", "300ms", "IDLE_TIMEOUT", "60s");
        Socket silent = RawHttp.connect(s.port)) {
      long start = System.nanoTime();
      silent.setSoTimeout(5000);
      assertThat(silent.getInputStream().read()).isEqualTo(-1);
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(250L, 2000L);
      assertThat(s.server.metrics().errorCount(ServerMetrics.ErrorType.TIMEOUT)).isEqualTo(1);
      awaitOpen(s, 0);
    }
  }

  @Test
  void aConnectionFloodOnTheServingPortLeavesTheProbesAnswering() throws Exception {
    try (TestServer s =
        TestServer.start("MAX_CONNECTIONS_PER_CLIENT", "50", "READ_TIMEOUT", "10s")) {
      List<Socket> flood = new ArrayList<>();
      try {
        for (int i = 0; i < 80; i++) {
          flood.add(RawHttp.connect(s.port));
        }
        awaitOpen(s, 50);
        // The serving port refuses this client; the management port is another listener with its
        // own limits.
        assertThat(
                RawHttp.rawThenClose(
                        s.port,
                        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII))
                    .response()
                    .status())
            .isEqualTo(503);
        assertThat(RawHttp.request(s.managementPort, "GET", "/healthz", null).status())
            .isEqualTo(200);
        assertThat(RawHttp.request(s.managementPort, "GET", "/readyz", null).status())
            .isEqualTo(200);
      } finally {
        for (Socket socket : flood) {
          socket.close();
        }
      }
    }
  }

  @Test
  void probesOnTheManagementPortDoNotShareTheClientsRateLimitBucket() throws Exception {
    try (TestServer s = TestServer.start("HEALTH_RATE_LIMIT_RPM", "2")) {
      for (int i = 0; i < 2; i++) {
        assertThat(RawHttp.request(s.port, "GET", "/healthz", null).status()).isEqualTo(200);
      }
      assertThat(RawHttp.request(s.port, "GET", "/healthz", null).status()).isEqualTo(429);
      assertThat(RawHttp.request(s.managementPort, "GET", "/healthz", null).status())
          .isEqualTo(200);
      assertThat(RawHttp.request(s.managementPort, "GET", "/readyz", null).status()).isEqualTo(200);
    }
  }

  @Test
  void declaringLargeBodiesAndSendingOneByteHoldsOnlyThatClientsShare() throws Exception {
    // The default budget: 16 MiB, a quarter of it per client. Before, 16 such uploads held all of
    // it.
    try (TestServer s = TestServer.start("READ_TIMEOUT", "10s")) {
      List<Socket> holders = new ArrayList<>();
      try {
        for (int i = 0; i < 32; i++) {
          Socket socket = RawHttp.connect(s.port);
          socket
              .getOutputStream()
              .write(
                  ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          + "Content-Length: 1048576\r\n\r\n{")
                      .getBytes(StandardCharsets.US_ASCII));
          holders.add(socket);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (s.server.bodyBudget().usedBy(InetAddress.getLoopbackAddress()) < 4L << 20
            && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        assertThat(s.server.bodyBudget().usedBy(InetAddress.getLoopbackAddress()))
            .isEqualTo(4L << 20);
        assertThat(s.server.bodyBudget().used()).isEqualTo(4L << 20);
        // The holder's own further uploads are refused ...
        Response own = RawHttp.postJson(s.port, EchoEndpointTest.objectOfSize(1024));
        assertThat(own.status()).isEqualTo(503);
        EchoEndpointTest.assertError(own, "server is busy");
        // ... everybody else's are served.
        byte[] body = EchoEndpointTest.objectOfSize(512 * 1024);
        for (String other : new String[] {"127.0.0.2", "127.0.0.3"}) {
          try (Socket socket = RawHttp.connectFrom(other, s.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(
                ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length
                        + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            Response r = RawHttp.read(socket.getInputStream(), false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(body);
          }
        }
      } finally {
        for (Socket socket : holders) {
          socket.close();
        }
      }
      EchoEndpointTest.awaitBudgetReleased(s);
    }
  }

  @Test
  void aBodyRefusedMidwayIsAnsweredAndTheRestDiscardedSoTheClientReadsTheAnswerNotAReset()
      throws Exception {
    int max = 64 * 1024;
    try (TestServer s =
        TestServer.start(
            "MAX_BODY_SIZE",
            Integer.toString(max),
            "MAX_INFLIGHT_BODY_BYTES",
            Integer.toString(max))) {
      // One upload holds most of the budget with the bytes it sent; the next one runs out midway.
      try (Socket first = RawHttp.connect(s.port);
          Socket second = RawHttp.connect(s.port)) {
        byte[] body = EchoEndpointTest.objectOfSize(max);
        String head =
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + max
                + "\r\n\r\n";
        OutputStream a = first.getOutputStream();
        a.write(head.getBytes(StandardCharsets.US_ASCII));
        a.write(body, 0, 40 * 1024);
        a.flush();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (s.server.bodyBudget().used() < 40 * 1024 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        OutputStream b = second.getOutputStream();
        b.write(head.getBytes(StandardCharsets.US_ASCII));
        b.write(body); // the whole body, before reading anything, as many clients do
        b.flush();
        Response refused = RawHttp.read(second.getInputStream(), false);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        EchoEndpointTest.assertError(refused, "server is busy");
        a.write(body, 40 * 1024, body.length - 40 * 1024);
        a.flush();
        assertThat(RawHttp.read(first.getInputStream(), false).body()).isEqualTo(body);
      }
      EchoEndpointTest.awaitBudgetReleased(s);
    }
  }

  private static void awaitOpen(TestServer s, int expected) throws InterruptedException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (s.server.connectionGuard().openConnections(loopback) != expected
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(s.server.connectionGuard().openConnections(loopback)).isEqualTo(expected);
  }
}
