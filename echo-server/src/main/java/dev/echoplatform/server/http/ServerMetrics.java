package dev.echoplatform.server.http;

import dev.echoplatform.server.BuildInfo;
import dev.echoplatform.server.wire.Violation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The server's Prometheus metrics. Names as exposed: {@code http_server_requests_seconds}
 * (histogram; tags route, method, status), {@code echo_http_active_connections}, {@code
 * echo_http_inflight_requests}, {@code echo_http_errors_total{type}}, plus JVM memory, GC, threads,
 * class loading, CPU and uptime. Tag values come from closed sets (route templates or {@code
 * unmatched}, known methods or {@code OTHER}, status codes), so a client cannot create series at
 * will.
 */
public final class ServerMetrics implements AutoCloseable {

  /** Error types counted in {@code echo_http_errors_total}. */
  public enum ErrorType {
    INVALID_JSON,
    TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    RATE_LIMITED,
    OVERLOADED,
    TIMEOUT,
    // Refused below the handlers (connection guard and request framing): one per Violation.Kind.
    BAD_REQUEST,
    HEADERS_TOO_LARGE,
    URI_TOO_LONG,
    NOT_IMPLEMENTED,
    VERSION_NOT_SUPPORTED,
    CONNECTION_LIMIT;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The error type counting refusals of {@code kind}. */
    public static ErrorType of(Violation.Kind kind) {
      return valueOf(kind.name());
    }
  }

  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");

  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<ErrorType, Counter> errors = new EnumMap<>(ErrorType.class);
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final AtomicInteger inflight = new AtomicInteger();
  private JvmGcMetrics gcMetrics;

  /** Counted down once the JVM binders are registered (see {@link #bindJvmMetrics()}). */
  private final CountDownLatch jvmBound = new CountDownLatch(1);

  private volatile boolean closed;

  public ServerMetrics() {
    for (ErrorType type : ErrorType.values()) {
      errors.put(
          type,
          Counter.builder("echo.http.errors")
              .description("Requests rejected, by reason")
              .tag("type", type.tag())
              .register(registry));
    }
    Gauge.builder("echo.http.inflight.requests", inflight, AtomicInteger::get)
        .description("Requests being processed")
        .register(registry);
    Gauge.builder("echo.build.info", () -> 1)
        .description("The server's version and source revision (always 1)")
        .tag("version", BuildInfo.version())
        .tag("revision", BuildInfo.revision())
        .register(registry);
  }

  /**
   * Registers the JVM memory, GC, thread, class-loading, CPU and uptime meters. They need the
   * platform MXBeans, whose initialisation costs about a tenth of the start-up time, and nothing in
   * the first request depends on them: the server calls this on a background thread once it
   * listens, and {@link #awaitJvmMetrics} lets a scrape wait for it. Idempotent.
   */
  public synchronized void bindJvmMetrics() {
    if (jvmBound.getCount() == 0 || closed) {
      return;
    }
    try {
      new JvmMemoryMetrics().bindTo(registry);
      gcMetrics = new JvmGcMetrics();
      gcMetrics.bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
    } finally {
      jvmBound.countDown();
    }
  }

  /**
   * Waits (at most {@code millis}) until the JVM meters are registered; a scrape calls this first.
   */
  public boolean awaitJvmMetrics(long millis) throws InterruptedException {
    return jvmBound.await(millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Registers the open-connections gauge of one listener ({@code serving} or {@code management}).
   */
  public void bindActiveConnections(String listener, LongSupplier activeConnections) {
    Gauge.builder("echo.http.active.connections", activeConnections, s -> s.getAsLong())
        .description("Open connections, by listener")
        .tag("listener", listener)
        .strongReference(true)
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void error(ErrorType type) {
    errors.get(type).increment();
  }

  public double errorCount(ErrorType type) {
    return errors.get(type).count();
  }

  public AtomicInteger inflight() {
    return inflight;
  }

  public void recordRequest(String route, String method, int status, long nanos) {
    String m = KNOWN_METHODS.contains(method) ? method : "OTHER";
    String key = route + ' ' + m + ' ' + status;
    Timer timer = timers.get(key);
    if (timer == null) {
      timer =
          timers.computeIfAbsent(
              key,
              k ->
                  Timer.builder("http.server.requests")
                      .description("HTTP requests by route template, method and status")
                      .tag("route", route)
                      .tag("method", m)
                      .tag("status", Integer.toString(status))
                      .serviceLevelObjectives(BUCKETS)
                      .register(registry));
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (gcMetrics != null) {
      gcMetrics.close();
    }
    registry.close();
  }
}
