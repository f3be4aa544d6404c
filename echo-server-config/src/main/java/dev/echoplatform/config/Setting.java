package dev.echoplatform.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every environment variable echo-server reads, defined once: its name, type, bounds, default, help
 * text and parser, and the EchoService field that sets it. echo-server reads its environment
 * through this table ({@link ServerConfig#fromEnv}); the operator renders the ConfigMap from it and
 * generates the CRD's defaults, bounds and rules of {@code spec.settings} from it, so the API
 * server admits what the server runs.
 *
 * <p>Relations between settings (MAX_BODY_SIZE at most MAX_INFLIGHT_BODY_BYTES, and so on) are
 * checked by {@link ServerConfig#fromEnv}; the CRD states them as CEL rules on {@code
 * spec.settings}, held to the server by the deploy module's {@code SettingsContractTest}.
 */
public enum Setting {
  BIND_ADDRESS(
      Field.NONE,
      Kind.ADDRESS,
      0,
      0,
      "0.0.0.0",
      "",
      "address both ports listen on; 0.0.0.0 = every interface (a pod), 127.0.0.1 = this machine"
          + " only (local runs and tests)"),
  PORT(
      Field.NONE,
      Kind.INTEGER,
      1,
      65535,
      "8080",
      "",
      "TCP port of /echo, /healthz, /readyz and /openapi.json"),
  MANAGEMENT_PORT(
      Field.NONE,
      Kind.INTEGER,
      1,
      65535,
      "8081",
      ", not PORT",
      "TCP port of /healthz, /readyz and /metrics for probes and scraping, with its own connection"
          + " and rate limits"),
  LOG_LEVEL(
      Field.defaulted("logLevel"),
      Kind.LOG_LEVEL,
      0,
      0,
      "info",
      "",
      "log level; a request's access-log line is at warn for 5xx, info for 4xx, debug otherwise;"
          + " bodies only at debug"),
  SERVICE_NAME(
      Field.NONE,
      Kind.LABEL_VALUE,
      0,
      0,
      "",
      "",
      "added to every log line as \"service\" (the operator passes the EchoService's name)"),
  ENVIRONMENT(
      Field.NONE,
      Kind.LABEL_VALUE,
      0,
      0,
      "",
      "",
      "added to every log line as \"environment\" (the operator passes the EchoService's"
          + " environment label)"),
  MAX_BODY_SIZE(
      Field.defaulted("maxBodySize"),
      Kind.INTEGER,
      1,
      Setting.MAX_BODY_SIZE_LIMIT,
      "1048576",
      " (bytes), and at most MAX_INFLIGHT_BODY_BYTES",
      "largest accepted /echo body; larger bodies get 413"),
  READ_TIMEOUT(
      Field.defaulted("readTimeout"),
      Kind.POSITIVE_DURATION,
      0,
      0,
      "5s",
      "",
      "time allowed to receive the request headers, and the longest pause while a body arrives;"
          + " also how long a new connection may stay silent"),
  WRITE_TIMEOUT(
      Field.defaulted("writeTimeout"),
      Kind.POSITIVE_DURATION,
      0,
      0,
      "10s",
      "",
      "time a response write may stall before the connection is closed"),
  IDLE_TIMEOUT(
      Field.defaulted("idleTimeout"),
      Kind.POSITIVE_DURATION,
      0,
      0,
      "60s",
      "",
      "time an idle keep-alive connection is kept open"),
  MAX_JSON_DEPTH(
      Field.defaulted("maxJsonDepth"),
      Kind.INTEGER,
      1,
      10_000,
      "64",
      "",
      "deepest allowed nesting of objects and arrays in an /echo body"),
  RATE_LIMIT_RPS(
      Field.defaulted("rateLimitRps"),
      Kind.INTEGER,
      1,
      1_000_000,
      "100",
      "",
      "per-client token refill rate (requests/second) for /echo, /metrics, /openapi.json and"
          + " unknown paths"),
  RATE_LIMIT_BURST(
      Field.defaulted("rateLimitBurst"),
      Kind.INTEGER,
      1,
      1_000_000,
      "200",
      "",
      "per-client bucket size (burst) for the RATE_LIMIT_RPS budget"),
  HEALTH_RATE_LIMIT_RPM(
      Field.defaulted("healthRateLimitRpm"),
      Kind.INTEGER,
      1,
      1_000_000,
      "1000",
      "",
      "per-client budget for /healthz and /readyz in requests/minute (bucket size = one minute's"
          + " worth)"),
  MAX_INFLIGHT_BODY_BYTES(
      Field.optional("maxInflightBodyBytes"),
      Kind.INTEGER,
      1,
      Long.MAX_VALUE,
      Long.toString(Setting.DEFAULT_MAX_INFLIGHT_BODY_BYTES),
      " (bytes), at most " + ServerConfig.BUDGET_PERCENT_OF_HEAP + " % of the JVM's heap",
      "global budget of request-body bytes held in memory at once; past it /echo answers 503 with"
          + " Retry-After"),
  MAX_INFLIGHT_BODY_BYTES_PER_CLIENT(
      Field.optional("maxInflightBodyBytesPerClient"),
      Kind.INTEGER,
      0,
      Long.MAX_VALUE,
      "0",
      " (bytes): 0, or from MAX_BODY_SIZE to MAX_INFLIGHT_BODY_BYTES; 0 = a quarter of"
          + " MAX_INFLIGHT_BODY_BYTES, at least MAX_BODY_SIZE",
      "share of that budget one client address may hold; past it that client's /echo answers 503"),
  TRUSTED_PROXIES(
      Field.defaulted("trustedProxies"),
      Kind.CIDR_LIST,
      0,
      Setting.MAX_TRUSTED_PROXIES,
      "",
      "",
      "peers whose X-Forwarded-For is honoured to find the client address; empty = never trust"
          + " it"),
  SHUTDOWN_DELAY(
      Field.defaulted("shutdownDelay"),
      Kind.DURATION,
      0,
      0,
      "5s",
      "",
      "after SIGTERM: time /readyz reports draining while the listener stays open"),
  SHUTDOWN_TIMEOUT(
      Field.defaulted("shutdownTimeout"),
      Kind.DURATION,
      0,
      0,
      "30s",
      "",
      "after the listener closes: time in-flight requests get to finish"),
  MAX_CONNECTIONS_PER_CLIENT(
      Field.optional("maxConnectionsPerClient"),
      Kind.INTEGER,
      0,
      ServerConfig.MAX_CONNECTIONS,
      "0",
      "; 0 = a quarter of the connection limit",
      "open connections one client address may hold on PORT; one more is answered 503 and"
          + " closed. The port's connection limit is derived from the heap: "
          + ServerConfig.CONNECTIONS_PERCENT_OF_HEAP
          + " % of it at "
          + ServerConfig.CONNECTION_HEAP_BYTES / 1024
          + " KiB per connection (about 1040 in a 128 MiB container)");

  /** Largest accepted MAX_BODY_SIZE: 64 MiB. */
  public static final long MAX_BODY_SIZE_LIMIT = 64L * 1024 * 1024;

  /**
   * Default of MAX_INFLIGHT_BODY_BYTES: 16 MiB. Bodies are held on the heap, at most {@link
   * ServerConfig#BUDGET_PERCENT_OF_HEAP} % of it ({@link ServerConfig#checkMemory}); the image
   * sizes the heap at 32 % of the container's memory limit, so the default fits the smallest limit
   * the CRD admits, 128Mi (8 x the budget).
   */
  public static final long DEFAULT_MAX_INFLIGHT_BODY_BYTES = 16L * 1024 * 1024;

  /** Most TRUSTED_PROXIES entries. */
  public static final int MAX_TRUSTED_PROXIES = 64;

  /** Values of LOG_LEVEL, least severe first. */
  public static final List<String> LOG_LEVELS = List.of("debug", "info", "warn", "error");

  /** The shape of a setting's value; it decides the parser and the sentence of accepted values. */
  public enum Kind {
    /** An IPv4 or IPv6 address literal. */
    ADDRESS,
    /** A decimal integer within [min, max]. */
    INTEGER,
    /** One of {@link #LOG_LEVELS}, in any case. */
    LOG_LEVEL,
    /** What a Kubernetes label value may hold, or empty. */
    LABEL_VALUE,
    /** A Go duration of at most {@link GoDuration#MAX}, 0 allowed. */
    DURATION,
    /** A Go duration more than 0 and at most {@link GoDuration#MAX}. */
    POSITIVE_DURATION,
    /** A comma-separated list of CIDRs or addresses, at most max entries. */
    CIDR_LIST
  }

  /**
   * The EchoService field under {@code spec.settings} that sets a variable, if any.
   *
   * @param name the field's name; null when the operator sets the variable itself (ports, names)
   * @param defaulted whether the CRD gives the field the default and the ConfigMap always carries
   *     the variable; otherwise an unset field leaves the variable out and the server's default
   *     applies (used where the default is derived, as 0 = "a quarter of")
   */
  public record Field(String name, boolean defaulted) {
    static final Field NONE = new Field(null, false);

    static Field defaulted(String name) {
      return new Field(name, true);
    }

    static Field optional(String name) {
      return new Field(name, false);
    }
  }

  private final Field field;
  private final Kind kind;
  private final long min;
  private final long max;
  private final String defaultValue;
  private final String constraint;
  private final String description;

  Setting(
      Field field,
      Kind kind,
      long min,
      long max,
      String defaultValue,
      String constraint,
      String description) {
    this.field = field;
    this.kind = kind;
    this.min = min;
    this.max = max;
    this.defaultValue = defaultValue;
    this.constraint = constraint;
    this.description = description;
  }

  /** The environment variable's name. */
  public String env() {
    return name();
  }

  /** The field of {@code spec.settings} that sets it; {@link Field#name()} null if none. */
  public Field field() {
    return field;
  }

  public Kind kind() {
    return kind;
  }

  /** Smallest value of an {@link Kind#INTEGER}. */
  public long min() {
    return min;
  }

  /**
   * Largest value of an {@link Kind#INTEGER} ({@link Long#MAX_VALUE}: unbounded), or the most
   * entries of a {@link Kind#CIDR_LIST}.
   */
  public long max() {
    return max;
  }

  /** The value an unset or empty variable takes. */
  public String defaultValue() {
    return defaultValue;
  }

  /** What the variable means, for --help. */
  public String description() {
    return description;
  }

  /** The accepted values, in words: the end of every error message and of the --help line. */
  public String accepted() {
    String base =
        switch (kind) {
          case ADDRESS -> "an IPv4 or IPv6 address literal, e.g. 0.0.0.0, 127.0.0.1, ::";
          case INTEGER ->
              max == Long.MAX_VALUE
                  ? (min == 0 ? "0 or a positive integer" : "a positive integer")
                  : "an integer " + min + "-" + max;
          case LOG_LEVEL -> "one of " + String.join(", ", LOG_LEVELS);
          case LABEL_VALUE -> "empty or up to 253 characters of [A-Za-z0-9._-]";
          case DURATION ->
              "a Go duration of at most " + GoDuration.MAX_TEXT + ", such as 0, 500ms, 5s";
          case POSITIVE_DURATION ->
              "a Go duration more than 0 and at most "
                  + GoDuration.MAX_TEXT
                  + ", such as 250ms, 5s, 1m30s";
          case CIDR_LIST ->
              "a comma-separated list of at most "
                  + max
                  + " CIDRs or IP addresses, e.g. 10.0.0.0/8,192.168.1.10";
        };
    return base + constraint;
  }

  /** Whether {@link #read} accepts {@code text} as this variable's value. */
  public boolean accepts(String text) {
    try {
      read(Map.of(name(), text));
      return true;
    } catch (ConfigException e) {
      return false;
    }
  }

  /** This variable's value in {@code env} (its default when unset or empty), as text. */
  String raw(Map<String, String> env) {
    String raw = env.get(name());
    return raw == null || raw.isEmpty() ? defaultValue : raw;
  }

  /**
   * Parses this variable from {@code env} by its kind: a {@code Long}, a {@code Duration}, a {@code
   * String} or a {@code List<Cidr>}.
   *
   * @throws ConfigException naming the variable, the value and {@link #accepted()}
   */
  public Object read(Map<String, String> env) {
    String value = raw(env);
    try {
      if (!value.equals(value.trim())) {
        throw new IllegalArgumentException("surrounding whitespace");
      }
      return parse(value);
    } catch (IllegalArgumentException e) {
      String reason = e.getMessage() == null ? "" : " (" + e.getMessage() + ")";
      throw new ConfigException(
          "invalid "
              + name()
              + "=\""
              + printable(env.getOrDefault(name(), ""))
              + "\""
              + reason
              + ": expected "
              + accepted());
    }
  }

  private Object parse(String v) {
    return switch (kind) {
      case ADDRESS -> {
        java.net.InetAddress address = IpLiterals.parse(v);
        if (address == null) {
          throw new IllegalArgumentException();
        }
        yield address.getHostAddress();
      }
      case INTEGER -> {
        if (v.isEmpty() || v.length() > 19 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
          throw new IllegalArgumentException();
        }
        long n = Long.parseLong(v);
        if (n < min || n > max) {
          throw new IllegalArgumentException("out of range");
        }
        yield n;
      }
      case LOG_LEVEL -> {
        String l = v.toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(l)) {
          throw new IllegalArgumentException();
        }
        yield l;
      }
      case LABEL_VALUE -> {
        if (!v.matches("[A-Za-z0-9._-]{0,253}")) {
          throw new IllegalArgumentException();
        }
        yield v;
      }
      case DURATION, POSITIVE_DURATION -> {
        Duration d = GoDuration.parse(v);
        if (kind == Kind.POSITIVE_DURATION && d.isZero()) {
          throw new IllegalArgumentException("must be greater than 0");
        }
        yield d;
      }
      case CIDR_LIST -> {
        List<Cidr> out = new ArrayList<>();
        if (!v.isEmpty()) {
          for (String part : v.split(",", -1)) {
            if (part.isBlank()) {
              throw new IllegalArgumentException("empty entry");
            }
            out.add(Cidr.parse(part));
          }
        }
        if (out.size() > max) {
          throw new IllegalArgumentException(out.size() + " entries");
        }
        yield List.copyOf(out);
      }
    };
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

  /** The table printed by {@code --help}. */
  public static String helpTable() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format("%-24s %-10s %s%n", "VARIABLE", "DEFAULT", "MEANING (accepted values)"));
    for (Setting s : values()) {
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
}
