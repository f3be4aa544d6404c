package dev.echoplatform.server.http;

import io.undertow.io.IoCallback;
import io.undertow.io.Receiver;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /echo}: answers a JSON object with its own bytes.
 *
 * <ol>
 *   <li>415 unless {@code Content-Type} is {@code application/json} (charset, if given, must be utf-8).</li>
 *   <li>413 when {@code Content-Length} exceeds MAX_BODY_SIZE, before reading anything.</li>
 *   <li>503 with {@code Retry-After} when the global {@link BodyBudget} cannot hold the body.</li>
 *   <li>The body is read without blocking a thread ({@link Receiver}); a chunked body stops being read, and gets 413,
 *       as soon as it passes the limit. Never more than MAX_BODY_SIZE bytes are buffered.</li>
 *   <li>READ_TIMEOUT bounds reading the body: when it expires the connection is closed (slow clients).</li>
 *   <li>The bytes are validated with {@link JsonValidator} (400 with the reason) and sent back unchanged.</li>
 * </ol>
 */
public final class EchoHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(EchoHandler.class);

    /** First reservation for a chunked body (its size is unknown); grows by doubling up to MAX_BODY_SIZE. */
    static final int INITIAL_CHUNKED_CAPACITY = 16 * 1024;
    /** Bodies larger than this are validated on a worker thread instead of the I/O thread. */
    static final int WORKER_VALIDATION_THRESHOLD = 64 * 1024;
    private static final int MAX_LOGGED_BODY = 4096;
    private static final byte[] EMPTY = new byte[0];
    private static final ByteBuffer NO_BYTES = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final long maxBodySize;
    private final long readTimeoutMillis;
    private final BodyBudget budget;
    private final JsonValidator validator;
    private final ServerMetrics metrics;

    public EchoHandler(long maxBodySize, long readTimeoutMillis, BodyBudget budget, JsonValidator validator,
                       ServerMetrics metrics) {
        this.maxBodySize = maxBodySize;
        this.readTimeoutMillis = readTimeoutMillis;
        this.budget = budget;
        this.validator = validator;
        this.metrics = metrics;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String mediaTypeProblem = contentTypeProblem(exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE));
        if (mediaTypeProblem != null) {
            metrics.error(ServerMetrics.ErrorType.UNSUPPORTED_MEDIA_TYPE);
            JsonResponses.error(exchange, 415, mediaTypeProblem);
            return;
        }
        long declared = exchange.getRequestContentLength();
        boolean chunked = exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING);
        if (declared > maxBodySize) {
            metrics.error(ServerMetrics.ErrorType.TOO_LARGE);
            JsonResponses.error(exchange, 413, "request body of " + declared + " bytes exceeds the limit of "
                    + maxBodySize + " bytes");
            return;
        }
        if (declared == 0 || (declared < 0 && !chunked)) {
            metrics.error(ServerMetrics.ErrorType.INVALID_JSON);
            JsonResponses.error(exchange, 400, "request body is empty");
            return;
        }
        int capacity = (int) (declared > 0 ? declared : Math.min(INITIAL_CHUNKED_CAPACITY, maxBodySize));
        if (!budget.tryReserve(capacity)) {
            overloaded(exchange);
            return;
        }
        new BodyReader(exchange, capacity).start();
    }

    private void overloaded(HttpServerExchange exchange) {
        metrics.error(ServerMetrics.ErrorType.OVERLOADED);
        exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
        JsonResponses.error(exchange, 503, "server is busy: too many request bodies in memory, retry later");
    }

    /** @return why the Content-Type is not acceptable, or {@code null} */
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
     * Reads one body into a buffer whose every byte is covered by a budget reservation. All callbacks and the timeout
     * task run on the connection's I/O thread, so {@code done} needs no further synchronisation; the reservation is
     * returned exactly once, when the exchange completes or the connection is dropped.
     */
    private final class BodyReader {
        private final HttpServerExchange exchange;
        private byte[] buffer;
        private int length;
        private long reserved;
        private boolean done;
        private XnioExecutor.Key timeout;
        /** After a 413 on a chunked body still arriving: the rest is read and discarded, within bounds, then close. */
        private boolean draining;
        private long drained;
        private boolean responseWritten;
        private XnioExecutor.Key drainDeadline;

        BodyReader(HttpServerExchange exchange, int capacity) {
            this.exchange = exchange;
            this.buffer = new byte[capacity];
            this.reserved = capacity;
        }

        void start() {
            exchange.addExchangeCompleteListener((ex, next) -> {
                release();
                next.proceed();
            });
            timeout = exchange.getIoThread().executeAfter(this::onTimeout, readTimeoutMillis, TimeUnit.MILLISECONDS);
            exchange.getRequestReceiver().receivePartialBytes(this::onChunk, this::onError);
        }

        /** Returns the reservation and drops the buffer, so no byte outside the budget stays reachable from here. */
        private synchronized void release() {
            if (reserved > 0) {
                budget.release(reserved);
                reserved = 0;
            }
            buffer = EMPTY;
        }

        private void finish() {
            done = true;
            if (timeout != null) {
                timeout.remove();
            }
            RequestInfo.of(exchange).bodyBytesRead = length;
        }

        private void onChunk(HttpServerExchange ex, byte[] chunk, boolean last) {
            if (done) {
                if (draining) {
                    drained += chunk.length;
                    if (last || drained >= maxBodySize) {
                        endDrain();
                    }
                }
                return;
            }
            long needed = (long) length + chunk.length;
            if (needed > maxBodySize) {
                finish();
                metrics.error(ServerMetrics.ErrorType.TOO_LARGE);
                release();
                draining = !last;
                JsonResponses.error(ex, 413, "request body exceeds the limit of " + maxBodySize + " bytes",
                        new IoCallback() {
                            @Override
                            public void onComplete(HttpServerExchange exchange, Sender sender) {
                                if (!draining) {
                                    exchange.endExchange();
                                    return;
                                }
                                // Finish the response (flushed, FIN after it once the connection closes) while the
                                // rest of the body is still being read and discarded.
                                sender.close(new IoCallback() {
                                    @Override
                                    public void onComplete(HttpServerExchange exchange, Sender sender) {
                                        responseWritten = true;
                                        if (draining) {
                                            drainDeadline = exchange.getIoThread().executeAfter(
                                                    BodyReader.this::endDrain, readTimeoutMillis, TimeUnit.MILLISECONDS);
                                        } else {
                                            exchange.endExchange();
                                        }
                                    }

                                    @Override
                                    public void onException(HttpServerExchange exchange, Sender sender, IOException e) {
                                        abortDrain(exchange, sender, e);
                                    }
                                });
                            }

                            @Override
                            public void onException(HttpServerExchange exchange, Sender sender, IOException e) {
                                abortDrain(exchange, sender, e);
                            }
                        });
                return;
            }
            if (needed > buffer.length && !grow((int) needed)) {
                finish();
                overloaded(ex);
                return;
            }
            System.arraycopy(chunk, 0, buffer, length, chunk.length);
            length += chunk.length;
            if (last) {
                finish();
                if (length > WORKER_VALIDATION_THRESHOLD && ex.isInIoThread()) {
                    ex.dispatch(this::respond);
                } else {
                    respond();
                }
            }
        }

        /** Doubles the buffer (at least to {@code needed}, at most to the limit), reserving the new array first. */
        private boolean grow(int needed) {
            int newCapacity = (int) Math.min(maxBodySize, Math.max(needed, 2L * buffer.length));
            if (!budget.tryReserve(newCapacity)) {
                return false;
            }
            synchronized (this) {
                reserved += newCapacity;
            }
            byte[] old = buffer;
            buffer = Arrays.copyOf(old, newCapacity);
            synchronized (this) {
                budget.release(old.length);
                reserved -= old.length;
            }
            return true;
        }

        private void respond() {
            String problem = validator.validate(buffer, length);
            if (LOG.isDebugEnabled()) {
                LOG.atDebug().addKeyValue("request_id", RequestInfo.of(exchange).requestId)
                        .addKeyValue("body", new String(buffer, 0, Math.min(length, MAX_LOGGED_BODY), StandardCharsets.UTF_8))
                        .addKeyValue("body_truncated", length > MAX_LOGGED_BODY)
                        .log("echo body");
            }
            if (problem != null) {
                metrics.error(ServerMetrics.ErrorType.INVALID_JSON);
                JsonResponses.error(exchange, 400, problem);
                return;
            }
            exchange.setStatusCode(200);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, JsonResponses.APPLICATION_JSON);
            exchange.setResponseContentLength(length);
            new BodyWriter(ByteBuffer.wrap(buffer, 0, length)).handleEvent(exchange.getResponseChannel());
        }

        /**
         * Writes the echoed body to the response channel. Undertow's HTTP/1.1 response conduit writes the headers
         * together with the first buffer (a gathering write) and keeps that buffer in its reusable array for as long
         * as the connection lives: every idle keep-alive connection would pin its last echoed body outside the
         * budget (1000 connections × 1 MiB). So the headers go out first with an empty buffer, and the body is
         * written on its own and forgotten as soon as it is written.
         */
        private final class BodyWriter implements ChannelListener<StreamSinkChannel> {
            private ByteBuffer body;
            private boolean headersSent;

            BodyWriter(ByteBuffer body) {
                this.body = body;
            }

            @Override
            public void handleEvent(StreamSinkChannel channel) {
                try {
                    if (!headersSent) {
                        channel.write(NO_BYTES.duplicate());
                        if (!channel.flush()) {
                            channel.getWriteSetter().set(this);
                            channel.resumeWrites();
                            return;
                        }
                        headersSent = true;
                    }
                    if (body != null) {
                        while (body.hasRemaining()) {
                            if (channel.write(body) == 0) {
                                channel.getWriteSetter().set(this);
                                channel.resumeWrites();
                                return;
                            }
                        }
                        body = null;
                        release();
                    }
                    channel.shutdownWrites();
                    if (!channel.flush()) {
                        channel.getWriteSetter().set(this);
                        channel.resumeWrites();
                        return;
                    }
                    channel.suspendWrites();
                    channel.getWriteSetter().set(null);
                    exchange.endExchange();
                } catch (IOException e) {
                    body = null;
                    release();
                    channel.getWriteSetter().set(null);
                    LOG.atDebug().addKeyValue("request_id", RequestInfo.of(exchange).requestId).setCause(e)
                            .log("writing the response failed; closing the connection");
                    IoUtils.safeClose(exchange.getConnection());
                    exchange.endExchange();
                }
            }
        }

        /** Writing the 413 failed: no discarding; the exchange ends as any failed write ends it. */
        private void abortDrain(HttpServerExchange ex, Sender sender, IOException e) {
            draining = false;
            IoCallback.END_EXCHANGE.onException(ex, sender, e);
        }

        /**
         * Ends the discarding that follows a 413 (the body ended, {@code MAX_BODY_SIZE} more bytes were discarded, or
         * {@code READ_TIMEOUT} passed). The response said {@code Connection: close}, so Undertow then closes the
         * connection; with the client's bytes read, the close is an orderly FIN rather than a reset that could
         * destroy the 413 before a client still sending had read it.
         */
        private void endDrain() {
            if (!draining) {
                return;
            }
            draining = false;
            if (drainDeadline != null) {
                drainDeadline.remove();
            }
            if (responseWritten) {
                exchange.endExchange();
            }
        }

        private void onError(HttpServerExchange ex, IOException e) {
            if (done) {
                if (draining) {
                    endDrain();
                }
                return;
            }
            finish();
            if (e instanceof RequestTooBigException) {
                metrics.error(ServerMetrics.ErrorType.TOO_LARGE);
                JsonResponses.error(ex, 413, "request body exceeds the limit of " + maxBodySize + " bytes");
                return;
            }
            LOG.atDebug().addKeyValue("request_id", RequestInfo.of(ex).requestId).setCause(e)
                    .log("reading the request body failed; closing the connection");
            release();
            IoUtils.safeClose(ex.getConnection());
        }

        private void onTimeout() {
            if (done) {
                return;
            }
            finish();
            metrics.error(ServerMetrics.ErrorType.TIMEOUT);
            LOG.atInfo().addKeyValue("request_id", RequestInfo.of(exchange).requestId)
                    .addKeyValue("bytes_in", length)
                    .log("request body not received within READ_TIMEOUT; closing the connection");
            release();
            IoUtils.safeClose(exchange.getConnection());
        }
    }
}
