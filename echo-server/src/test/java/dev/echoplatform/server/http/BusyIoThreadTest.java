package dev.echoplatform.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.echoplatform.server.testing.RawHttp;
import dev.echoplatform.server.testing.RawHttp.Response;
import dev.echoplatform.server.testing.TestServer;
import dev.echoplatform.server.wire.ConnectionGuard;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xnio.XnioWorker;

/**
 * The IO threads run expired timers before they serve the sockets that became readable meanwhile.
 * When they were busy for longer than a timer's period (a CPU-throttled pod), the client's bytes
 * are waiting when the timer fires: none of the timers may then take the client for silent. Each
 * test keeps every IO thread busy past a timer while the client sends, and checks that the request
 * is served as if the server had never been busy.
 */
class BusyIoThreadTest {

  private static final byte[] BODY =
      "{\"while\":\"the server was busy\"}".getBytes(StandardCharsets.US_ASCII);

  private static byte[] head(int contentLength) {
    return ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            + contentLength
            + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** Occupies every IO thread for {@code millis}; returns once all of them are busy. */
  private static CountDownLatch keepIoThreadsBusy(TestServer s, long millis)
      throws InterruptedException {
    XnioWorker worker = s.server.worker();
    int threads = worker.getIoThreadCount();
    CountDownLatch started = new CountDownLatch(threads);
    CountDownLatch finished = new CountDownLatch(threads);
    for (int i = 0; i < threads; i++) {
      worker
          .getIoThread(i)
          .execute(
              () -> {
                started.countDown();
                try {
                  Thread.sleep(millis);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } finally {
                  finished.countDown();
                }
              });
    }
    assertThat(started.await(2, TimeUnit.SECONDS)).isTrue();
    return finished;
  }

  @Test
  void theBodyTimerReadsWhatArrivedBeforeItAnswers408() throws Exception {
    try (TestServer s = TestServer.start("READ_TIMEOUT", "300ms");
        Socket socket = RawHttp.connect(s.port)) {
      OutputStream out = socket.getOutputStream();
      out.write(head(BODY.length));
      out.write(BODY, 0, 10);
      out.flush();
      Thread.sleep(100); // the first part is read, the body timer runs
      CountDownLatch busy = keepIoThreadsBusy(s, 800);
      out.write(BODY, 10, BODY.length - 10);
      out.flush();
      assertThat(busy.await(3, TimeUnit.SECONDS)).isTrue();
      Response r = RawHttp.read(socket.getInputStream(), false);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(BODY);
      assertThat(s.server.metrics().errorCount(ServerMetrics.ErrorType.TIMEOUT)).isZero();
    }
  }

  @Test
  void theFirstByteTimerReadsWhatArrivedBeforeItClosesTheConnection() throws Exception {
    try (TestServer s = TestServer.start("READ_TIMEOUT", "300ms");
        Socket socket = RawHttp.connect(s.port)) {
      Thread.sleep(100); // accepted, the first-byte timer runs
      CountDownLatch busy = keepIoThreadsBusy(s, 800);
      OutputStream out = socket.getOutputStream();
      out.write(head(BODY.length));
      out.write(BODY);
      out.flush();
      assertThat(busy.await(3, TimeUnit.SECONDS)).isTrue();
      Response r = RawHttp.read(socket.getInputStream(), false);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(BODY);
    }
  }

  /**
   * A refused request whose client goes on sending: the connection is closed once the client has
   * been silent for the linger period. Bytes that arrived while the server was busy count as the
   * client's latest sign of life: the linger timer reads them before it judges, and the period
   * starts again from there.
   */
  @Test
  void theLingerTimerReadsWhatArrivedBeforeItClosesTheConnection() throws Exception {
    try (TestServer s = TestServer.start("READ_TIMEOUT", "5s");
        Socket socket = RawHttp.connect(s.port)) {
      OutputStream out = socket.getOutputStream();
      // Two Content-Length headers that disagree: refused by the framing guard, on the raw
      // connection.
      out.write(
          ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n"
                  + "Content-Length: 4001\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      Response r = RawHttp.read(in, false);
      assertThat(r.status()).isEqualTo(400);
      CountDownLatch busy = keepIoThreadsBusy(s, ConnectionGuard.LINGER_MILLIS + 800);
      out.write(new byte[3000]);
      out.flush();
      assertThat(busy.await(ConnectionGuard.LINGER_MILLIS + 3000, TimeUnit.MILLISECONDS)).isTrue();
      // The server sent its FIN with the response; it still reads. A write to a socket the server
      // has closed
      // is answered with a reset, and the next write fails: these all succeed, as the client never
      // paused
      // for the linger period.
      for (int i = 0; i < 8; i++) {
        Thread.sleep(ConnectionGuard.LINGER_MILLIS / 10);
        out.write(new byte[10]);
        out.flush();
      }
      // Silent for longer than the linger period: now the server closes.
      Thread.sleep(ConnectionGuard.LINGER_MILLIS + 500);
      assertThatThrownBy(
              () -> {
                for (int i = 0; i < 20; i++) {
                  out.write(new byte[10]);
                  out.flush();
                  Thread.sleep(20);
                }
              })
          .isInstanceOf(SocketException.class);
    }
  }
}
