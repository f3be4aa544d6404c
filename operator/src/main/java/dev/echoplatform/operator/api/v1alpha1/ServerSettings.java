package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.echoplatform.config.Setting;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * echo-server settings. Each field sets one of the server's environment variables (named in the
 * description). Their defaults, bounds, allowed values and the rules of the duration and CIDR
 * fields are not written here: the build generates them into the CRD from echo-server's own table
 * ({@link dev.echoplatform.config.Setting}, applied by {@link
 * dev.echoplatform.operator.api.SettingsSchema}), and the ConfigMap is rendered from the same
 * table. Only the rules that relate two fields are stated here, with the server's default budget
 * taken from that table.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.rateLimitBurst >= self.rateLimitRps",
    message = "spec.settings.rateLimitBurst must be at least spec.settings.rateLimitRps")
// echo-server refuses MAX_BODY_SIZE above MAX_INFLIGHT_BODY_BYTES: refused at admission rather than
// as pods that exit at start.
@ValidationRule(
    value =
        "self.maxBodySize <= (has(self.maxInflightBodyBytes) ? self.maxInflightBodyBytes : "
            + Setting.DEFAULT_MAX_INFLIGHT_BODY_BYTES
            + ")",
    message =
        "spec.settings.maxBodySize must not exceed spec.settings.maxInflightBodyBytes (default "
            + Setting.DEFAULT_MAX_INFLIGHT_BODY_BYTES
            + ")")
// A client's share must hold one maximal body and cannot exceed the whole budget (echo-server
// refuses both at start).
@ValidationRule(
    value =
        "!has(self.maxInflightBodyBytesPerClient) || self.maxInflightBodyBytesPerClient == 0"
            + " || (self.maxInflightBodyBytesPerClient >= self.maxBodySize"
            + " && self.maxInflightBodyBytesPerClient"
            + " <= (has(self.maxInflightBodyBytes) ? self.maxInflightBodyBytes : "
            + Setting.DEFAULT_MAX_INFLIGHT_BODY_BYTES
            + "))",
    message =
        "spec.settings.maxInflightBodyBytesPerClient must be 0 or between spec.settings.maxBodySize and"
            + " spec.settings.maxInflightBodyBytes (default "
            + Setting.DEFAULT_MAX_INFLIGHT_BODY_BYTES
            + ")")
public record ServerSettings(
    @JsonPropertyDescription("Log level (LOG_LEVEL).") String logLevel,
    @JsonPropertyDescription("Largest accepted request body in bytes (MAX_BODY_SIZE).")
        Long maxBodySize,
    @JsonPropertyDescription(
            "Time allowed to receive the request headers, and the longest pause while a body "
                + "arrives (READ_TIMEOUT): a Go duration more than 0 and at most 24h.")
        String readTimeout,
    @JsonPropertyDescription(
            "Time a response write may stall (WRITE_TIMEOUT): a Go duration more than 0 and at "
                + "most 24h.")
        String writeTimeout,
    @JsonPropertyDescription(
            "Keep-alive idle timeout (IDLE_TIMEOUT): a Go duration more than 0 and at most 24h.")
        String idleTimeout,
    @JsonPropertyDescription("Deepest accepted JSON nesting (MAX_JSON_DEPTH).")
        Integer maxJsonDepth,
    @JsonPropertyDescription(
            "Requests per second per client on /echo, /openapi.json and unknown paths, and on /metrics "
                + "of the management port (RATE_LIMIT_RPS).")
        Integer rateLimitRps,
    @JsonPropertyDescription("Burst allowance per client (RATE_LIMIT_BURST).")
        Integer rateLimitBurst,
    @JsonPropertyDescription(
            "Requests per minute per client on /healthz and /readyz (HEALTH_RATE_LIMIT_RPM).")
        Integer healthRateLimitRpm,
    @JsonPropertyDescription(
            "Global budget of request-body bytes held at once (MAX_INFLIGHT_BODY_BYTES). Unset "
                + "means the server's default, sized for a 128Mi container.")
        Long maxInflightBodyBytes,
    @JsonPropertyDescription(
            "CIDRs of proxies whose X-Forwarded-For is honoured (TRUSTED_PROXIES). Empty means "
                + "X-Forwarded-For is never trusted.")
        List<String> trustedProxies,
    @JsonPropertyDescription(
            "Time between turning unready and closing the listener on shutdown (SHUTDOWN_DELAY): "
                + "a Go duration of at most 24h, 0 allowed.")
        String shutdownDelay,
    @JsonPropertyDescription(
            "Time allowed for in-flight requests to finish on shutdown (SHUTDOWN_TIMEOUT): a Go "
                + "duration of at most 24h, 0 allowed.")
        String shutdownTimeout,
    @JsonPropertyDescription(
            "Open connections one client address may hold on the serving port "
                + "(MAX_CONNECTIONS_PER_CLIENT); one more is answered 503. Unset or 0 means a quarter of the "
                + "pod's connection limit, which echo-server derives from its heap (about 1040 at a 128Mi "
                + "memory limit).")
        Integer maxConnectionsPerClient,
    @JsonPropertyDescription(
            "Share of maxInflightBodyBytes one client address may hold "
                + "(MAX_INFLIGHT_BODY_BYTES_PER_CLIENT); past it that client's /echo answers 503. Unset or 0 "
                + "means a quarter of the budget, at least maxBodySize.")
        Long maxInflightBodyBytesPerClient) {

  public static ServerSettings defaults() {
    return new ServerSettings(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }
}
