package dev.echoplatform.server.http;

import dev.echoplatform.server.wire.DiscardBuffer;
import dev.echoplatform.server.wire.FramingConduit;
import dev.echoplatform.server.wire.Violation;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpContinue;
import io.undertow.util.Headers;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * {@code POST /echo}: answers a JSON object with its own bytes.
 *
 * <ol>
 *   <li>415 unless {@code Content-Type} is {@code application/json} (charset, if given, must be
 *       utf-8).
 *   <li>413 when {@code Content-Length} exceeds MAX_BODY_SIZE, before reading anything.
 *   <li>503 with {@code Retry-After} when the {@link BodyBudget}, or this client's share of it, has
 *       no room for a declared body (reserved in full before reading), or runs out while a chunked
 *       body arrives (reserved piece by piece).
 *   <li>The body is read without blocking a thread, into {@link BodyBuffer} segments allocated as
 *       bytes arrive (never more than the reservation covers). A chunked body gets 413 as soon as
 *       it passes the limit.
 *   <li>READ_TIMEOUT is the longest pause allowed while the body arrives: past it the answer is
 *       408.
 *   <li>The bytes are validated with {@link JsonValidator} (400 with the reason) and sent back
 *       unchanged.
 * </ol>
 *
 * <p>Any refusal while a body is still on its way is answered at once with {@code Connection:
 * close}; then the rest of the body is read and discarded (at most MAX_BODY_SIZE more bytes, with
 * pauses no longer than READ_TIMEOUT) before the connection closes, so that a client still sending
 * reads the answer and an orderly close instead of a connection reset.
 */
public final class EchoHandler implements HttpHandler {

  private static final Logger LOG = LoggerFactory.getLogger(EchoHandler.class);

  /** Bodies larger than this are validated on a worker thread instead of the I/O thread. */
  static final int WORKER_VALIDATION_THRESHOLD = 64 * 1024;

  private static final int MAX_LOGGED_BODY = 4096;
  private static final ByteBuffer NO_BYTES = ByteBuffer.allocate(0).asReadOnlyBuffer();

  /** Largest body answered in the same write as the headers (see {@code BodyWriter}). */
  static final int STAGED_BODY = 16 * 1024;

  /**
   * Each I/O thread's staging buffer for bodies of at most {@link #STAGED_BODY} bytes: filled and
   * written within one call, then free for the next answer of any connection of the thread, so its
   * content is garbage between calls. 16 KiB of heap per I/O thread.
   */
  private static final ThreadLocal<ByteBuffer> STAGING =
      ThreadLocal.withInitial(() -> ByteBuffer.allocate(STAGED_BODY));

  private final long maxBodySize;
  private final long readTimeoutMillis;
  private final BodyBudget budget;
  private final JsonValidator validator;
  private final ServerMetrics metrics;

  public EchoHandler(
      long maxBodySize,
      long readTimeoutMillis,
      BodyBudget budget,
      JsonValidator validator,
      ServerMetrics metrics) {
    this.maxBodySize = maxBodySize;
    this.readTimeoutMillis = readTimeoutMillis;
    this.budget = budget;
    this.validator = validator;
    this.metrics = metrics;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    long declared = exchange.getRequestContentLength();
    boolean chunked = exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING);
    BodyReader reader = new BodyReader(exchange, chunked ? -1 : declared);
    String mediaTypeProblem =
        contentTypeProblem(exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE));
    if (mediaTypeProblem != null) {
      reader.reject(415, ServerMetrics.ErrorType.UNSUPPORTED_MEDIA_TYPE, mediaTypeProblem);
    } else if (declared > maxBodySize) {
      reader.reject(
          413,
          ServerMetrics.ErrorType.TOO_LARGE,
          "request body of " + declared + " bytes exceeds the limit of " + maxBodySize + " bytes");
    } else if (declared == 0 || (declared < 0 && !chunked)) {
      metrics.error(ServerMetrics.ErrorType.INVALID_JSON);
      JsonResponses.error(exchange, 400, "request body is empty");
    } else if (declared > 0 && !reader.reserve(declared)) {
      reader.reject(503, ServerMetrics.ErrorType.OVERLOADED, BUSY);
    } else {
      reader.start();
    }
  }

  private static final String BUSY =
      "server is busy: too many request bodies in memory, retry later";

  /**
   * @return why the Content-Type is not acceptable, or {@code null}
   */
  static String contentTypeProblem(String contentType) {
    if (contentType == null) {
      return "Content-Type header is missing; it must be application/json";
    }
    String[] parts = contentType.split(";");
    String type = parts[0].trim();
    if (!type.equalsIgnoreCase(JsonResponses.APPLICATION_JSON)) {
      return "Content-Type must be application/json, not " + abbreviate(type);
    }
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      String name = (eq < 0 ? parts[i] : parts[i].substring(0, eq)).trim();
      if (eq > 0 && name.equalsIgnoreCase("charset")) {
        String value = parts[i].substring(eq + 1).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        if (!value.equalsIgnoreCase("utf-8")) {
          return "Content-Type charset must be utf-8, not " + abbreviate(value);
        }
      }
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.isEmpty() ? "empty" : s.length() <= 100 ? s : s.substring(0, 100) + "...";
  }

  /**
   * Reads one body into a {@link BodyBuffer} whose every segment is covered by a budget
   * reservation, and answers. Reads, the timeout task and the discarding after a refusal run on the
   * connection's I/O thread; the reservation is returned exactly once, when the exchange completes,
   * the body is refused or the connection is dropped.
   */
  private final class BodyReader implements ChannelListener<StreamSourceChannel> {
    private enum Phase {
      RECEIVING,
      DISCARDING,
      RESPONDING,
      DONE
    }

    private final HttpServerExchange exchange;

    /** Declared length, or -1 for a chunked body. */
    private final long declared;

    /** The client the reservation is charged to (the address rate limiting uses). */
    private final InetAddress client;

    private BodyBuffer body = new BodyBuffer();
    private long reserved;
    private Phase phase = Phase.RECEIVING;
    private StreamSourceChannel channel;
    private XnioExecutor.Key deadline;

    /**
     * When bytes last arrived (nanoTime): READ_TIMEOUT is the longest pause allowed, receiving or
     * discarding.
     */
    private long lastProgress = System.nanoTime();

    private long discarded;
    private boolean discardFinished;
    private boolean responseWritten;
    private ByteBuffer overrun;

    BodyReader(HttpServerExchange exchange, long declared) {
      this.exchange = exchange;
      this.declared = declared;
      this.client = RequestInfo.of(exchange).clientAddress;
    }

    /**
     * Reserves {@code bytes} of the budget for this body; false when neither the budget nor the
     * share has room.
     */
    boolean reserve(long bytes) {
      if (!budget.tryReserve(client, bytes)) {
        return false;
      }
      synchronized (this) {
        reserved += bytes;
      }
      return true;
    }

    void start() {
      exchange.addExchangeCompleteListener(
          (ex, next) -> {
            release();
            next.proceed();
          });
      channel = exchange.getRequestChannel();
      if (channel == null) {
        throw new IllegalStateException("request channel already taken");
      }
      deadline =
          exchange
              .getIoThread()
              .executeAfter(this::onIdle, readTimeoutMillis, TimeUnit.MILLISECONDS);
      channel.getReadSetter().set(this);
      handleEvent(channel);
    }

    @Override
    public void handleEvent(StreamSourceChannel ch) {
      try {
        if (phase == Phase.RECEIVING) {
          receive(ch);
        } else if (phase == Phase.DISCARDING) {
          discard(ch);
        }
      } catch (IOException e) {
        LOG.atDebug()
            .addKeyValue("request_id", RequestInfo.of(exchange).requestId)
            .setCause(e)
            .log("reading the request body failed; closing the connection");
        finishReading();
        phase = Phase.DONE;
        release();
        IoUtils.safeClose(exchange.getConnection());
      }
    }

    private void receive(StreamSourceChannel ch) throws IOException {
      while (true) {
        if (declared >= 0 && body.length() == declared) {
          complete();
          return;
        }
        if (declared < 0 && body.length() == maxBodySize) {
          // A chunked body at the limit: one more byte is an overrun, the end of the body is a
          // success.
          if (overrun == null) {
            overrun = ByteBuffer.allocate(1);
          }
          overrun.clear();
          int n = ch.read(overrun);
          if (n > 0) {
            reject(
                413,
                ServerMetrics.ErrorType.TOO_LARGE,
                "request body exceeds the limit of " + maxBodySize + " bytes");
          } else if (n == 0) {
            ch.resumeReads();
          } else {
            complete();
          }
          return;
        }
        if (body.needsSegment()) {
          int size = body.nextSegmentSize(declared, maxBodySize);
          // A declared body was reserved in full at the start; a chunked one reserves each segment.
          if (declared < 0 && !reserve(size)) {
            reject(503, ServerMetrics.ErrorType.OVERLOADED, BUSY);
            return;
          }
          body.addSegment(size);
        }
        int n = ch.read(body.writable());
        if (n > 0) {
          body.filled(n);
          lastProgress = System.nanoTime();
        } else if (n == 0) {
          Violation v = FramingConduit.pendingViolation(exchange);
          if (v != null) {
            // The body's framing is broken: nothing more can be read; answer, then close.
            discardFinished = true;
            reject(v.status(), ServerMetrics.ErrorType.of(v.kind()), v.message());
            return;
          }
          ch.resumeReads();
          return;
        } else {
          complete();
          return;
        }
      }
    }

    /** The whole body is here: validate (large bodies on a worker thread) and answer. */
    private void complete() {
      finishReading();
      phase = Phase.RESPONDING;
      channel.suspendReads();
      RequestInfo.of(exchange).bodyBytesRead = body.length();
      if (body.length() > WORKER_VALIDATION_THRESHOLD && exchange.isInIoThread()) {
        exchange.dispatch(this::respond);
      } else {
        respond();
      }
    }

    private void finishReading() {
      if (deadline != null) {
        deadline.remove();
        deadline = null;
      }
    }

    private void respond() {
      String problem = validator.validate(body);
      if (LOG.isDebugEnabled()) {
        int n = (int) Math.min(body.length(), MAX_LOGGED_BODY);
        byte[] head = new byte[n];
        for (int k = 0; k < n; k++) {
          head[k] = body.byteAt(k);
        }
        LOG.atDebug()
            .addKeyValue("request_id", RequestInfo.of(exchange).requestId)
            .addKeyValue("body", new String(head, StandardCharsets.UTF_8))
            .addKeyValue("body_truncated", body.length() > MAX_LOGGED_BODY)
            .log("echo body");
      }
      if (problem != null) {
        phase = Phase.DONE;
        release();
        metrics.error(ServerMetrics.ErrorType.INVALID_JSON);
        JsonResponses.error(exchange, 400, problem);
        return;
      }
      exchange.setStatusCode(200);
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, JsonResponses.APPLICATION_JSON);
      exchange.setResponseContentLength(body.length());
      new BodyWriter(body.asBuffers()).handleEvent(exchange.getResponseChannel());
    }

    /**
     * Refuses the request: the error goes out at once with {@code Connection: close}, the
     * reservation is returned, and a body still on its way is read and discarded (bounded) before
     * the exchange ends.
     */
    void reject(int status, ServerMetrics.ErrorType type, String message) {
      finishReading();
      release();
      metrics.error(type);
      if (status == 503) {
        exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
      }
      boolean bodyComing =
          !exchange.isRequestComplete()
              && !discardFinished
              && (declared != 0)
              && !HttpContinue.requiresContinueResponse(exchange);
      if (!bodyComing) {
        phase = Phase.DONE;
        JsonResponses.error(exchange, status, message);
        return;
      }
      phase = Phase.DISCARDING;
      if (channel == null) {
        channel = exchange.getRequestChannel();
        exchange.addExchangeCompleteListener(
            (ex, next) -> {
              release();
              next.proceed();
            });
      }
      lastProgress = System.nanoTime();
      deadline =
          exchange
              .getIoThread()
              .executeAfter(this::onIdle, readTimeoutMillis, TimeUnit.MILLISECONDS);
      JsonResponses.error(
          exchange,
          status,
          message,
          new IoCallback() {
            @Override
            public void onComplete(HttpServerExchange ex, Sender sender) {
              // Finish the response (flushed; FIN after it once the connection closes) while the
              // rest of the
              // body is still being read and discarded.
              sender.close(
                  new IoCallback() {
                    @Override
                    public void onComplete(HttpServerExchange ex2, Sender s2) {
                      responseWritten = true;
                      endIfDone();
                    }

                    @Override
                    public void onException(HttpServerExchange ex2, Sender s2, IOException e) {
                      discardFinished = true;
                      IoCallback.END_EXCHANGE.onException(ex2, s2, e);
                    }
                  });
            }

            @Override
            public void onException(HttpServerExchange ex, Sender sender, IOException e) {
              discardFinished = true;
              IoCallback.END_EXCHANGE.onException(ex, sender, e);
            }
          });
      if (channel != null && !discardFinished) {
        // Resumed before the handler returns: otherwise Undertow ends the exchange (and closes the
        // request
        // side) as soon as the call unwinds. The read listener then discards what arrives.
        channel.getReadSetter().set(this);
        channel.resumeReads();
      }
    }

    private void discard(StreamSourceChannel ch) throws IOException {
      while (!discardFinished) {
        int n = ch.read(DiscardBuffer.get());
        if (n == 0) {
          ch.resumeReads();
          return;
        }
        lastProgress = System.nanoTime();
        if (n < 0 || (discarded += n) >= maxBodySize) {
          endDiscard();
          return;
        }
      }
    }

    /**
     * Discarding ends: the body ended, MAX_BODY_SIZE bytes were discarded, or nothing came for
     * READ_TIMEOUT.
     */
    private void endDiscard() {
      if (discardFinished) {
        return;
      }
      discardFinished = true;
      finishReading();
      if (channel != null) {
        channel.suspendReads();
      }
      endIfDone();
    }

    private void endIfDone() {
      if (responseWritten && discardFinished && phase == Phase.DISCARDING) {
        phase = Phase.DONE;
        exchange.endExchange();
      }
    }

    /**
     * Returns the reservation and drops the body, so no byte outside the budget stays reachable
     * from here.
     */
    private synchronized void release() {
      if (reserved > 0) {
        budget.release(client, reserved);
        reserved = 0;
      }
      body.clear();
    }

    /**
     * The timer checks whether bytes arrived within the last READ_TIMEOUT; if they did, it waits
     * for the rest of that period (one timer per body, re-armed only when it fires). A body that
     * paused for READ_TIMEOUT gets 408; a discarding that paused that long ends. A client that
     * keeps sending slowly holds no more than its connection and body-budget shares.
     *
     * <p>The IO thread runs expired timers before it looks at the sockets that became readable
     * meanwhile: after a long stretch of work (a CPU-throttled pod discarding many refused bodies)
     * a timer can fire for a body whose next bytes are already waiting. So the timer first reads
     * what is there, and only a body that really has nothing new is timed out.
     */
    private void onIdle() {
      deadline = null;
      Phase before = phase;
      if (before != Phase.RECEIVING && before != Phase.DISCARDING) {
        return;
      }
      if (channel != null) {
        handleEvent(channel);
        if (phase != before || deadline != null || discardFinished) {
          return;
        }
      }
      long idleNanos = System.nanoTime() - lastProgress;
      long limitNanos = TimeUnit.MILLISECONDS.toNanos(readTimeoutMillis);
      if (idleNanos < limitNanos) {
        deadline =
            exchange
                .getIoThread()
                .executeAfter(this::onIdle, limitNanos - idleNanos, TimeUnit.NANOSECONDS);
        return;
      }
      if (phase == Phase.DISCARDING) {
        endDiscard();
        return;
      }
      LOG.atInfo()
          .addKeyValue("request_id", RequestInfo.of(exchange).requestId)
          .addKeyValue("bytes_in", body.length())
          .log("request body paused for READ_TIMEOUT");
      reject(
          408,
          ServerMetrics.ErrorType.TIMEOUT,
          "request body paused for more than READ_TIMEOUT (" + readTimeoutMillis + " ms)");
    }

    /**
     * Writes the echoed body to the response channel. Undertow's HTTP/1.1 response conduit writes
     * the headers together with the first buffer (a gathering write) and keeps that buffer in its
     * reusable array for as long as the connection lives: every idle keep-alive connection would
     * pin its last echoed body outside the budget (1000 connections × 1 MiB). So no buffer of the
     * body itself ever goes out with the headers:
     *
     * <ul>
     *   <li>a body of at most {@value #STAGED_BODY} bytes answered on an I/O thread is copied into
     *       that thread's staging buffer, which goes out with the headers in one write: one syscall
     *       and one TCP segment for the whole answer. Undertow reads the buffer it is given only
     *       within that call (the bytes it took are those by which its position moved) and keeps no
     *       more than a reference to the thread's own buffer, which pins nothing of any request.
     *       Whatever the socket did not take is sent from the body's segments, as below;
     *   <li>otherwise the headers go out first with an empty buffer, and the body is written on its
     *       own, from its segments, and forgotten as soon as it is written.
     * </ul>
     */
    private final class BodyWriter implements ChannelListener<StreamSinkChannel> {
      private ByteBuffer[] buffers;
      private int first;
      private boolean headersSent;
      private boolean stagingTried;

      BodyWriter(ByteBuffer[] buffers) {
        this.buffers = buffers;
      }

      @Override
      public void handleEvent(StreamSinkChannel channel) {
        try {
          if (!stagingTried) {
            stagingTried = true;
            if (buffers != null && body.length() <= STAGED_BODY && exchange.isInIoThread()) {
              writeStaged(channel);
            }
          }
          if (buffers != null && !headersSent) {
            channel.write(NO_BYTES.duplicate());
            if (!channel.flush()) {
              await(channel);
              return;
            }
            headersSent = true;
          }
          if (buffers != null) {
            while (first < buffers.length) {
              if (channel.write(buffers, first, buffers.length - first) == 0) {
                await(channel);
                return;
              }
              skipWritten();
            }
            buffers = null;
            release();
          }
          channel.shutdownWrites();
          if (!channel.flush()) {
            await(channel);
            return;
          }
          channel.suspendWrites();
          channel.getWriteSetter().set(null);
          phase = Phase.DONE;
          exchange.endExchange();
        } catch (IOException e) {
          buffers = null;
          release();
          channel.getWriteSetter().set(null);
          LOG.atDebug()
              .addKeyValue("request_id", RequestInfo.of(exchange).requestId)
              .setCause(e)
              .log("writing the response failed; closing the connection");
          IoUtils.safeClose(exchange.getConnection());
          exchange.endExchange();
        }
      }

      /**
       * Headers and body in one write, from the I/O thread's staging buffer. The bytes of the body
       * the socket took are marked as written in the segments; when all of them went, the segments
       * are dropped. When the socket took none of the body, not even all of the headers, the rest
       * follows the unstaged path (an empty write and a flush finish the headers).
       */
      private void writeStaged(StreamSinkChannel channel) throws IOException {
        ByteBuffer staging = STAGING.get();
        staging.clear();
        for (ByteBuffer b : buffers) {
          staging.put(b.duplicate());
        }
        staging.flip();
        channel.write(staging);
        int sent = staging.position();
        staging.clear();
        if (sent > 0) {
          headersSent = true; // the body's bytes follow the headers on the wire
        }
        for (int k = first; k < buffers.length && sent > 0; k++) {
          int n = Math.min(sent, buffers[k].remaining());
          buffers[k].position(buffers[k].position() + n);
          sent -= n;
        }
        skipWritten();
        if (first == buffers.length) {
          buffers = null;
          release();
        }
      }

      private void skipWritten() {
        while (first < buffers.length && !buffers[first].hasRemaining()) {
          buffers[first++] = null;
        }
      }

      private void await(StreamSinkChannel channel) {
        channel.getWriteSetter().set(this);
        channel.resumeWrites();
      }
    }
  }
}
