package dev.echoplatform.server.wire;

import io.undertow.util.DateUtils;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.AcceptingChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;
import org.xnio.conduits.WriteReadyHandler;

/**
 * Accepts connections for one listener and guards them before Undertow sees a byte:
 *
 * <ul>
 *   <li>at most {@code maxPerClient} open connections per client address; one more is answered 503
 *       and closed;
 *   <li>a connection that sends no byte within {@code firstByteMillis} (READ_TIMEOUT) of its accept
 *       is closed;
 *   <li>every byte passes a {@link FramingConduit}; a request it refuses is answered here, on the
 *       raw connection, with the JSON error, {@code X-Request-Id} and {@code Connection: close},
 *       reported to the {@link RefusalListener} (access log and metrics), and the connection is
 *       closed gracefully: the response is followed by a FIN, then what the client still sends is
 *       read and discarded (at most one maximal request, MAX_BODY_SIZE plus a header section, while
 *       some arrive at least every {@value #LINGER_MILLIS} ms) so that the close does not turn into
 *       a reset that would destroy the response before a client still writing its request read it.
 * </ul>
 */
public final class ConnectionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  /** After a refusal, the connection is closed once the client has sent nothing for this long. */
  public static final long LINGER_MILLIS = 2000;

  private final ChannelListener<StreamConnection> openListener;
  private final RefusalListener refusals;
  private final int maxPerClient;
  private final long firstByteMillis;
  private final long lingerBytes;
  private final Map<InetAddress, Integer> perClient = new ConcurrentHashMap<>();

  /**
   * @param openListener Undertow's open listener, given each accepted connection
   * @param maxPerClient open connections allowed per client address
   * @param firstByteMillis time a new connection has to send its first byte
   * @param maxBodySize the largest request body, so that a refused request can be read to its end
   */
  public ConnectionGuard(
      ChannelListener<StreamConnection> openListener,
      RefusalListener refusals,
      int maxPerClient,
      long firstByteMillis,
      long maxBodySize) {
    this.openListener = openListener;
    this.refusals = refusals;
    this.maxPerClient = maxPerClient;
    this.firstByteMillis = firstByteMillis;
    this.lingerBytes = maxBodySize + RequestScanner.MAX_HEADER_SECTION;
  }

  /** The accept listener for {@code XnioWorker.createStreamConnectionServer}. */
  public ChannelListener<AcceptingChannel<StreamConnection>> acceptListener() {
    return server -> {
      StreamConnection connection;
      try {
        connection = server.accept();
      } catch (IOException e) {
        LOG.atDebug().setCause(e).log("accept failed");
        return;
      }
      if (connection != null) {
        accepted(connection);
      }
    };
  }

  /** Open connections of {@code client} (tests and metrics). */
  public int openConnections(InetAddress client) {
    return perClient.getOrDefault(client, 0);
  }

  private void accepted(StreamConnection connection) {
    InetSocketAddress peer = connection.getPeerAddress(InetSocketAddress.class);
    InetAddress client = peer == null ? InetAddress.getLoopbackAddress() : peer.getAddress();
    StreamSourceConduit rawSource = connection.getSourceChannel().getConduit();
    StreamSinkConduit rawSink = connection.getSinkChannel().getConduit();
    Tracked tracked = new Tracked(connection, client, rawSink);
    int open = perClient.merge(client, 1, Integer::sum);
    if (open > maxPerClient) {
      release(client);
      tracked.refuse(
          new Violation(
              503,
              Violation.Kind.CONNECTION_LIMIT,
              "too many open connections from "
                  + client.getHostAddress()
                  + " (at most "
                  + maxPerClient
                  + "); retry later",
              "",
              ""),
          rawSource);
      return;
    }
    // XNIO merges close listeners: Undertow's, set in handleEvent, runs besides this one.
    FramingConduit framing = new FramingConduit(rawSource, tracked);
    connection.setCloseListener(
        c -> {
          release(client);
          tracked.cancelFirstByteTimer();
          framing.unregister(c);
        });
    framing.register(connection);
    connection.getSourceChannel().setConduit(framing);
    connection.getSinkChannel().setConduit(new BareRefusalConduit(rawSink, tracked));
    tracked.firstByteTimer =
        connection
            .getIoThread()
            .executeAfter(tracked::closeIfSilent, firstByteMillis, TimeUnit.MILLISECONDS);
    openListener.handleEvent(connection);
  }

  private void release(InetAddress client) {
    perClient.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** One accepted connection: what the conduit reports, and the refusal of a request. */
  final class Tracked {
    private final StreamConnection connection;
    private final InetAddress client;
    private final StreamSinkConduit rawSink;
    private XnioExecutor.Key firstByteTimer;
    private boolean sawBytes;
    private long requestStart = System.nanoTime();

    Tracked(StreamConnection connection, InetAddress client, StreamSinkConduit rawSink) {
      this.connection = connection;
      this.client = client;
      this.rawSink = rawSink;
    }

    void bytesReceived(int n) {
      if (!sawBytes) {
        sawBytes = true;
        cancelFirstByteTimer();
      }
    }

    /** The first byte of a new request was read (start of the refused request's duration). */
    void requestStarted() {
      requestStart = System.nanoTime();
    }

    void cancelFirstByteTimer() {
      XnioExecutor.Key key = firstByteTimer;
      if (key != null) {
        key.remove();
        firstByteTimer = null;
      }
    }

    /**
     * The first-byte timer. Expired timers run before the IO thread serves the sockets that became
     * readable meanwhile, so a first byte may be waiting: the connection's read listener
     * (Undertow's) is run once to read it before the connection is judged silent.
     */
    private void closeIfSilent() {
      firstByteTimer = null;
      if (sawBytes || !connection.isOpen()) {
        return;
      }
      ConduitStreamSourceChannel source = connection.getSourceChannel();
      ChannelListener<? super ConduitStreamSourceChannel> reader = source.getReadListener();
      if (reader != null && source.isReadResumed()) {
        ChannelListeners.invokeChannelListener(source, reader);
      }
      if (!sawBytes && connection.isOpen()) {
        refusals.silentConnectionClosed(client);
        IoUtils.safeClose(connection);
      }
    }

    /**
     * The server's own answer in place of a bare 400 Undertow wrote by itself (see {@link
     * BareRefusalConduit}), reported like every refusal.
     */
    byte[] replaceBareRefusal() {
      String requestId = RequestIds.generate();
      Violation v = new Violation(400, Violation.Kind.BAD_REQUEST, "malformed request", "", "");
      byte[] response = render(v, requestId);
      try {
        refusals.refused(v, requestId, client, System.nanoTime() - requestStart, response.length);
      } catch (RuntimeException e) {
        LOG.atWarn().setCause(e).log("reporting a refused request failed");
      }
      return response;
    }

    /**
     * Answers {@code violation} on the raw connection and closes it gracefully. {@code rawSource}
     * is the socket's own conduit: from here on it is read only to discard what the client still
     * sends.
     */
    void refuse(Violation violation, StreamSourceConduit rawSource) {
      cancelFirstByteTimer();
      String requestId = RequestIds.generate();
      byte[] response = render(violation, requestId);
      try {
        refusals.refused(
            violation, requestId, client, System.nanoTime() - requestStart, response.length);
      } catch (RuntimeException e) {
        LOG.atWarn().setCause(e).log("reporting a refused request failed");
      }
      new Refusal(rawSource, ByteBuffer.wrap(response)).start();
    }

    /**
     * Writes the response, then FIN, then discards input until EOF, the byte bound or the deadline:
     * close.
     */
    private final class Refusal implements ReadReadyHandler, WriteReadyHandler {
      private final StreamSourceConduit source;
      private final ByteBuffer response;
      private long discarded;
      private boolean written;
      private boolean closed;

      /**
       * When bytes last arrived (nanoTime); the connection closes once none came for LINGER_MILLIS.
       */
      private long lastProgress = System.nanoTime();

      Refusal(StreamSourceConduit source, ByteBuffer response) {
        this.source = source;
        this.response = response;
      }

      void start() {
        source.setReadReadyHandler(this);
        rawSink.setWriteReadyHandler(this);
        connection.getIoThread().executeAfter(this::onLinger, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        source.resumeReads();
        writeReady();
      }

      @Override
      public void writeReady() {
        try {
          while (response.hasRemaining()) {
            if (rawSink.write(response) == 0) {
              rawSink.resumeWrites();
              return;
            }
          }
          if (!written) {
            rawSink.terminateWrites();
            written = true;
          }
          if (!rawSink.flush()) {
            rawSink.resumeWrites();
            return;
          }
          rawSink.suspendWrites();
        } catch (IOException e) {
          close();
        }
      }

      @Override
      public void readReady() {
        try {
          while (!closed) {
            int n = source.read(DiscardBuffer.get());
            if (n == 0) {
              return;
            }
            if (n < 0 || (discarded += n) > lingerBytes) {
              close();
              return;
            }
            lastProgress = System.nanoTime();
          }
        } catch (IOException e) {
          close();
        }
      }

      /**
       * The linger timer: one per refusal, re-armed for the rest of the period while bytes keep
       * coming. It first reads what is already waiting (the IO thread runs expired timers before it
       * serves the sockets that became readable meanwhile), so that a busy thread does not close a
       * connection with unread input, which the kernel would answer with a reset that destroys the
       * response.
       */
      private void onLinger() {
        readReady();
        if (closed) {
          return;
        }
        long idleNanos = System.nanoTime() - lastProgress;
        long limitNanos = TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
        if (idleNanos < limitNanos) {
          connection
              .getIoThread()
              .executeAfter(this::onLinger, limitNanos - idleNanos, TimeUnit.NANOSECONDS);
        } else {
          close();
        }
      }

      private void close() {
        closed = true;
        IoUtils.safeClose(connection);
      }

      @Override
      public void forceTermination() {
        close();
      }

      @Override
      public void terminated() {}
    }
  }

  /**
   * The raw error response: status line, JSON error body, request id, {@code Connection: close}.
   */
  static byte[] render(Violation violation, String requestId) {
    byte[] body = ErrorJson.of(violation.message());
    StringBuilder head =
        new StringBuilder(256)
            .append("HTTP/1.1 ")
            .append(violation.status())
            .append(' ')
            .append(violation.reason())
            .append("\r\n")
            .append("Content-Type: application/json\r\n")
            .append("Content-Length: ")
            .append(body.length)
            .append("\r\n")
            .append("Connection: close\r\n")
            .append("X-Request-Id: ")
            .append(requestId)
            .append("\r\n");
    if (violation.status() == 503) {
      head.append("Retry-After: 1\r\n");
    }
    head.append("Date: ").append(DateUtils.toDateString(new Date())).append("\r\n\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, out, 0, headBytes.length);
    System.arraycopy(body, 0, out, headBytes.length, body.length);
    return out;
  }
}
