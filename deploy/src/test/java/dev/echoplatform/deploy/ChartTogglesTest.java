package dev.echoplatform.deploy;

import static dev.echoplatform.deploy.RenderedChart.FULLNAME;
import static dev.echoplatform.deploy.RenderedChart.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** `helm template` with each toggle of the chart's values. */
class ChartTogglesTest {

  @Nested
  class WatchNamespacesListed {

    private final RenderedChart chart =
        RenderedChart.render(
            """
        watchNamespaces: [echo-dev, echo-staging]
        """);

    @Test
    void passesTheNamespacesToTheOperator() {
      assertThat(chart.envValue("WATCH_NAMESPACES")).isEqualTo("echo-dev,echo-staging");
    }

    @Test
    void grantsARoleInEachWatchedNamespaceAndNothingClusterWide() {
      assertThat(chart.all("ClusterRole")).isEmpty();
      assertThat(chart.all("ClusterRoleBinding")).isEmpty();
      for (String namespace : List.of("echo-dev", "echo-staging")) {
        JsonNode role =
            chart.all("Role").stream()
                .filter(r -> namespace.equals(r.path("metadata").path("namespace").asText()))
                .findFirst()
                .orElseThrow(
                    () -> new AssertionError("no Role in " + namespace + ": " + chart.summary()));
        assertThat(role.path("metadata").path("name").asText()).isEqualTo(FULLNAME);
        assertThat(Rbac.permissions(role)).isEqualTo(Rbac.sorted(Rbac.EXPECTED));
        assertThat(Rbac.hasWildcard(role)).isFalse();
        JsonNode binding =
            chart.all("RoleBinding").stream()
                .filter(r -> namespace.equals(r.path("metadata").path("namespace").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no RoleBinding in " + namespace));
        assertThat(binding.path("roleRef").path("kind").asText()).isEqualTo("Role");
        assertThat(binding.path("roleRef").path("name").asText()).isEqualTo(FULLNAME);
        assertThat(binding.path("subjects").get(0).path("namespace").asText()).isEqualTo(NAMESPACE);
      }
      // Two watched namespaces plus the lease Role in the release namespace.
      assertThat(chart.all("Role")).hasSize(3);
      assertThat(chart.all("RoleBinding")).hasSize(3);
    }
  }

  @Nested
  class LeaderElectionOff {

    private final RenderedChart chart =
        RenderedChart.render(
            """
        replicaCount: 1
        leaderElection:
          enabled: false
        """);

    @Test
    void runsOneReplicaWithoutElectionAndNeverTwoAtOnce() {
      JsonNode spec = chart.deployment().path("spec");
      assertThat(spec.path("replicas").asInt()).isEqualTo(1);
      assertThat(spec.path("strategy").path("type").asText()).isEqualTo("Recreate");
      assertThat(chart.envValue("LEADER_ELECTION_ENABLED")).isEqualTo("false");
    }

    @Test
    void grantsNoLeaseAccessAndHasNoPdbOverTheSinglePod() {
      assertThat(chart.all("Role")).isEmpty();
      assertThat(chart.all("RoleBinding")).isEmpty();
      assertThat(Rbac.permissions(chart.get("ClusterRole", FULLNAME)))
          .doesNotContainKey("coordination.k8s.io/leases");
      assertThat(chart.all("PodDisruptionBudget")).isEmpty();
    }
  }

  @Nested
  class MonitoringOn {

    private final RenderedChart chart =
        RenderedChart.render(
            """
        metrics:
          serviceMonitor:
            enabled: true
            labels: {release: kube-prometheus-stack}
          prometheusRule:
            enabled: true
            alertLabels: {team: platform}
          grafanaDashboard:
            enabled: true
        """);

    @Test
    void serviceMonitorScrapesTheMetricsService() {
      JsonNode monitor = chart.only("ServiceMonitor");
      assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
      assertThat(monitor.path("metadata").path("labels").path("release").asText())
          .isEqualTo("kube-prometheus-stack");
      JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
      assertThat(endpoint.path("port").asText()).isEqualTo("metrics");
      assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
      JsonNode service = chart.get("Service", FULLNAME + "-metrics");
      assertThat(service.path("spec").path("ports").get(0).path("name").asText())
          .isEqualTo("metrics");
      JsonNode serviceLabels = service.path("metadata").path("labels");
      monitor
          .path("spec")
          .path("selector")
          .path("matchLabels")
          .fields()
          .forEachRemaining(
              label ->
                  assertThat(serviceLabels.path(label.getKey()).asText())
                      .as("label %s", label.getKey())
                      .isEqualTo(label.getValue().asText()));
    }

    @Test
    void prometheusRuleAlertsOnErrorsNotReadyAndOperatorDown() {
      JsonNode groups = chart.only("PrometheusRule").path("spec").path("groups");
      assertThat(groups)
          .extracting(g -> g.path("name").asText())
          .containsExactly("echo-operator", "echo-fleet");
      JsonNode rules = groups.get(0).path("rules");
      assertThat(rules)
          .extracting(r -> r.path("alert").asText())
          .containsExactly(
              "EchoOperatorReconcileErrors", "EchoServiceNotReady", "EchoOperatorDown");
      assertThat(rules.get(0).path("expr").asText())
          .contains("operator_sdk_reconciliations_failed_total", "echo-operator-metrics");
      assertThat(rules.get(1).path("expr").asText())
          .contains("echo_operator_echoservice_ready", "== 0");
      assertThat(rules.get(1).path("for").asText()).isEqualTo("10m");
      assertThat(rules.get(2).path("expr").asText())
          .startsWith("absent(up{job=\"echo-operator-metrics\"");
      for (JsonNode rule : rules) {
        assertThat(rule.path("labels").path("team").asText()).isEqualTo("platform");
        assertThat(rule.path("annotations").path("summary").asText()).isNotBlank();
        assertThat(rule.path("annotations").path("runbook_url").asText())
            .isEqualTo(MonitoringLintTest.RUNBOOK_BASE + rule.path("alert").asText().toLowerCase());
      }
      // Prometheus templating survives Helm templating.
      assertThat(rules.get(0).path("annotations").path("description").asText())
          .contains("{{ $value | humanize }}");
    }

    @Test
    void theFleetGroupIsTheShippedRuleFileWithTheAlertLabelsAdded() {
      JsonNode rendered = chart.only("PrometheusRule").path("spec").path("groups").get(1);
      JsonNode expected =
          Yaml.single(MonitoringLintTest.fleetRulesFile()).path("groups").get(0).deepCopy();
      expected
          .path("rules")
          .forEach(rule -> ((ObjectNode) rule.path("labels")).put("team", "platform"));
      assertThat(rendered).isEqualTo(expected);
      // The file's own templating is Prometheus', untouched by Helm.
      assertThat(rendered.path("rules").get(0).path("annotations").path("description").asText())
          .startsWith(
              "{{ $value | humanizePercentage }} of the requests to EchoService {{ $labels.namespace }}/");
    }

    @Test
    void theFleetGroupIsTheShippedRuleFileWithoutAlertLabels() {
      JsonNode rendered =
          MonitoringLintTest.renderedWithRules()
              .only("PrometheusRule")
              .path("spec")
              .path("groups")
              .get(1);
      assertThat(rendered)
          .isEqualTo(Yaml.single(MonitoringLintTest.fleetRulesFile()).path("groups").get(0));
    }

    @Test
    void grafanaDashboardsAreValidJsonInAConfigMapForTheSidecar() throws Exception {
      JsonNode configMap = chart.get("ConfigMap", FULLNAME + "-dashboard");
      assertThat(configMap.path("metadata").path("labels").path("grafana_dashboard").asText())
          .isEqualTo("1");
      assertThat(configMap.path("data").fieldNames())
          .toIterable()
          .containsExactly("echo-operator.json", "echo-fleet.json");
      JsonNode dashboard =
          Yaml.MAPPER.readTree(configMap.path("data").path("echo-operator.json").asText());
      assertThat(dashboard.path("title").asText()).isEqualTo("echo-operator");
      assertThat(dashboard.path("panels").size()).isGreaterThanOrEqualTo(6);
      assertThat(dashboard.toString())
          .contains("operator_sdk_reconciliations_failed_total", "echo_operator_echoservice_ready");
      JsonNode fleet =
          Yaml.MAPPER.readTree(configMap.path("data").path("echo-fleet.json").asText());
      assertThat(fleet).isEqualTo(MonitoringLintTest.dashboard("echo-fleet.json"));
      assertThat(fleet.path("title").asText()).isEqualTo("echo fleet");
      assertThat(fleet.toString())
          .contains(
              "http_server_requests_seconds_bucket",
              "echo_http_errors_total",
              "echo_http_active_connections",
              "echo_http_inflight_requests",
              "jvm_memory_used_bytes",
              "process_uptime_seconds");
    }
  }

  @Nested
  class CrdInstallOff {

    private final RenderedChart chart =
        RenderedChart.render(
            """
        crds:
          install: false
        """);

    @Test
    void rendersNoCrdButEverythingElse() {
      assertThat(chart.all("CustomResourceDefinition")).isEmpty();
      assertThat(chart.deployment()).isNotNull();
      assertThat(chart.all("ClusterRole")).hasSize(1);
    }
  }

  @Nested
  class NetworkPolicyRestrictedSources {

    private final RenderedChart chart =
        RenderedChart.render(
            """
        networkPolicy:
          metricsFrom:
            - namespaceSelector:
                matchLabels: {kubernetes.io/metadata.name: monitoring}
          apiServer:
            cidrs: [10.0.0.1/32]
            ports: [6443]
        """);

    @Test
    void limitsScrapersAndApiServerAddresses() {
      JsonNode spec = chart.get("NetworkPolicy", FULLNAME).path("spec");
      assertThat(
              spec.path("ingress")
                  .get(0)
                  .path("from")
                  .get(0)
                  .path("namespaceSelector")
                  .path("matchLabels")
                  .path("kubernetes.io/metadata.name")
                  .asText())
          .isEqualTo("monitoring");
      JsonNode apiServer = spec.path("egress").get(0);
      assertThat(apiServer.path("to").get(0).path("ipBlock").path("cidr").asText())
          .isEqualTo("10.0.0.1/32");
      assertThat(apiServer.path("ports"))
          .extracting(p -> p.path("port").asInt())
          .containsExactly(6443);
    }
  }

  @Nested
  class ImageOverrides {

    @Test
    void digestPinsTheOperatorImageAndEchoServerImageIsPassedThrough() {
      String digest = "sha256:" + "a".repeat(64);
      RenderedChart chart =
          RenderedChart.render(
              """
          image: {digest: "%s"}
          echoServer: {image: "registry.example.com/echo-server:1.2.3"}
          """
                  .formatted(digest));
      assertThat(chart.operatorContainer().path("image").asText())
          .isEqualTo(Project.imageRegistry() + "/echo-operator@" + digest);
      assertThat(chart.envValue("ECHO_SERVER_IMAGE"))
          .isEqualTo("registry.example.com/echo-server:1.2.3");
    }
  }
}
