package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OperatorConfigTest {

  static OperatorConfig parse(Map<String, String> env) {
    return OperatorConfig.fromEnvironment(env, p -> Optional.empty());
  }

  static Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("POD_NAMESPACE", "echo-system");
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void defaults() {
    OperatorConfig c = parse(env());
    assertThat(c.watchNamespaces()).isEmpty();
    assertThat(c.echoServerImage()).isEqualTo("ghcr.io/echo-platform/echo-server:0.1.0");
    assertThat(c.leaderElectionEnabled()).isTrue();
    assertThat(c.leaseName()).isEqualTo("echo-operator-leader");
    assertThat(c.leaseNamespace()).contains("echo-system");
    assertThat(c.reconcileConcurrency()).isEqualTo(10);
    assertThat(c.managementPort()).isEqualTo(8081);
    assertThat(c.bindAddress()).isEqualTo("0.0.0.0");
    assertThat(c.logLevel()).isEqualTo("info");
    assertThat(c.serverSideApply()).isTrue();
    assertThat(c.resyncInterval()).isEqualTo(java.time.Duration.ofHours(10));
  }

  @Test
  void versionComesFromTheBuild() {
    assertThat(OperatorConfig.operatorVersion()).isEqualTo("0.1.0");
  }

  @Test
  void explicitValues() {
    OperatorConfig c =
        parse(
            env(
                "WATCH_NAMESPACES",
                " dev, staging ,,production",
                "ECHO_SERVER_IMAGE",
                "registry.local/echo:1",
                "LEADER_ELECTION_ENABLED",
                "false",
                "LEADER_ELECTION_LEASE_NAME",
                "my-lease",
                "LEADER_ELECTION_NAMESPACE",
                "ops",
                "RECONCILE_CONCURRENCY",
                "50",
                "MANAGEMENT_PORT",
                "9090",
                "LOG_LEVEL",
                "DEBUG",
                "RESYNC_INTERVAL",
                "1h30m",
                "BIND_ADDRESS",
                "127.0.0.1"));
    assertThat(c.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(c.resyncInterval()).isEqualTo(java.time.Duration.ofMinutes(90));
    assertThat(c.watchNamespaces()).isEqualTo(Set.of("dev", "staging", "production"));
    assertThat(c.echoServerImage()).isEqualTo("registry.local/echo:1");
    assertThat(c.leaderElectionEnabled()).isFalse();
    assertThat(c.leaseName()).isEqualTo("my-lease");
    assertThat(c.leaseNamespace()).contains("ops");
    assertThat(c.reconcileConcurrency()).isEqualTo(50);
    assertThat(c.managementPort()).isEqualTo(9090);
    assertThat(c.logLevel()).isEqualTo("debug");
  }

  @Test
  void anIpv6BindAddressIsAccepted() {
    assertThat(parse(env("BIND_ADDRESS", "::1")).bindAddress()).isEqualTo("::1");
  }

  @Test
  void leaseNamespaceFallsBackToTheServiceAccount() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of(), p -> Optional.of("from-sa"));
    assertThat(c.leaseNamespace()).contains("from-sa");
  }

  @Test
  void leaderElectionNeedsANamespace() {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of(), p -> Optional.empty()))
        .hasMessageContaining("LEADER_ELECTION_NAMESPACE");
    assertThat(
            OperatorConfig.fromEnvironment(
                    Map.of("LEADER_ELECTION_ENABLED", "false"), p -> Optional.empty())
                .leaseNamespace())
        .isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "WATCH_NAMESPACES            | Dev_Space",
        "ECHO_SERVER_IMAGE           | 'echo server'",
        "LEADER_ELECTION_ENABLED     | yes",
        "LEADER_ELECTION_LEASE_NAME  | Bad_Name",
        "LEADER_ELECTION_NAMESPACE   | -ops",
        "RECONCILE_CONCURRENCY       | abc",
        "RECONCILE_CONCURRENCY       | 0",
        "MANAGEMENT_PORT             | 70000",
        "LOG_LEVEL                   | verbose",
        "RESYNC_INTERVAL             | 600",
        "RESYNC_INTERVAL             | 5s",
        "RESYNC_INTERVAL             | 169h",
        "RESYNC_INTERVAL             | soon",
        "BIND_ADDRESS                | localhost",
        "BIND_ADDRESS                | 256.0.0.1",
        "BIND_ADDRESS                | cafe",
      })
  void badValuesNameTheVariable(String name, String value) {
    assertThatThrownBy(() -> parse(env(name, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid " + name + "=");
  }

  @Test
  void helpListsEveryVariable() {
    assertThat(OperatorConfig.help())
        .contains(
            "WATCH_NAMESPACES",
            "ECHO_SERVER_IMAGE",
            "LEADER_ELECTION_ENABLED",
            "LEADER_ELECTION_LEASE_NAME",
            "LEADER_ELECTION_NAMESPACE",
            "RECONCILE_CONCURRENCY",
            "MANAGEMENT_PORT",
            "BIND_ADDRESS",
            "LOG_LEVEL",
            "RESYNC_INTERVAL",
            "ghcr.io/echo-platform/echo-server:0.1.0");
  }

  /** Every variable the configuration reads is one --help lists, and every one it lists is read. */
  @Test
  void theHelpIsTheTableOfWhatIsRead() {
    java.util.Set<Object> read = new java.util.TreeSet<>();
    Map<String, String> recording =
        new HashMap<>() {
          @Override
          public String get(Object key) {
            read.add(key);
            return super.get(key);
          }

          @Override
          public String getOrDefault(Object key, String dflt) {
            read.add(key);
            return super.getOrDefault(key, dflt);
          }
        };
    OperatorConfig.fromEnvironment(recording, p -> Optional.of("echo-system"));
    assertThat(read)
        .containsExactlyInAnyOrderElementsOf(
            java.util.Arrays.stream(OperatorConfig.Variable.values()).map(Enum::name).toList());
    for (OperatorConfig.Variable v : OperatorConfig.Variable.values()) {
      assertThat(OperatorConfig.help()).containsPattern("(?m)^  " + v.name() + " +\\S");
    }
    assertThat(OperatorConfig.help().replaceAll("\\s+", " "))
        .contains("RESYNC_INTERVAL", "a Go duration from 10s to 168h", "(default: 10h)")
        .doesNotContain("<version>");
  }
}
