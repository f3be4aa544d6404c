package dev.echoplatform.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

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
   * Reads every {@link Setting} from {@code env}, then checks the relations between them.
   *
   * @throws ConfigException for the first invalid variable, in the order of {@link Setting}
   */
  public static ServerConfig fromEnv(Map<String, String> env) {
    String host = (String) Setting.BIND_ADDRESS.read(env);
    int port = integer(Setting.PORT, env);
    int managementPort = integer(Setting.MANAGEMENT_PORT, env);
    String logLevel = (String) Setting.LOG_LEVEL.read(env);
    String serviceName = (String) Setting.SERVICE_NAME.read(env);
    String environment = (String) Setting.ENVIRONMENT.read(env);
    long maxBodySize = (Long) Setting.MAX_BODY_SIZE.read(env);
    Duration readTimeout = (Duration) Setting.READ_TIMEOUT.read(env);
    Duration writeTimeout = (Duration) Setting.WRITE_TIMEOUT.read(env);
    Duration idleTimeout = (Duration) Setting.IDLE_TIMEOUT.read(env);
    int maxJsonDepth = integer(Setting.MAX_JSON_DEPTH, env);
    int rps = integer(Setting.RATE_LIMIT_RPS, env);
    int burst = integer(Setting.RATE_LIMIT_BURST, env);
    int healthRpm = integer(Setting.HEALTH_RATE_LIMIT_RPM, env);
    long budget = (Long) Setting.MAX_INFLIGHT_BODY_BYTES.read(env);
    long share = (Long) Setting.MAX_INFLIGHT_BODY_BYTES_PER_CLIENT.read(env);
    @SuppressWarnings("unchecked")
    List<Cidr> proxies = (List<Cidr>) Setting.TRUSTED_PROXIES.read(env);
    Duration shutdownDelay = (Duration) Setting.SHUTDOWN_DELAY.read(env);
    Duration shutdownTimeout = (Duration) Setting.SHUTDOWN_TIMEOUT.read(env);
    int perClient = integer(Setting.MAX_CONNECTIONS_PER_CLIENT, env);
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

  /** An integer setting whose bounds fit an int. */
  private static int integer(Setting setting, Map<String, String> env) {
    return Math.toIntExact((Long) setting.read(env));
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
}
