package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * echo-server settings. Each maps to one of the server's environment variables (named in the
 * description); the defaults are the server's own.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.rateLimitBurst >= self.rateLimitRps",
    message = "spec.settings.rateLimitBurst must be at least spec.settings.rateLimitRps")
// echo-server refuses MAX_BODY_SIZE above MAX_INFLIGHT_BODY_BYTES (default 16777216) or above 64
// MiB:
// refused at admission rather than as pods that exit at start.
@ValidationRule(
    value =
        "self.maxBodySize <= (has(self.maxInflightBodyBytes) ? self.maxInflightBodyBytes : 16777216)",
    message =
        "spec.settings.maxBodySize must not exceed spec.settings.maxInflightBodyBytes"
            + " (default 16777216)")
// A client's share must hold one maximal body and cannot exceed the whole budget (echo-server
// refuses both at start).
@ValidationRule(
    value =
        "!has(self.maxInflightBodyBytesPerClient) || self.maxInflightBodyBytesPerClient == 0"
            + " || (self.maxInflightBodyBytesPerClient >= self.maxBodySize"
            + " && self.maxInflightBodyBytesPerClient"
            + " <= (has(self.maxInflightBodyBytes) ? self.maxInflightBodyBytes : 16777216))",
    message =
        "spec.settings.maxInflightBodyBytesPerClient must be 0 or between spec.settings.maxBodySize and"
            + " spec.settings.maxInflightBodyBytes (default 16777216)")
// The server's duration grammar and bounds, one rule per field so the message says in words what is
// expected: the pods must start with whatever the API server admits. On the object, not the fields:
// a record component's annotation
// reaches both its field and its accessor, and the generator would emit the rule twice.
@ValidationRule(
    value =
        "!has(self.readTimeout) || (self.readTimeout.matches(r'"
            + Patterns.GO_DURATION
            + "')"
            + " && duration(self.readTimeout) > duration('0s')"
            + " && duration(self.readTimeout) <= duration('24h'))",
    message = "spec.settings.readTimeout " + Patterns.POSITIVE_DURATION_MESSAGE,
    fieldPath = ".readTimeout")
@ValidationRule(
    value =
        "!has(self.writeTimeout) || (self.writeTimeout.matches(r'"
            + Patterns.GO_DURATION
            + "')"
            + " && duration(self.writeTimeout) > duration('0s')"
            + " && duration(self.writeTimeout) <= duration('24h'))",
    message = "spec.settings.writeTimeout " + Patterns.POSITIVE_DURATION_MESSAGE,
    fieldPath = ".writeTimeout")
@ValidationRule(
    value =
        "!has(self.idleTimeout) || (self.idleTimeout.matches(r'"
            + Patterns.GO_DURATION
            + "')"
            + " && duration(self.idleTimeout) > duration('0s')"
            + " && duration(self.idleTimeout) <= duration('24h'))",
    message = "spec.settings.idleTimeout " + Patterns.POSITIVE_DURATION_MESSAGE,
    fieldPath = ".idleTimeout")
@ValidationRule(
    value =
        "!has(self.shutdownDelay) || (self.shutdownDelay.matches(r'"
            + Patterns.GO_DURATION
            + "')"
            + " && duration(self.shutdownDelay) <= duration('24h'))",
    message = "spec.settings.shutdownDelay " + Patterns.DURATION_MESSAGE,
    fieldPath = ".shutdownDelay")
@ValidationRule(
    value =
        "!has(self.shutdownTimeout) || (self.shutdownTimeout.matches(r'"
            + Patterns.GO_DURATION
            + "')"
            + " && duration(self.shutdownTimeout) <= duration('24h'))",
    message = "spec.settings.shutdownTimeout " + Patterns.DURATION_MESSAGE,
    fieldPath = ".shutdownTimeout")
@ValidationRule(
    value =
        "!has(self.trustedProxies) || self.trustedProxies.all(c, c.matches(r'"
            + Patterns.CIDR
            + "'))",
    message = "spec.settings.trustedProxies " + Patterns.CIDR_MESSAGE,
    fieldPath = ".trustedProxies")
public record ServerSettings(
    @JsonPropertyDescription("Log level (LOG_LEVEL).") @Default("info") LogLevel logLevel,
    @JsonPropertyDescription("Largest accepted request body in bytes (MAX_BODY_SIZE).")
        @Default("1048576")
        @Min(1)
        @Max(67108864)
        Long maxBodySize,
    @JsonPropertyDescription(
            "Time allowed to receive the request headers, and the longest pause while a body "
                + "arrives (READ_TIMEOUT): a Go duration more than 0 and at most 24h.")
        @Default("5s")
        @Size(max = 32)
        String readTimeout,
    @JsonPropertyDescription(
            "Time a response write may stall (WRITE_TIMEOUT): a Go duration more than 0 and at "
                + "most 24h.")
        @Default("10s")
        @Size(max = 32)
        String writeTimeout,
    @JsonPropertyDescription(
            "Keep-alive idle timeout (IDLE_TIMEOUT): a Go duration more than 0 and at most 24h.")
        @Default("60s")
        @Size(max = 32)
        String idleTimeout,
    @JsonPropertyDescription("Deepest accepted JSON nesting (MAX_JSON_DEPTH).")
        @Default("64")
        @Min(1)
        @Max(1000)
        Integer maxJsonDepth,
    @JsonPropertyDescription(
            "Requests per second per client on /echo, /openapi.json and unknown paths, and on /metrics "
                + "of the management port (RATE_LIMIT_RPS).")
        @Default("100")
        @Min(1)
        @Max(1000000)
        Integer rateLimitRps,
    @JsonPropertyDescription("Burst allowance per client (RATE_LIMIT_BURST).")
        @Default("200")
        @Min(1)
        @Max(1000000)
        Integer rateLimitBurst,
    @JsonPropertyDescription(
            "Requests per minute per client on /healthz and /readyz (HEALTH_RATE_LIMIT_RPM).")
        @Default("1000")
        @Min(1)
        @Max(1000000)
        Integer healthRateLimitRpm,
    @JsonPropertyDescription(
            "Global budget of request-body bytes held at once (MAX_INFLIGHT_BODY_BYTES). Unset "
                + "means the server's default, sized for a 128Mi container.")
        @Min(1)
        Long maxInflightBodyBytes,
    @JsonPropertyDescription(
            "CIDRs of proxies whose X-Forwarded-For is honoured (TRUSTED_PROXIES). Empty means "
                + "X-Forwarded-For is never trusted.")
        @Size(max = 64)
        List<@Size(max = 64) String> trustedProxies,
    @JsonPropertyDescription(
            "Time between turning unready and closing the listener on shutdown (SHUTDOWN_DELAY): "
                + "a Go duration of at most 24h, 0 allowed.")
        @Default("5s")
        @Size(max = 32)
        String shutdownDelay,
    @JsonPropertyDescription(
            "Time allowed for in-flight requests to finish on shutdown (SHUTDOWN_TIMEOUT): a Go "
                + "duration of at most 24h, 0 allowed.")
        @Default("30s")
        @Size(max = 32)
        String shutdownTimeout,
    @JsonPropertyDescription(
            "Open connections one client address may hold on the serving port "
                + "(MAX_CONNECTIONS_PER_CLIENT); one more is answered 503. Unset or 0 means a quarter of the "
                + "pod's connection limit, which echo-server derives from its heap (about 1040 at a 128Mi "
                + "memory limit).")
        @Min(0)
        @Max(16384)
        Integer maxConnectionsPerClient,
    @JsonPropertyDescription(
            "Share of maxInflightBodyBytes one client address may hold "
                + "(MAX_INFLIGHT_BODY_BYTES_PER_CLIENT); past it that client's /echo answers 503. Unset or 0 "
                + "means a quarter of the budget, at least maxBodySize.")
        @Min(0)
        Long maxInflightBodyBytesPerClient) {

  public ServerSettings {
    logLevel = logLevel == null ? LogLevel.INFO : logLevel;
    maxBodySize = maxBodySize == null ? 1_048_576L : maxBodySize;
    readTimeout = readTimeout == null ? "5s" : readTimeout;
    writeTimeout = writeTimeout == null ? "10s" : writeTimeout;
    idleTimeout = idleTimeout == null ? "60s" : idleTimeout;
    maxJsonDepth = maxJsonDepth == null ? 64 : maxJsonDepth;
    rateLimitRps = rateLimitRps == null ? 100 : rateLimitRps;
    rateLimitBurst = rateLimitBurst == null ? 200 : rateLimitBurst;
    healthRateLimitRpm = healthRateLimitRpm == null ? 1000 : healthRateLimitRpm;
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    shutdownDelay = shutdownDelay == null ? "5s" : shutdownDelay;
    shutdownTimeout = shutdownTimeout == null ? "30s" : shutdownTimeout;
  }

  public static ServerSettings defaults() {
    return new ServerSettings(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** echo-server log levels. */
  public enum LogLevel {
    @JsonProperty("debug")
    DEBUG,
    @JsonProperty("info")
    INFO,
    @JsonProperty("warn")
    WARN,
    @JsonProperty("error")
    ERROR;

    /** The value as echo-server expects it in LOG_LEVEL. */
    public String value() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
