package dev.echoplatform.server.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The server's configuration, read from environment variables (names and defaults are a contract
 * with the operator). Every value is validated; {@link #fromEnv} throws a {@link ConfigException}
 * whose message names the variable, the value and the accepted form. An unset or empty variable
 * takes its default.
 */
public record ServerConfig(
    String host,
    int port,
    int managementPort,
    String logLevel,
    long maxBodySize,
    Duration readTimeout,
    Duration writeTimeout,
    Duration idleTimeout,
    int maxJsonDepth,
    int rateLimitRps,
    int rateLimitBurst,
    int healthRateLimitRpm,
    long maxInflightBodyBytes,
    List<Cidr> trustedProxies,
    Duration shutdownDelay,
    Duration shutdownTimeout,
    int maxConnectionsPerClient,
    long maxInflightBodyBytesPerClient,
    String serviceName,
    String environment) {

  /**
   * Default global budget of request-body bytes held in memory at once: 16 MiB.
   *
   * <p>Arithmetic for the 128 MiB container (image flags: -Xmx48m, -XX:MaxMetaspaceSize=40m,
   * -XX:ReservedCodeCacheSize=16m, -XX:MaxDirectMemorySize=16m, -Xss256k, SerialGC): bodies are
   * buffered on the heap, one byte array each, never larger than the reservation. 16 MiB of bodies
   * leaves 32 MiB of the 48 MiB heap for everything else (rate-limiter map at its 50k-entry bound ≈
   * 8 MiB, connection state, metrics, garbage). With 1000 concurrent 1 MiB uploads the first 16 are
   * admitted and the rest are answered 503 before a byte of their body is read, so the heap can
   * never be exhausted by bodies. Heap 48 + metaspace ≤ 40 + code cache ≤ 16 + direct ≤ 16 + thread
   * stacks and JVM internals (~10) stays below 128 MiB even when every pool is full; measured peak
   * RSS is recorded in docs/echo-server.md.
   */
  public static final long DEFAULT_MAX_INFLIGHT_BODY_BYTES = 16L * 1024 * 1024;

  /** Largest accepted MAX_BODY_SIZE. */
  public static final long MAX_BODY_SIZE_LIMIT = 64L * 1024 * 1024;

  /**
   * Heap one open connection may hold at most: Undertow's and the request scanner's state (about
   * 3.5 KiB, measured with 4000 connections holding a partial head) plus one 4 KiB read buffer
   * (bytes of a pipelined next request) and one 4 KiB write buffer (a response the client does not
   * read).
   */
  public static final int CONNECTION_HEAP_BYTES = 12 * 1024;

  /**
   * Share of the heap, in percent, that open connections may hold at most; sets {@link
   * #maxConnections}.
   */
  public static final int CONNECTIONS_PERCENT_OF_HEAP = 30;

  /** Bounds of the connection limit, whatever the heap. */
  public static final int MIN_CONNECTIONS = 64;

  public static final int MAX_CONNECTIONS = 16_384;

  /**
   * Share of the JVM's maximum heap, in percent, that MAX_INFLIGHT_BODY_BYTES may take. The rest
   * holds everything else (connection state, rate-limiter maps, metrics, garbage between
   * collections). The image sizes the heap at 32 % of the container's memory limit, so the budget
   * may be 14 % of the limit; the CRD allows 12.5 % (1/8), which leaves room for the survivor space
   * that {@link Runtime#maxMemory()} does not report.
   */
  public static final int BUDGET_PERCENT_OF_HEAP = 45;

  /**
   * One environment variable: name, default, accepted form and meaning. Drives parsing messages and
   * --help.
   */
  public record Setting(String name, String defaultValue, String accepted, String description) {}

  public static final List<Setting> SETTINGS =
      List.of(
          new Setting(
              "BIND_ADDRESS",
              "0.0.0.0",
              "an IPv4 or IPv6 address literal, e.g. 0.0.0.0, 127.0.0.1, ::",
              "address both ports listen on; 0.0.0.0 = every interface (a pod), 127.0.0.1 = this machine only (local runs and tests)"),
          new Setting(
              "PORT",
              "8080",
              "an integer 1-65535",
              "TCP port of /echo, /healthz, /readyz and /openapi.json"),
          new Setting(
              "MANAGEMENT_PORT",
              "8081",
              "an integer 1-65535, not PORT",
              "TCP port of /healthz, /readyz and /metrics for probes and scraping, with its own connection and rate limits"),
          new Setting(
              "LOG_LEVEL",
              "info",
              "one of debug, info, warn, error",
              "log level; a request's access-log line is at warn for 5xx, info for 4xx, debug otherwise; bodies only at debug"),
          new Setting(
              "SERVICE_NAME",
              "",
              "empty or up to 253 characters of [A-Za-z0-9._-]",
              "added to every log line as \"service\" (the operator passes the EchoService's name)"),
          new Setting(
              "ENVIRONMENT",
              "",
              "empty or up to 253 characters of [A-Za-z0-9._-]",
              "added to every log line as \"environment\" (the operator passes the EchoService's environment label)"),
          new Setting(
              "MAX_BODY_SIZE",
              "1048576",
              "a positive integer number of bytes, at most "
                  + MAX_BODY_SIZE_LIMIT
                  + " and at most MAX_INFLIGHT_BODY_BYTES",
              "largest accepted /echo body; larger bodies get 413"),
          new Setting(
              "READ_TIMEOUT",
              "5s",
              "a positive Go duration such as 250ms, 5s, 1m30s",
              "time allowed to receive the request headers, and the longest pause while a body arrives; also how long a new connection may stay silent"),
          new Setting(
              "WRITE_TIMEOUT",
              "10s",
              "a positive Go duration such as 250ms, 5s, 1m30s",
              "time a response write may stall before the connection is closed"),
          new Setting(
              "IDLE_TIMEOUT",
              "60s",
              "a positive Go duration such as 250ms, 5s, 1m30s",
              "time an idle keep-alive connection is kept open"),
          new Setting(
              "MAX_JSON_DEPTH",
              "64",
              "an integer 1-10000",
              "deepest allowed nesting of objects and arrays in an /echo body"),
          new Setting(
              "RATE_LIMIT_RPS",
              "100",
              "an integer 1-1000000",
              "per-client token refill rate (requests/second) for /echo, /metrics, /openapi.json and unknown paths"),
          new Setting(
              "RATE_LIMIT_BURST",
              "200",
              "an integer 1-1000000",
              "per-client bucket size (burst) for the RATE_LIMIT_RPS budget"),
          new Setting(
              "HEALTH_RATE_LIMIT_RPM",
              "1000",
              "an integer 1-1000000",
              "per-client budget for /healthz and /readyz in requests/minute (bucket size = one minute's worth)"),
          new Setting(
              "MAX_INFLIGHT_BODY_BYTES",
              Long.toString(DEFAULT_MAX_INFLIGHT_BODY_BYTES),
              "a positive integer number of bytes",
              "global budget of request-body bytes held in memory at once; past it /echo answers 503 with Retry-After"),
          new Setting(
              "MAX_INFLIGHT_BODY_BYTES_PER_CLIENT",
              "0",
              "0 or an integer number of bytes from MAX_BODY_SIZE to MAX_INFLIGHT_BODY_BYTES; 0 = a quarter of MAX_INFLIGHT_BODY_BYTES, at least MAX_BODY_SIZE",
              "share of that budget one client address may hold; past it that client's /echo answers 503"),
          new Setting(
              "TRUSTED_PROXIES",
              "",
              "a comma-separated list of CIDRs or IP addresses, e.g. 10.0.0.0/8,192.168.1.10",
              "peers whose X-Forwarded-For is honoured to find the client address; empty = never trust it"),
          new Setting(
              "SHUTDOWN_DELAY",
              "5s",
              "a Go duration such as 0, 500ms, 5s",
              "after SIGTERM: time /readyz reports draining while the listener stays open"),
          new Setting(
              "SHUTDOWN_TIMEOUT",
              "30s",
              "a Go duration such as 0, 500ms, 30s",
              "after the listener closes: time in-flight requests get to finish"),
          new Setting(
              "MAX_CONNECTIONS_PER_CLIENT",
              "0",
              "an integer 0-" + MAX_CONNECTIONS + "; 0 = a quarter of the connection limit",
              "open connections one client address may hold on PORT; one more is answered 503 and closed. The port's connection limit is derived from the heap: "
                  + CONNECTIONS_PERCENT_OF_HEAP
                  + " % of it at "
                  + CONNECTION_HEAP_BYTES / 1024
                  + " KiB per connection (about 1040 in a 128 MiB container)"));

  public ServerConfig {
    trustedProxies = List.copyOf(trustedProxies);
  }

  /** The defaults (what an empty environment yields). */
  public static ServerConfig defaults() {
    return fromEnv(Map.of());
  }

  /**
   * Same configuration listening on another address (tests bind 127.0.0.1 on an ephemeral port 0).
   */
  public ServerConfig withListenAddress(String newHost, int newPort, int newManagementPort) {
    return new ServerConfig(
        newHost,
        newPort,
        newManagementPort,
        logLevel,
        maxBodySize,
        readTimeout,
        writeTimeout,
        idleTimeout,
        maxJsonDepth,
        rateLimitRps,
        rateLimitBurst,
        healthRateLimitRpm,
        maxInflightBodyBytes,
        trustedProxies,
        shutdownDelay,
        shutdownTimeout,
        maxConnectionsPerClient,
        maxInflightBodyBytesPerClient,
        serviceName,
        environment);
  }

  /**
   * @throws ConfigException for the first invalid variable, in the order of {@link #SETTINGS}
   */
  public static ServerConfig fromEnv(Map<String, String> env) {
    Reader r = new Reader(env);
    String host =
        r.get(
            "BIND_ADDRESS",
            v -> {
              java.net.InetAddress address = IpLiterals.parse(v);
              if (address == null) {
                throw new IllegalArgumentException();
              }
              return address.getHostAddress();
            });
    int port = (int) r.integer("PORT", 1, 65535);
    int managementPort = (int) r.integer("MANAGEMENT_PORT", 1, 65535);
    String logLevel =
        r.get(
            "LOG_LEVEL",
            v -> {
              String l = v.toLowerCase(Locale.ROOT);
              if (!List.of("debug", "info", "warn", "error").contains(l)) {
                throw new IllegalArgumentException();
              }
              return l;
            });
    String serviceName = r.get("SERVICE_NAME", ServerConfig::logField);
    String environment = r.get("ENVIRONMENT", ServerConfig::logField);
    long maxBodySize = r.integer("MAX_BODY_SIZE", 1, MAX_BODY_SIZE_LIMIT);
    Duration readTimeout = r.duration("READ_TIMEOUT", true);
    Duration writeTimeout = r.duration("WRITE_TIMEOUT", true);
    Duration idleTimeout = r.duration("IDLE_TIMEOUT", true);
    int maxJsonDepth = (int) r.integer("MAX_JSON_DEPTH", 1, 10_000);
    int rps = (int) r.integer("RATE_LIMIT_RPS", 1, 1_000_000);
    int burst = (int) r.integer("RATE_LIMIT_BURST", 1, 1_000_000);
    int healthRpm = (int) r.integer("HEALTH_RATE_LIMIT_RPM", 1, 1_000_000);
    long budget = r.integer("MAX_INFLIGHT_BODY_BYTES", 1, Long.MAX_VALUE);
    long share = r.integer("MAX_INFLIGHT_BODY_BYTES_PER_CLIENT", 0, Long.MAX_VALUE);
    List<Cidr> proxies =
        r.get(
            "TRUSTED_PROXIES",
            v -> {
              List<Cidr> out = new ArrayList<>();
              if (v.isEmpty()) {
                return out;
              }
              for (String part : v.split(",", -1)) {
                if (part.isBlank()) {
                  throw new IllegalArgumentException("empty entry");
                }
                out.add(Cidr.parse(part));
              }
              return out;
            });
    Duration shutdownDelay = r.duration("SHUTDOWN_DELAY", false);
    Duration shutdownTimeout = r.duration("SHUTDOWN_TIMEOUT", false);
    int perClient = (int) r.integer("MAX_CONNECTIONS_PER_CLIENT", 0, MAX_CONNECTIONS);
    if (managementPort == port) {
      throw new ConfigException(
          "invalid MANAGEMENT_PORT=\"" + managementPort + "\": must differ from PORT");
    }
    if (share != 0 && (share < maxBodySize || share > budget)) {
      throw new ConfigException(
          "invalid MAX_INFLIGHT_BODY_BYTES_PER_CLIENT=\""
              + share
              + "\": must be 0 or between "
              + "MAX_BODY_SIZE ("
              + maxBodySize
              + ") and MAX_INFLIGHT_BODY_BYTES ("
              + budget
              + ")");
    }
    if (maxBodySize > budget) {
      throw new ConfigException(
          "invalid MAX_BODY_SIZE=\""
              + maxBodySize
              + "\": must not exceed MAX_INFLIGHT_BODY_BYTES ("
              + budget
              + "), otherwise a maximal body could never be admitted");
    }
    return new ServerConfig(
        host,
        port,
        managementPort,
        logLevel,
        maxBodySize,
        readTimeout,
        writeTimeout,
        idleTimeout,
        maxJsonDepth,
        rps,
        burst,
        healthRpm,
        budget,
        proxies,
        shutdownDelay,
        shutdownTimeout,
        perClient,
        share,
        serviceName,
        environment);
  }

  /** A value of SERVICE_NAME or ENVIRONMENT: what a Kubernetes label value may hold. */
  private static String logField(String v) {
    if (!v.matches("[A-Za-z0-9._-]{0,253}")) {
      throw new IllegalArgumentException();
    }
    return v;
  }

  /**
   * MAX_INFLIGHT_BODY_BYTES_PER_CLIENT, or a quarter of the budget (at least MAX_BODY_SIZE) when it
   * is 0.
   */
  public long bodyBytesPerClient() {
    return maxInflightBodyBytesPerClient != 0
        ? maxInflightBodyBytesPerClient
        : Math.min(maxInflightBodyBytes, Math.max(maxBodySize, maxInflightBodyBytes / 4));
  }

  /**
   * The serving port's connection limit for a JVM with {@code maxHeapBytes}: what {@value
   * #CONNECTIONS_PERCENT_OF_HEAP} % of the heap holds at {@value #CONNECTION_HEAP_BYTES} bytes
   * each, within [{@value #MIN_CONNECTIONS}, {@value #MAX_CONNECTIONS}]. Beyond it, new connections
   * wait in the accept backlog.
   */
  public static int maxConnections(long maxHeapBytes) {
    long fits = maxHeapBytes / 100 * CONNECTIONS_PERCENT_OF_HEAP / CONNECTION_HEAP_BYTES;
    return (int) Math.max(MIN_CONNECTIONS, Math.min(MAX_CONNECTIONS, fits));
  }

  /**
   * MAX_CONNECTIONS_PER_CLIENT, or a quarter of the connection limit when it is 0; never above the
   * limit.
   */
  public int connectionsPerClient(long maxHeapBytes) {
    int limit = maxConnections(maxHeapBytes);
    return maxConnectionsPerClient == 0
        ? Math.max(1, limit / 4)
        : Math.min(maxConnectionsPerClient, limit);
  }

  /**
   * Checks that the body budget fits the JVM it runs in: at most {@value #BUDGET_PERCENT_OF_HEAP} %
   * of the maximum heap. The image derives the heap from the container's memory limit, so this
   * refuses, at start and naming the variable, a budget that the pod's memory cannot hold, instead
   * of running out of heap under load.
   *
   * @throws ConfigException naming MAX_INFLIGHT_BODY_BYTES when it does not fit
   */
  public void checkMemory(long maxHeapBytes) {
    if (maxInflightBodyBytes > maxHeapBytes / 100 * BUDGET_PERCENT_OF_HEAP) {
      long neededMiB = (maxInflightBodyBytes / BUDGET_PERCENT_OF_HEAP * 100 + (1 << 20) - 1) >> 20;
      throw new ConfigException(
          "invalid MAX_INFLIGHT_BODY_BYTES=\""
              + maxInflightBodyBytes
              + "\": request bodies "
              + "may take at most "
              + BUDGET_PERCENT_OF_HEAP
              + " % of the heap, and this JVM's heap is "
              + (maxHeapBytes >> 20)
              + " MiB; it needs a heap of at least "
              + neededMiB
              + " MiB (raise the container's memory limit, or "
              + "lower MAX_INFLIGHT_BODY_BYTES and MAX_BODY_SIZE)");
    }
  }

  /** The table printed by {@code --help}. */
  public static String helpTable() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format("%-24s %-10s %s%n", "VARIABLE", "DEFAULT", "MEANING (accepted values)"));
    for (Setting s : SETTINGS) {
      out.append(
          String.format(
              "%-24s %-10s %s (%s)%n",
              s.name(),
              s.defaultValue().isEmpty() ? "\"\"" : s.defaultValue(),
              s.description(),
              s.accepted()));
    }
    return out.toString();
  }

  static Setting setting(String name) {
    return SETTINGS.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("unknown setting " + name));
  }

  private static final class Reader {
    private final Map<String, String> env;

    Reader(Map<String, String> env) {
      this.env = env;
    }

    <T> T get(String name, Function<String, T> parse) {
      Setting s = setting(name);
      String raw = env.get(name);
      String value = raw == null || raw.isEmpty() ? s.defaultValue() : raw;
      try {
        if (!value.equals(value.trim())) {
          throw new IllegalArgumentException("surrounding whitespace");
        }
        return parse.apply(value);
      } catch (IllegalArgumentException e) {
        String reason = e.getMessage() == null ? "" : " (" + e.getMessage() + ")";
        throw new ConfigException(
            "invalid "
                + name
                + "=\""
                + printable(raw)
                + "\""
                + reason
                + ": expected "
                + s.accepted());
      }
    }

    long integer(String name, long min, long max) {
      return get(
          name,
          v -> {
            if (v.isEmpty() || v.length() > 19 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
              throw new IllegalArgumentException();
            }
            long n = Long.parseLong(v);
            if (n < min || n > max) {
              throw new IllegalArgumentException("out of range");
            }
            return n;
          });
    }

    Duration duration(String name, boolean positive) {
      return get(
          name,
          v -> {
            Duration d = GoDuration.parse(v);
            if (positive && d.isZero()) {
              throw new IllegalArgumentException("must be greater than 0");
            }
            return d;
          });
    }

    private static String printable(String raw) {
      StringBuilder b = new StringBuilder();
      raw.codePoints()
          .limit(200)
          .forEach(
              c -> {
                if (c == '"' || c == '\\') {
                  b.append('\\').append((char) c);
                } else if (c < 0x20 || c == 0x7f) {
                  b.append(String.format("\\u%04x", c));
                } else {
                  b.appendCodePoint(c);
                }
              });
      return b.toString();
    }
  }
}
