package dev.echoplatform.server;

import dev.echoplatform.server.config.GoDuration;
import dev.echoplatform.server.config.ServerConfig;
import dev.echoplatform.server.http.AccessLogHandler;
import dev.echoplatform.server.http.BodyBudget;
import dev.echoplatform.server.http.ClientAddresses;
import dev.echoplatform.server.http.DrainHandler;
import dev.echoplatform.server.http.EchoHandler;
import dev.echoplatform.server.http.HealthHandler;
import dev.echoplatform.server.http.JsonValidator;
import dev.echoplatform.server.http.MetricsHandler;
import dev.echoplatform.server.http.OpenApiHandler;
import dev.echoplatform.server.http.RateLimitHandler;
import dev.echoplatform.server.http.RateLimiter;
import dev.echoplatform.server.http.ReadyHandler;
import dev.echoplatform.server.http.RequestIdHandler;
import dev.echoplatform.server.http.Router;
import dev.echoplatform.server.http.Routes;
import dev.echoplatform.server.http.ServerMetrics;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.HttpContinueReadHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.util.Methods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The echo HTTP server: Undertow's HTTP/1.1 listener on an XNIO worker, with the handler chain
 * request id → access log and metrics → drain tracking → rate limit → routing → endpoint.
 *
 * <p>The listening socket is created here rather than through {@code Undertow.builder()} so that shutdown can close
 * the listener while open connections finish their requests (see {@link #shutdownGracefully()}).
 */
public final class EchoServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EchoServer.class);

    /** Size of each pooled (direct) I/O buffer; also the largest chunk a body is read in. */
    static final int BUFFER_SIZE = 16 * 1024;
    /** Open connections beyond which new ones wait in the accept backlog (bounds per-connection memory). */
    static final int MAX_CONNECTIONS = 4096;
    static final int MAX_HEADER_SIZE = 16 * 1024;

    private final ServerConfig config;
    private final ServerMetrics metrics = new ServerMetrics();
    private final BodyBudget budget;
    private final DrainHandler drain;
    private final HttpHandler root;
    private XnioWorker worker;
    private AcceptingChannel<StreamConnection> listener;
    private HttpOpenListener openListener;

    public EchoServer(ServerConfig config) {
        this.config = config;
        this.budget = new BodyBudget(config.maxInflightBodyBytes());
        Router router = new Router()
                .add(Routes.HEALTHZ, Methods.GET, new HealthHandler())
                .add(Routes.HEALTHZ, Methods.HEAD, new HealthHandler())
                .add(Routes.READYZ, Methods.GET, new ReadyHandler(this::isDraining))
                .add(Routes.READYZ, Methods.HEAD, new ReadyHandler(this::isDraining))
                // "Expect: 100-continue" is answered when the handler starts reading the body, i.e. only once the
                // request has passed the media-type, size and budget checks; rejected clients never send the body.
                .add(Routes.ECHO, Methods.POST, new HttpContinueReadHandler(new EchoHandler(config.maxBodySize(),
                        config.readTimeout().toMillis(), budget,
                        new JsonValidator(config.maxJsonDepth(), config.maxBodySize()), metrics)))
                .add(Routes.METRICS, Methods.GET, new MetricsHandler(metrics))
                .add(Routes.OPENAPI, Methods.GET, new OpenApiHandler());
        RateLimiter general = new RateLimiter(config.rateLimitBurst(), config.rateLimitRps());
        RateLimiter health = new RateLimiter(config.healthRateLimitRpm(), config.healthRateLimitRpm() / 60.0);
        HttpHandler limited = new RateLimitHandler(router, general, health, metrics);
        this.drain = new DrainHandler(limited, metrics);
        this.root = new RequestIdHandler(new AccessLogHandler(drain, metrics, router::templateOf,
                new ClientAddresses(config.trustedProxies())));
    }

    /** Binds the listener and starts accepting connections. */
    public synchronized void start() throws IOException {
        int cpus = Runtime.getRuntime().availableProcessors();
        Xnio xnio = Xnio.getInstance(EchoServer.class.getClassLoader());
        worker = xnio.createWorker(OptionMap.builder()
                .set(Options.WORKER_NAME, "echo")
                .set(Options.WORKER_IO_THREADS, Math.max(2, cpus))
                .set(Options.WORKER_TASK_CORE_THREADS, Math.max(2, cpus))
                .set(Options.WORKER_TASK_MAX_THREADS, Math.max(4, 2 * cpus))
                .set(Options.TCP_NODELAY, true)
                .set(Options.CONNECTION_HIGH_WATER, MAX_CONNECTIONS)
                .set(Options.CONNECTION_LOW_WATER, MAX_CONNECTIONS)
                .getMap());
        OptionMap socketOptions = OptionMap.builder()
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.TCP_NODELAY, true)
                .set(Options.BACKLOG, 1024)
                .set(Options.CONNECTION_HIGH_WATER, MAX_CONNECTIONS)
                .set(Options.CONNECTION_LOW_WATER, MAX_CONNECTIONS)
                .set(Options.WRITE_TIMEOUT, millis(config.writeTimeout()))
                .getMap();
        OptionMap undertowOptions = OptionMap.builder()
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(config.readTimeout()))
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, millis(config.idleTimeout()))
                // Undertow's own entity limit (10 MiB by default) would cut bodies off without a response; the echo
                // handler enforces MAX_BODY_SIZE itself, and other endpoints never read a body.
                .set(UndertowOptions.MAX_ENTITY_SIZE, Long.MAX_VALUE)
                .set(UndertowOptions.MAX_HEADER_SIZE, MAX_HEADER_SIZE)
                .set(UndertowOptions.ENABLE_STATISTICS, true)
                .getMap();
        ByteBufferPool pool = new DefaultByteBufferPool(true, BUFFER_SIZE, 256, 4);
        openListener = new HttpOpenListener(pool, undertowOptions);
        openListener.setRootHandler(root);
        metrics.bindActiveConnections(() -> openListener.getConnectorStatistics().getActiveConnections());
        ChannelListener<AcceptingChannel<StreamConnection>> acceptListener = ChannelListeners.openListenerAdapter(openListener);
        listener = worker.createStreamConnectionServer(new InetSocketAddress(config.host(), config.port()),
                acceptListener, socketOptions);
        listener.resumeAccepts();
        // JVM meters are not needed for the first request: register them off the start-up path.
        Thread jvmMetrics = new Thread(metrics::bindJvmMetrics, "jvm-metrics");
        jvmMetrics.setDaemon(true);
        jvmMetrics.start();
        LOG.atInfo().addKeyValue("address", config.host()).addKeyValue("port", port())
                .addKeyValue("max_body_size", config.maxBodySize())
                .addKeyValue("max_inflight_body_bytes", config.maxInflightBodyBytes())
                .log("listening");
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    /** The bound port (useful when configured with port 0). */
    public int port() {
        return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    public boolean isDraining() {
        return drain.isDraining();
    }

    /** Turns readiness to 503 without stopping anything (first step of {@link #shutdownGracefully()}). */
    public void beginDraining() {
        drain.beginDraining();
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    public BodyBudget bodyBudget() {
        return budget;
    }

    /**
     * The shutdown sequence: readiness turns 503 at once; the listener stays open for SHUTDOWN_DELAY (load balancers
     * notice the pod is unready and stop sending); the listener closes; requests in progress get up to
     * SHUTDOWN_TIMEOUT to complete; then the worker stops.
     *
     * @return whether every request in progress completed in time
     */
    public boolean shutdownGracefully() throws InterruptedException {
        beginDraining();
        LOG.atInfo().addKeyValue("shutdown_delay", GoDuration.format(config.shutdownDelay()))
                .log("shutdown started: readiness is now 503");
        Thread.sleep(config.shutdownDelay().toMillis());
        IoUtils.safeClose(listener);
        drain.stopAccepting();
        LOG.atInfo().addKeyValue("in_flight", drain.activeRequests())
                .addKeyValue("shutdown_timeout", GoDuration.format(config.shutdownTimeout()))
                .log("listener closed; waiting for requests in progress");
        boolean completed = drain.awaitIdle(config.shutdownTimeout().toMillis());
        if (!completed) {
            LOG.atWarn().addKeyValue("in_flight", drain.activeRequests())
                    .log("requests still in progress at SHUTDOWN_TIMEOUT; closing their connections");
        }
        close();
        LOG.info("shutdown complete");
        return completed;
    }

    /** Stops at once: closes the listener and every connection. */
    @Override
    public synchronized void close() {
        IoUtils.safeClose(listener);
        if (openListener != null) {
            openListener.closeConnections();
        }
        if (worker != null) {
            worker.shutdown();
            try {
                if (!worker.awaitTermination(1, TimeUnit.SECONDS)) {
                    worker.shutdownNow();
                }
            } catch (InterruptedException e) {
                worker.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        metrics.close();
    }
}
