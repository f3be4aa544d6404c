package dev.echoplatform.server;

import dev.echoplatform.config.GoDuration;
import dev.echoplatform.config.ServerConfig;
import dev.echoplatform.server.http.AccessLogHandler;
import dev.echoplatform.server.http.BodyBudget;
import dev.echoplatform.server.http.ClientAddresses;
import dev.echoplatform.server.http.DrainHandler;
import dev.echoplatform.server.http.EchoHandler;
import dev.echoplatform.server.http.HealthHandler;
import dev.echoplatform.server.http.JsonValidator;
import dev.echoplatform.server.http.MetricsHandler;
import dev.echoplatform.server.http.OpenApiHandler;
import dev.echoplatform.server.http.PersistenceHandler;
import dev.echoplatform.server.http.RateLimitHandler;
import dev.echoplatform.server.http.RateLimiter;
import dev.echoplatform.server.http.ReadyHandler;
import dev.echoplatform.server.http.RefusalLog;
import dev.echoplatform.server.http.RequestIdHandler;
import dev.echoplatform.server.http.Router;
import dev.echoplatform.server.http.Routes;
import dev.echoplatform.server.http.ServerMetrics;
import dev.echoplatform.server.wire.ConnectionGuard;
import dev.echoplatform.server.wire.RequestScanner;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.HttpContinueReadHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.util.Methods;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The echo HTTP server: two listeners on one XNIO worker, each behind a {@link ConnectionGuard}
 * (per-client connection cap, first-byte timeout, strict request framing) and Undertow's HTTP/1.1
 * parser, with the handler chain request id → access log and metrics → drain tracking → rate limit
 * → routing → endpoint.
 *
 * <ul>
 *   <li>PORT serves {@code /echo}, {@code /healthz}, {@code /readyz} and {@code /openapi.json} to
 *       clients.
 *   <li>MANAGEMENT_PORT serves {@code /healthz}, {@code /readyz} and {@code /metrics} to the
 *       kubelet and to Prometheus, with its own connection limits and rate-limit buckets, so that
 *       no amount of client traffic on PORT can starve a probe, and metrics are not exposed to
 *       clients.
 * </ul>
 *
 * <p>The listening sockets are created here rather than through {@code Undertow.builder()} so that
 * shutdown can close the listeners while open connections finish their requests (see {@link
 * #shutdownGracefully()}).
 */
public final class EchoServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EchoServer.class);

  /**
   * Size of each pooled I/O buffer (heap, so that every byte a client can make the server hold is
   * inside the heap the JVM sizes from the container's memory). A connection pins at most one for
   * reading (a pipelined request) and one for writing (a response its client does not read): {@link
   * ServerConfig#CONNECTION_HEAP_BYTES}.
   */
  static final int BUFFER_SIZE = 4 * 1024;

  /** Open connections on MANAGEMENT_PORT (probes and scrapes need a handful). */
  static final int MAX_MANAGEMENT_CONNECTIONS = 64;

  /**
   * Client addresses whose rate-limit buckets MANAGEMENT_PORT keeps (kubelet, Prometheus: a
   * handful).
   */
  static final int MAX_MANAGEMENT_CLIENTS = 1_000;

  /** Open connections per client address on MANAGEMENT_PORT. */
  static final int MAX_MANAGEMENT_CONNECTIONS_PER_CLIENT = 16;

  /**
   * Undertow's own header-size limit, above the request scanner's (which answers 431 first, with a
   * JSON body): Undertow never has to refuse a head itself.
   */
  static final int UNDERTOW_MAX_HEADER_SIZE = 2 * RequestScanner.MAX_HEADER_SECTION;

  private final ServerConfig config;
  private final ServerMetrics metrics = new ServerMetrics();
  private final BodyBudget budget;
  private final DrainHandler drain;
  private final DrainHandler managementDrain;
  private final Router router;
  private final Router managementRouter;
  private final HttpHandler root;
  private final HttpHandler managementRoot;
  private XnioWorker worker;
  private AcceptingChannel<StreamConnection> listener;
  private AcceptingChannel<StreamConnection> managementListener;
  private HttpOpenListener openListener;
  private HttpOpenListener managementOpenListener;
  private ConnectionGuard guard;
  private final int sendBufferBytes;

  public EchoServer(ServerConfig config) {
    this(config, 0);
  }

  /**
   * @param sendBufferBytes the serving port's socket send buffer, or 0 for the kernel's autotuning
   *     (what {@link #EchoServer(ServerConfig)} uses). Tests set a small one so that the server's
   *     writes stop part-way.
   */
  public EchoServer(ServerConfig config, int sendBufferBytes) {
    this.sendBufferBytes = sendBufferBytes;
    this.config = config;
    this.budget = new BodyBudget(config.maxInflightBodyBytes(), config.bodyBytesPerClient());
    HealthHandler health = new HealthHandler();
    ReadyHandler ready = new ReadyHandler(this::isDraining);
    this.router =
        new Router()
            .add(Routes.HEALTHZ, Methods.GET, health)
            .add(Routes.READYZ, Methods.GET, ready)
            // "Expect: 100-continue" is answered when the handler starts reading the body, i.e.
            // only once the
            // request has passed the media-type, size and budget checks; rejected clients never
            // send the body.
            .add(
                Routes.ECHO,
                Methods.POST,
                new HttpContinueReadHandler(
                    new EchoHandler(
                        config.maxBodySize(),
                        config.readTimeout().toMillis(),
                        budget,
                        new JsonValidator(config.maxJsonDepth(), config.maxBodySize()),
                        metrics)))
            .add(Routes.OPENAPI, Methods.GET, new OpenApiHandler());
    this.managementRouter =
        new Router()
            .add(Routes.HEALTHZ, Methods.GET, health)
            .add(Routes.READYZ, Methods.GET, ready)
            .add(Routes.METRICS, Methods.GET, new MetricsHandler(metrics));
    this.drain = new DrainHandler(rateLimited(router, RateLimiter.MAX_CLIENTS), metrics);
    this.managementDrain =
        new DrainHandler(rateLimited(managementRouter, MAX_MANAGEMENT_CLIENTS), metrics);
    this.root = logged(drain, router);
    this.managementRoot = logged(managementDrain, managementRouter);
  }

  /** Each listener has its own buckets: traffic on one never takes the other's budget. */
  private HttpHandler rateLimited(Router routes, int maxClients) {
    RateLimiter general =
        new RateLimiter(config.rateLimitBurst(), config.rateLimitRps(), maxClients);
    RateLimiter health =
        new RateLimiter(
            config.healthRateLimitRpm(), config.healthRateLimitRpm() / 60.0, maxClients);
    return new RateLimitHandler(routes, general, health, metrics);
  }

  private HttpHandler logged(HttpHandler next, Router routes) {
    return new RequestIdHandler(
        new AccessLogHandler(
            new PersistenceHandler(next),
            metrics,
            routes::templateOf,
            new ClientAddresses(config.trustedProxies())));
  }

  /** Binds both listeners and starts accepting connections. */
  public synchronized void start() throws IOException {
    int cpus = Runtime.getRuntime().availableProcessors();
    Xnio xnio = Xnio.getInstance(EchoServer.class.getClassLoader());
    worker =
        xnio.createWorker(
            OptionMap.builder()
                .set(Options.WORKER_NAME, "echo")
                .set(Options.WORKER_IO_THREADS, Math.max(2, cpus))
                .set(Options.WORKER_TASK_CORE_THREADS, Math.max(2, cpus))
                .set(Options.WORKER_TASK_MAX_THREADS, Math.max(4, 2 * cpus))
                .set(Options.TCP_NODELAY, true)
                .getMap());
    OptionMap undertowOptions =
        OptionMap.builder()
            .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(config.readTimeout()))
            .set(UndertowOptions.NO_REQUEST_TIMEOUT, millis(config.idleTimeout()))
            // Undertow's own entity limit (10 MiB by default) would cut bodies off without a
            // response; the echo
            // handler enforces MAX_BODY_SIZE itself, and other endpoints never read a body.
            .set(UndertowOptions.MAX_ENTITY_SIZE, Long.MAX_VALUE)
            .set(UndertowOptions.MAX_HEADER_SIZE, UNDERTOW_MAX_HEADER_SIZE)
            .set(UndertowOptions.MAX_HEADERS, 2 * RequestScanner.MAX_HEADER_FIELDS)
            .set(UndertowOptions.ENABLE_STATISTICS, true)
            .getMap();
    ByteBufferPool pool = new DefaultByteBufferPool(false, BUFFER_SIZE, 256, 4);
    long maxHeap = Runtime.getRuntime().maxMemory();
    int maxConnections = ServerConfig.maxConnections(maxHeap);
    int perClient = config.connectionsPerClient(maxHeap);
    RefusalLog refusals = new RefusalLog(metrics, router::templateOf);
    openListener = new HttpOpenListener(pool, undertowOptions);
    openListener.setRootHandler(root);
    metrics.bindActiveConnections(
        "serving", () -> openListener.getConnectorStatistics().getActiveConnections());
    guard =
        new ConnectionGuard(
            openListener,
            refusals,
            perClient,
            config.readTimeout().toMillis(),
            config.maxBodySize());
    listener =
        worker.createStreamConnectionServer(
            new InetSocketAddress(config.host(), config.port()),
            guard.acceptListener(),
            socketOptions(maxConnections));
    managementOpenListener = new HttpOpenListener(pool, undertowOptions);
    managementOpenListener.setRootHandler(managementRoot);
    metrics.bindActiveConnections(
        "management", () -> managementOpenListener.getConnectorStatistics().getActiveConnections());
    ConnectionGuard managementGuard =
        new ConnectionGuard(
            managementOpenListener,
            new RefusalLog(metrics, managementRouter::templateOf),
            MAX_MANAGEMENT_CONNECTIONS_PER_CLIENT,
            config.readTimeout().toMillis(),
            0);
    managementListener =
        worker.createStreamConnectionServer(
            new InetSocketAddress(config.host(), config.managementPort()),
            managementGuard.acceptListener(),
            socketOptions(MAX_MANAGEMENT_CONNECTIONS));
    listener.resumeAccepts();
    managementListener.resumeAccepts();
    // JVM meters are not needed for the first request: register them off the start-up path.
    Thread jvmMetrics = new Thread(metrics::bindJvmMetrics, "jvm-metrics");
    jvmMetrics.setDaemon(true);
    jvmMetrics.start();
    LOG.atInfo()
        .addKeyValue("address", config.host())
        .addKeyValue("port", port())
        .addKeyValue("management_port", managementPort())
        .addKeyValue("max_body_size", config.maxBodySize())
        .addKeyValue("max_inflight_body_bytes", config.maxInflightBodyBytes())
        .addKeyValue("max_inflight_body_bytes_per_client", config.bodyBytesPerClient())
        .addKeyValue("max_heap_bytes", maxHeap)
        .addKeyValue("max_connections", maxConnections)
        .addKeyValue("max_connections_per_client", perClient)
        .log("listening");
  }

  private OptionMap socketOptions(int maxConnections) {
    OptionMap.Builder options =
        OptionMap.builder()
            .set(Options.REUSE_ADDRESSES, true)
            .set(Options.TCP_NODELAY, true)
            .set(Options.BACKLOG, 1024)
            .set(Options.CONNECTION_HIGH_WATER, maxConnections)
            .set(Options.CONNECTION_LOW_WATER, maxConnections)
            .set(Options.WRITE_TIMEOUT, millis(config.writeTimeout()));
    if (sendBufferBytes > 0) {
      options.set(Options.SEND_BUFFER, sendBufferBytes);
    }
    return options.getMap();
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }

  /** The bound serving port (useful when configured with port 0). */
  public int port() {
    return ((InetSocketAddress) listener.getLocalAddress()).getPort();
  }

  /** The bound management port. */
  public int managementPort() {
    return ((InetSocketAddress) managementListener.getLocalAddress()).getPort();
  }

  /** The serving port's connection guard (tests). */
  public ConnectionGuard connectionGuard() {
    return guard;
  }

  public boolean isDraining() {
    return drain.isDraining();
  }

  /**
   * Turns readiness to 503 without stopping anything (first step of {@link #shutdownGracefully()}).
   */
  public void beginDraining() {
    drain.beginDraining();
    managementDrain.beginDraining();
  }

  /**
   * The worker whose IO threads serve both listeners (tests keep them busy to see what timers do
   * then).
   */
  public XnioWorker worker() {
    return worker;
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  public BodyBudget bodyBudget() {
    return budget;
  }

  /**
   * The shutdown sequence: readiness turns 503 at once; the listeners stay open for SHUTDOWN_DELAY
   * (load balancers notice the pod is unready and stop sending); the listeners close; requests in
   * progress get up to SHUTDOWN_TIMEOUT to complete; then the worker stops.
   *
   * @return whether every request in progress completed in time
   */
  public boolean shutdownGracefully() throws InterruptedException {
    beginDraining();
    LOG.atInfo()
        .addKeyValue("shutdown_delay", GoDuration.format(config.shutdownDelay()))
        .log("shutdown started: readiness is now 503");
    Thread.sleep(config.shutdownDelay().toMillis());
    IoUtils.safeClose(listener);
    IoUtils.safeClose(managementListener);
    drain.stopAccepting();
    managementDrain.stopAccepting();
    LOG.atInfo()
        .addKeyValue("in_flight", drain.activeRequests())
        .addKeyValue("shutdown_timeout", GoDuration.format(config.shutdownTimeout()))
        .log("listeners closed; waiting for requests in progress");
    boolean completed = drain.awaitIdle(config.shutdownTimeout().toMillis());
    if (!completed) {
      LOG.atWarn()
          .addKeyValue("in_flight", drain.activeRequests())
          .log("requests still in progress at SHUTDOWN_TIMEOUT; closing their connections");
    }
    close();
    LOG.info("shutdown complete");
    return completed;
  }

  /** Stops at once: closes the listeners and every connection. */
  @Override
  public synchronized void close() {
    IoUtils.safeClose(listener);
    IoUtils.safeClose(managementListener);
    if (openListener != null) {
      openListener.closeConnections();
    }
    if (managementOpenListener != null) {
      managementOpenListener.closeConnections();
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
