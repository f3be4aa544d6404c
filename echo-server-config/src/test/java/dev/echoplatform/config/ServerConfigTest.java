package dev.echoplatform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerConfigTest {

  @Test
  void defaultsMatchTheContract() {
    ServerConfig c = ServerConfig.defaults();
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.logLevel()).isEqualTo("info");
    assertThat(c.maxBodySize()).isEqualTo(1048576);
    assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.writeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.maxJsonDepth()).isEqualTo(64);
    assertThat(c.rateLimitRps()).isEqualTo(100);
    assertThat(c.rateLimitBurst()).isEqualTo(200);
    assertThat(c.healthRateLimitRpm()).isEqualTo(1000);
    assertThat(c.maxInflightBodyBytes()).isEqualTo(Setting.DEFAULT_MAX_INFLIGHT_BODY_BYTES);
    assertThat(c.trustedProxies()).isEmpty();
    assertThat(c.shutdownDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.managementPort()).isEqualTo(8081);
    assertThat(c.maxConnectionsPerClient()).isZero();
    assertThat(c.bodyBytesPerClient()).isEqualTo(4L << 20);
  }

  @ParameterizedTest
  @CsvSource({"127.0.0.1, 127.0.0.1", "::, 0:0:0:0:0:0:0:0", "[::1], 0:0:0:0:0:0:0:1"})
  void theBindAddressIsAnAddressLiteral(String value, String host) {
    assertThat(ServerConfig.fromEnv(Map.of("BIND_ADDRESS", value)).host()).isEqualTo(host);
  }

  @ParameterizedTest
  @CsvSource({"localhost", "256.1.1.1", "10.0.0", "fe80::1%eth0", "cafe"})
  void aBindAddressThatIsNoLiteralIsRefusedWithoutALookup(String value) {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("BIND_ADDRESS", value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid BIND_ADDRESS=\"" + value + "\"")
        .hasMessageContaining("an IPv4 or IPv6 address literal");
  }

  @Test
  void acceptsIsWhatReadDoesNotRefuse() {
    assertThat(Setting.ENVIRONMENT.accepts("staging")).isTrue();
    assertThat(Setting.ENVIRONMENT.accepts("")).isTrue();
    assertThat(Setting.ENVIRONMENT.accepts("prod uction")).isFalse();
    assertThat(Setting.ENVIRONMENT.accepts("a".repeat(254))).isFalse();
    assertThat(Setting.PORT.accepts("65535")).isTrue();
    assertThat(Setting.PORT.accepts("0")).isFalse();
  }

  @Test
  void theManagementPortMustDifferFromThePort() {
    assertThatThrownBy(
            () -> ServerConfig.fromEnv(Map.of("PORT", "9000", "MANAGEMENT_PORT", "9000")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid MANAGEMENT_PORT=\"9000\": must differ from PORT");
  }

  @Test
  void theBodyShareOfAClientLiesBetweenOneBodyAndTheWholeBudget() {
    assertThat(
            ServerConfig.fromEnv(Map.of("MAX_INFLIGHT_BODY_BYTES", "2097152")).bodyBytesPerClient())
        .as("a quarter, but at least one maximal body")
        .isEqualTo(1048576);
    assertThat(
            ServerConfig.fromEnv(Map.of("MAX_INFLIGHT_BODY_BYTES_PER_CLIENT", "2000000"))
                .bodyBytesPerClient())
        .isEqualTo(2000000);
    for (String bad : new String[] {"1000", "16777217"}) {
      assertThatThrownBy(
              () -> ServerConfig.fromEnv(Map.of("MAX_INFLIGHT_BODY_BYTES_PER_CLIENT", bad)))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("invalid MAX_INFLIGHT_BODY_BYTES_PER_CLIENT=\"" + bad + "\"")
          .hasMessageContaining("MAX_BODY_SIZE (1048576)")
          .hasMessageContaining("MAX_INFLIGHT_BODY_BYTES (16777216)");
    }
  }

  @Test
  void theBodyBudgetMustFitTheHeapItRunsIn() {
    ServerConfig c = ServerConfig.defaults();
    long mib = 1 << 20;
    // 16 MiB of bodies need a heap of 16 / 0.45 = 35.6 MiB (a 128 MiB container gives about 40).
    c.checkMemory(36 * mib);
    assertThatThrownBy(() -> c.checkMemory(35 * mib))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid MAX_INFLIGHT_BODY_BYTES=\"16777216\"")
        .hasMessageContaining("this JVM's heap is 35 MiB")
        .hasMessageContaining("at least 36 MiB")
        .hasMessageContaining("raise the container's memory limit");
  }

  @Test
  void theConnectionLimitFollowsTheHeap() {
    long mib = 1 << 20;
    assertThat(ServerConfig.maxConnections((long) (40.6 * mib))).isEqualTo(1039);
    assertThat(ServerConfig.maxConnections(2 * mib)).isEqualTo(ServerConfig.MIN_CONNECTIONS);
    assertThat(ServerConfig.maxConnections(64L << 30)).isEqualTo(ServerConfig.MAX_CONNECTIONS);
    ServerConfig c = ServerConfig.defaults();
    assertThat(c.connectionsPerClient((long) (40.6 * mib))).isEqualTo(259);
    assertThat(
            ServerConfig.fromEnv(Map.of("MAX_CONNECTIONS_PER_CLIENT", "5000"))
                .connectionsPerClient((long) (40.6 * mib)))
        .as("never above the limit")
        .isEqualTo(1039);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "PORT | 1 | port | 1",
        "PORT | 65535 | port | 65535",
        "LOG_LEVEL | DEBUG | logLevel | debug",
        "LOG_LEVEL | warn | logLevel | warn",
        "LOG_LEVEL | error | logLevel | error",
        "SERVICE_NAME | echo | serviceName | echo",
        "ENVIRONMENT | production | environment | production",
        "ENVIRONMENT | '' | environment | ''",
        "MAX_BODY_SIZE | 1 | maxBodySize | 1",
        "READ_TIMEOUT | 250ms | readTimeout | PT0.25S",
        "WRITE_TIMEOUT | 1m30s | writeTimeout | PT1M30S",
        "IDLE_TIMEOUT | 2s | idleTimeout | PT2S",
        "MAX_JSON_DEPTH | 1 | maxJsonDepth | 1",
        "RATE_LIMIT_RPS | 5 | rateLimitRps | 5",
        "RATE_LIMIT_BURST | 7 | rateLimitBurst | 7",
        "HEALTH_RATE_LIMIT_RPM | 60 | healthRateLimitRpm | 60",
        "MAX_INFLIGHT_BODY_BYTES | 2097152 | maxInflightBodyBytes | 2097152",
        "SHUTDOWN_DELAY | 0 | shutdownDelay | PT0S",
        "SHUTDOWN_TIMEOUT | 0 | shutdownTimeout | PT0S",
        "SHUTDOWN_TIMEOUT | 45s | shutdownTimeout | PT45S",
        "PORT | '' | port | 8080",
      })
  void acceptsValidValues(String name, String value, String accessor, String expected)
      throws Exception {
    ServerConfig c = ServerConfig.fromEnv(Map.of(name, value));
    Object actual = ServerConfig.class.getMethod(accessor).invoke(c);
    assertThat(String.valueOf(actual)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}=\"{1}\"")
  @CsvSource(
      delimiter = '|',
      value = {
        "PORT | 0 | an integer 1-65535",
        "PORT | 65536 | an integer 1-65535",
        "PORT | http | an integer 1-65535",
        "PORT | -1 | an integer 1-65535",
        "PORT | ' 80' | an integer 1-65535",
        "LOG_LEVEL | verbose | one of debug, info, warn, error",
        "LOG_LEVEL | trace | one of debug, info, warn, error",
        "SERVICE_NAME | my echo | empty or up to 253 characters of [A-Za-z0-9._-]",
        "ENVIRONMENT | prod/uction | empty or up to 253 characters of [A-Za-z0-9._-]",
        "MAX_BODY_SIZE | 0 | an integer 1-67108864 (bytes)",
        "MAX_BODY_SIZE | 1MB | an integer 1-67108864 (bytes)",
        "MAX_BODY_SIZE | 99999999999999999999 | an integer 1-67108864 (bytes)",
        "READ_TIMEOUT | 5 | a Go duration more than 0 and at most 24h",
        "READ_TIMEOUT | 0 | a Go duration more than 0 and at most 24h",
        "READ_TIMEOUT | 5 seconds | a Go duration more than 0 and at most 24h",
        "WRITE_TIMEOUT | -1s | a Go duration more than 0 and at most 24h",
        "IDLE_TIMEOUT | forever | a Go duration more than 0 and at most 24h",
        "MAX_JSON_DEPTH | 0 | an integer 1-10000",
        "MAX_JSON_DEPTH | 10001 | an integer 1-10000",
        "RATE_LIMIT_RPS | 0 | an integer 1-1000000",
        "RATE_LIMIT_RPS | 1.5 | an integer 1-1000000",
        "RATE_LIMIT_BURST | many | an integer 1-1000000",
        "HEALTH_RATE_LIMIT_RPM | 0 | an integer 1-1000000",
        "MAX_INFLIGHT_BODY_BYTES | 0 | a positive integer (bytes)",
        "TRUSTED_PROXIES | 10.0.0.0/33 | comma-separated list of at most 64 CIDRs",
        "TRUSTED_PROXIES | proxy.local | comma-separated list of at most 64 CIDRs",
        "TRUSTED_PROXIES | '10.0.0.0/8,,' | comma-separated list of at most 64 CIDRs",
        "TRUSTED_PROXIES | 010.0.0.1 | comma-separated list of at most 64 CIDRs",
        "SHUTDOWN_DELAY | 5 | a Go duration",
        "SHUTDOWN_TIMEOUT | 1d | a Go duration",
      })
  void rejectsInvalidValuesNamingVariableValueAndForm(String name, String value, String accepted) {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of(name, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid " + name + "=\"" + value + "\"")
        .hasMessageContaining("expected ")
        .hasMessageContaining(accepted)
        .hasMessageNotContaining("\n");
  }

  /**
   * The boundary values of the EchoService CRD's rules for these settings (api-tests
   * CrdValidationIT, on a real API server): what the CRD admits, the server runs; what the server
   * refuses, the CRD refuses.
   */
  @ParameterizedTest(name = "admitted by the CRD: {0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "READ_TIMEOUT | 1ms",
        "WRITE_TIMEOUT | 24h",
        "IDLE_TIMEOUT | 1m30s",
        "SHUTDOWN_DELAY | 0",
        "SHUTDOWN_TIMEOUT | 1440m",
        "TRUSTED_PROXIES | '10.0.0.0/8,fd00::/8,0.0.0.0/0,255.255.255.255/32,::/128'",
      })
  void runsWhatTheCrdAdmits(String name, String value) {
    ServerConfig.fromEnv(Map.of(name, value));
  }

  @ParameterizedTest(name = "refused by the CRD: {0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "READ_TIMEOUT | 0",
        "WRITE_TIMEOUT | 0s",
        "IDLE_TIMEOUT | 0.0ms",
        "READ_TIMEOUT | 24h0m0.001s",
        "SHUTDOWN_TIMEOUT | 25h",
        "SHUTDOWN_DELAY | 1441m",
        "TRUSTED_PROXIES | 10.0.0.0/99",
        "TRUSTED_PROXIES | 256.0.0.0/8",
        "TRUSTED_PROXIES | fd00::/129",
      })
  void refusesWhatTheCrdRefuses(String name, String value) {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of(name, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid " + name + "=");
  }

  @Test
  void maxBodySizeMustFitTheBodyBudget() {
    Map<String, String> env = new HashMap<>();
    env.put("MAX_BODY_SIZE", "2048");
    env.put("MAX_INFLIGHT_BODY_BYTES", "1024");
    assertThatThrownBy(() -> ServerConfig.fromEnv(env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MAX_BODY_SIZE")
        .hasMessageContaining("MAX_INFLIGHT_BODY_BYTES");
  }

  @Test
  void trustedProxiesParsesCidrsAndSingleAddresses() throws Exception {
    ServerConfig c =
        ServerConfig.fromEnv(Map.of("TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.10 ,fd00::/8"));
    assertThat(c.trustedProxies()).hasSize(3);
    assertThat(c.trustedProxies().get(0).contains(InetAddress.getByName("10.200.3.4"))).isTrue();
    assertThat(c.trustedProxies().get(0).contains(InetAddress.getByName("11.0.0.1"))).isFalse();
    assertThat(c.trustedProxies().get(1).contains(InetAddress.getByName("192.168.1.10"))).isTrue();
    assertThat(c.trustedProxies().get(1).contains(InetAddress.getByName("192.168.1.11"))).isFalse();
    assertThat(c.trustedProxies().get(2).contains(InetAddress.getByName("fd12::1"))).isTrue();
    assertThat(c.trustedProxies().get(2).contains(InetAddress.getByName("10.0.0.1"))).isFalse();
  }

  @Test
  void atMost64TrustedProxies() {
    String entries = String.join(",", java.util.Collections.nCopies(64, "10.0.0.0/8"));
    assertThat(ServerConfig.fromEnv(Map.of("TRUSTED_PROXIES", entries)).trustedProxies())
        .hasSize(64);
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("TRUSTED_PROXIES", entries + ",10.0.0.1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("(65 entries): expected a comma-separated list of at most 64");
  }

  @Test
  void helpListsEveryVariableWithItsDefault() {
    String help = Setting.helpTable();
    for (Setting s : Setting.values()) {
      assertThat(help).contains(s.name()).contains(s.accepted());
    }
    assertThat(help).contains("1048576").contains("30s");
  }
}
