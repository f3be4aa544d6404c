package dev.echoplatform.server.wire;

import io.undertow.server.AbstractServerConnection;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.xnio.StreamConnection;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSourceConduit;

/**
 * The connection's source conduit, directly above the socket and below everything of Undertow's:
 * every byte read is passed through a {@link RequestScanner}, and nothing the scanner refuses
 * reaches Undertow's parser.
 *
 * <p>When the scanner refuses a byte, the bytes before it are still passed on (they complete the
 * previous request, or are a harmless partial head), and then:
 *
 * <ul>
 *   <li>a problem in a request <em>head</em> is answered by the {@link ConnectionGuard} itself, on
 *       the raw connection, as soon as Undertow asks for the next bytes of that head: by then no
 *       exchange of this connection is in progress (Undertow parses the next head only once the
 *       previous exchange is complete);
 *   <li>a problem in a request <em>body</em> (chunked framing, trailers) makes further reads return
 *       no data, and the handler reading the body finds it with {@link #pendingViolation} and
 *       answers it (Undertow's chunked decoder closes the connection on any read error, so the
 *       problem cannot travel as an exception). A handler that does not read the body has answered
 *       already.
 * </ul>
 *
 * Either way the connection is closed after the answer.
 */
public final class FramingConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {

  private enum Mode {
    PASS,
    PENDING_HEAD,
    PENDING_BODY,
    TAKEN_OVER
  }

  /** The conduit of every open connection, for {@link #pendingViolation}. */
  private static final Map<StreamConnection, FramingConduit> OPEN = new ConcurrentHashMap<>();

  private final RequestScanner scanner = new RequestScanner();
  private final ConnectionGuard.Tracked connection;
  private Mode mode = Mode.PASS;
  private Violation pending;
  private ReadReadyHandler upstream;

  FramingConduit(StreamSourceConduit next, ConnectionGuard.Tracked connection) {
    super(next);
    this.connection = connection;
  }

  void register(StreamConnection channel) {
    OPEN.put(channel, this);
  }

  void unregister(StreamConnection channel) {
    OPEN.remove(channel);
  }

  /**
   * The framing problem found in the body of the request being read on {@code exchange}'s
   * connection, if any. A handler that reads a body asks when a read returns no data.
   */
  public static Violation pendingViolation(HttpServerExchange exchange) {
    if (exchange.getConnection() instanceof AbstractServerConnection server) {
      FramingConduit conduit = OPEN.get(server.getChannel());
      if (conduit != null && conduit.mode == Mode.PENDING_BODY) {
        return conduit.pending;
      }
    }
    return null;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    switch (mode) {
      case PENDING_HEAD -> {
        takeOver();
        return 0;
      }
      case PENDING_BODY -> {
        return 0;
      }
      case TAKEN_OVER -> {
        return 0;
      }
      default -> {}
    }
    int start = dst.position();
    boolean startedInHead = scanner.inHead();
    boolean newRequest = scanner.atMessageStart();
    long startMessages = scanner.completedMessages();
    int n = next.read(dst);
    if (n <= 0) {
      return n;
    }
    connection.bytesReceived(n);
    if (newRequest) {
      connection.requestStarted();
    }
    int end = dst.position();
    int at = start;
    while (true) {
      RequestScanner.Result result = scanner.scan(dst, at, end);
      if (result == RequestScanner.Result.ACCEPT) {
        return end - start;
      }
      if (result == RequestScanner.Result.SKIP) {
        end = remove(dst, scanner.skipFrom(), scanner.position(), end);
        at = scanner.skipFrom();
        continue;
      }
      pending = scanner.violation();
      boolean inHead = scanner.failedInHead();
      // Of a refused head, nothing that arrived in this read is passed on (Undertow never parses
      // it).
      int cut =
          inHead && scanner.messageStart() >= start ? scanner.messageStart() : scanner.position();
      dst.position(cut);
      int delivered = cut - start;
      if (inHead) {
        mode = Mode.PENDING_HEAD;
        if (delivered == 0 && startedInHead && startMessages == scanner.completedMessages()) {
          takeOver();
        }
        return delivered;
      }
      mode = Mode.PENDING_BODY;
      return delivered;
    }
  }

  /** Removes {@code buf[from, to)} by moving {@code buf[to, end)} down; returns the new end. */
  private static int remove(ByteBuffer buf, int from, int to, int end) {
    int n = to - from;
    for (int k = to; k < end; k++) {
      buf.put(k - n, buf.get(k));
    }
    buf.position(end - n);
    return end - n;
  }

  @Override
  public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
    long total = 0;
    for (int k = offs; k < offs + len; k++) {
      ByteBuffer dst = dsts[k];
      if (!dst.hasRemaining()) {
        continue;
      }
      int n = read(dst);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
      if (dst.hasRemaining() || mode != Mode.PASS) {
        break;
      }
    }
    return total;
  }

  @Override
  public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target)
      throws IOException {
    return Conduits.transfer(this, count, throughBuffer, target);
  }

  @Override
  public long transferTo(long position, long count, FileChannel target) throws IOException {
    return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
  }

  @Override
  public void setReadReadyHandler(ReadReadyHandler handler) {
    upstream = handler;
    if (mode != Mode.TAKEN_OVER) {
      next.setReadReadyHandler(handler);
    }
  }

  @Override
  public void resumeReads() {
    if (mode == Mode.PENDING_HEAD) {
      // Undertow waits for more of a head that will never be accepted: answer it now, on the I/O
      // thread.
      getReadThread().execute(this::takeOverIfPending);
      return;
    }
    if (mode != Mode.TAKEN_OVER) {
      next.resumeReads();
    }
  }

  @Override
  public void wakeupReads() {
    if (mode == Mode.PENDING_HEAD) {
      resumeReads();
    } else if (mode != Mode.TAKEN_OVER) {
      next.wakeupReads();
    }
  }

  @Override
  public void suspendReads() {
    if (mode != Mode.TAKEN_OVER) {
      next.suspendReads();
    }
  }

  @Override
  public boolean isReadResumed() {
    return mode != Mode.TAKEN_OVER && next.isReadResumed();
  }

  private void takeOverIfPending() {
    if (mode == Mode.PENDING_HEAD) {
      takeOver();
    }
  }

  private void takeOver() {
    mode = Mode.TAKEN_OVER;
    connection.refuse(pending, next);
  }

  /** The scanner of this connection (tests). */
  RequestScanner scanner() {
    return scanner;
  }

  ReadReadyHandler upstream() {
    return upstream;
  }
}
