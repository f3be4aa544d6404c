package dev.echoplatform.operator.resources;

import static dev.echoplatform.operator.resources.Fixtures.DEFAULT_IMAGE;
import static dev.echoplatform.operator.resources.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.echoplatform.config.ConfigException;
import dev.echoplatform.config.Setting;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class BuildersTest {

  static final Map<String, String> STANDARD_LABELS =
      Map.of(
          "app.kubernetes.io/name", "echo-server",
          "app.kubernetes.io/instance", "echo",
          "app.kubernetes.io/version", "0.1.0",
          "app.kubernetes.io/component", "echo-server",
          "app.kubernetes.io/part-of", "echo-operator",
          "app.kubernetes.io/managed-by", "echo-operator");

  static List<HasMetadata> allChildren(EchoServiceModel m) {
    return List.of(
        DesiredConfigMap.build(m),
        DesiredDeployment.build(m),
        DesiredService.build(m),
        DesiredNetworkPolicy.build(m),
        DesiredPodDisruptionBudget.build(m),
        DesiredHorizontalPodAutoscaler.build(m));
  }

  static PodSpec pod(EchoServiceModel m) {
    return DesiredDeployment.build(m).getSpec().getTemplate().getSpec();
  }

  static Container container(EchoServiceModel m) {
    return pod(m).getContainers().get(0);
  }

  // ---- defaults --------------------------------------------------------------------------

  @Test
  void everyChildHasNameNamespaceAndStandardLabels() {
    for (HasMetadata child : allChildren(model(""))) {
      assertThat(child.getMetadata().getName()).as(child.getKind()).isEqualTo("echo");
      assertThat(child.getMetadata().getNamespace()).as(child.getKind()).isEqualTo("team-a");
      assertThat(child.getMetadata().getLabels()).as(child.getKind()).isEqualTo(STANDARD_LABELS);
    }
  }

  @Test
  void defaultConfigMapIsTheServerDefaults() {
    assertThat(DesiredConfigMap.build(model("")).getData())
        .isEqualTo(
            Map.ofEntries(
                Map.entry("PORT", "8080"),
                Map.entry("MANAGEMENT_PORT", "8081"),
                Map.entry("LOG_LEVEL", "info"),
                Map.entry("MAX_BODY_SIZE", "1048576"),
                Map.entry("READ_TIMEOUT", "5s"),
                Map.entry("WRITE_TIMEOUT", "10s"),
                Map.entry("IDLE_TIMEOUT", "60s"),
                Map.entry("MAX_JSON_DEPTH", "64"),
                Map.entry("RATE_LIMIT_RPS", "100"),
                Map.entry("RATE_LIMIT_BURST", "200"),
                Map.entry("HEALTH_RATE_LIMIT_RPM", "1000"),
                Map.entry("TRUSTED_PROXIES", ""),
                Map.entry("SHUTDOWN_DELAY", "5s"),
                Map.entry("SHUTDOWN_TIMEOUT", "30s"),
                Map.entry("SERVICE_NAME", "echo"),
                Map.entry("ENVIRONMENT", "")));
  }

  @Test
  void theLogsNameTheServiceAndItsEnvironment() {
    assertThat(DesiredConfigMap.build(model("labels: {environment: staging}")).getData())
        .containsEntry("SERVICE_NAME", "echo")
        .containsEntry("ENVIRONMENT", "staging");
    // A label value echo-server would refuse is left out rather than passed (the pods must start).
    assertThat(DesiredConfigMap.build(model("labels: {environment: 'prod uction'}")).getData())
        .containsEntry("ENVIRONMENT", "");
  }

  @Test
  void defaultDeployment() {
    EchoServiceModel m = model("");
    Deployment d = DesiredDeployment.build(m);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.getSpec().getSelector().getMatchLabels())
        .isEqualTo(
            Map.of("app.kubernetes.io/name", "echo-server", "app.kubernetes.io/instance", "echo"));
    var strategy = d.getSpec().getStrategy();
    assertThat(strategy.getType()).isEqualTo("RollingUpdate");
    assertThat(strategy.getRollingUpdate().getMaxSurge()).isEqualTo(new IntOrString(1));
    assertThat(strategy.getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(0));
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(STANDARD_LABELS);
    // The config hash, and the scrape annotations for Prometheus set-ups that discover pods by
    // annotation.
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsOnlyKeys(
            EchoServiceModel.CONFIG_HASH_ANNOTATION,
            "prometheus.io/scrape",
            "prometheus.io/port",
            "prometheus.io/path")
        .containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", "8081")
        .containsEntry("prometheus.io/path", "/metrics");

    Container c = container(m);
    assertThat(c.getImage()).isEqualTo(DEFAULT_IMAGE);
    assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(c.getPorts())
        .extracting(p -> p.getName() + "=" + p.getContainerPort() + "/" + p.getProtocol())
        .containsExactly("http=8080/TCP", "management=8081/TCP");
    assertThat(c.getEnvFrom())
        .singleElement()
        .satisfies(e -> assertThat(e.getConfigMapRef().getName()).isEqualTo("echo"));
    assertThat(c.getResources().getRequests())
        .isEqualTo(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("128Mi")));
    assertThat(c.getResources().getLimits())
        .isEqualTo(Map.of("cpu", new Quantity("200m"), "memory", new Quantity("128Mi")));
  }

  @Test
  void probes() {
    Container c = container(model(""));
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getInitialDelaySeconds()).isEqualTo(10);
    assertThat(c.getLivenessProbe().getPeriodSeconds()).isEqualTo(10);
    assertThat(c.getLivenessProbe().getTimeoutSeconds()).isBetween(2, 5);
    assertThat(c.getLivenessProbe().getFailureThreshold()).isEqualTo(3);
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getInitialDelaySeconds()).isEqualTo(5);
    assertThat(c.getReadinessProbe().getPeriodSeconds()).isEqualTo(5);
    assertThat(c.getReadinessProbe().getTimeoutSeconds()).isBetween(1, 3);
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getStartupProbe().getPeriodSeconds() * c.getStartupProbe().getFailureThreshold())
        .isGreaterThanOrEqualTo(60);
    // Starts probing at once: the default, left out as the API server leaves it out (a stated 0
    // would never match
    // the object read back, and every reconcile would apply the Deployment again).
    assertThat(c.getStartupProbe().getInitialDelaySeconds()).isNull();
    assertThat(List.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()))
        .allSatisfy(
            p -> assertThat(p.getHttpGet().getPort()).isEqualTo(new IntOrString("management")));
  }

  @Test
  void restrictedPodSecurity() {
    EchoServiceModel m = model("");
    PodSpec pod = pod(m);
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
    assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(10001L);
    assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(10001L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var sc = container(m).getSecurityContext();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container(m).getVolumeMounts())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getMountPath()).isEqualTo("/tmp");
              assertThat(v.getName()).isEqualTo("tmp");
            });
    assertThat(pod.getVolumes())
        .singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
  }

  @Test
  void defaultTopologySpreadIsAcrossNodesWithoutBlockingScheduling() {
    assertThat(pod(model("")).getTopologySpreadConstraints())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
              assertThat(t.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
              assertThat(t.getMaxSkew()).isEqualTo(1);
              assertThat(t.getLabelSelector().getMatchLabels())
                  .containsEntry("app.kubernetes.io/instance", "echo");
            });
  }

  @Test
  void defaultService() {
    Service s = DesiredService.build(model(""));
    assertThat(s.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(s.getSpec().getSelector()).containsEntry("app.kubernetes.io/instance", "echo");
    assertThat(s.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getPort()).isEqualTo(80);
              assertThat(p.getTargetPort()).isEqualTo(new IntOrString("http"));
              assertThat(p.getNodePort()).isNull();
            });
    assertThat(s.getSpec().getLoadBalancerSourceRanges()).isNullOrEmpty();
    // Left to Kubernetes' defaults (Cluster), and so not owned by the operator's apply.
    assertThat(s.getSpec().getExternalTrafficPolicy()).isNull();
    assertThat(s.getSpec().getInternalTrafficPolicy()).isNull();
  }

  @Test
  void trafficPolicies() {
    Service s =
        DesiredService.build(
            model(
                "service: {type: LoadBalancer, externalTrafficPolicy: Local, internalTrafficPolicy: Local}"));
    assertThat(s.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
    assertThat(s.getSpec().getInternalTrafficPolicy()).isEqualTo("Local");
    Service internal = DesiredService.build(model("service: {internalTrafficPolicy: Cluster}"));
    assertThat(internal.getSpec().getInternalTrafficPolicy()).isEqualTo("Cluster");
    assertThat(internal.getSpec().getExternalTrafficPolicy()).isNull();
  }

  @Test
  void defaultNetworkPolicyAllowsOnly8080InAndDnsOut() {
    NetworkPolicy np = DesiredNetworkPolicy.build(model(""));
    assertThat(np.getSpec().getPodSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/instance", "echo");
    assertThat(np.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(np.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getFrom()).isNullOrEmpty();
              assertThat(rule.getPorts())
                  .singleElement()
                  .satisfies(
                      p -> {
                        assertThat(p.getPort()).isEqualTo(new IntOrString(8080));
                        assertThat(p.getProtocol()).isEqualTo("TCP");
                      });
            });
    // No rule for the management port: only the pod's own node (kubelet probes) reaches it.
    assertThat(np.getSpec().getEgress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getTo())
                  .singleElement()
                  .satisfies(
                      peer -> {
                        assertThat(peer.getNamespaceSelector().getMatchLabels())
                            .isEqualTo(Map.of("kubernetes.io/metadata.name", "kube-system"));
                        assertThat(peer.getPodSelector().getMatchLabels())
                            .isEqualTo(Map.of("k8s-app", "kube-dns"));
                      });
              assertThat(rule.getPorts())
                  .extracting(p -> p.getProtocol() + "/" + p.getPort().getIntVal())
                  .containsExactlyInAnyOrder("UDP/53", "TCP/53");
            });
  }

  @Test
  void metricsPeersMayReachTheManagementPortOnly() {
    NetworkPolicy np =
        DesiredNetworkPolicy.build(
            model(
                "networkPolicy: {metricsFrom: [{namespaceSelector: {matchLabels: "
                    + "{kubernetes.io/metadata.name: monitoring}}}]}"));
    assertThat(np.getSpec().getIngress()).hasSize(2);
    assertThat(np.getSpec().getIngress().get(0).getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(new IntOrString(8080)));
    assertThat(np.getSpec().getIngress().get(1).getFrom())
        .singleElement()
        .satisfies(
            peer ->
                assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .isEqualTo(Map.of("kubernetes.io/metadata.name", "monitoring")));
    assertThat(np.getSpec().getIngress().get(1).getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getPort()).isEqualTo(new IntOrString(8081));
              assertThat(p.getProtocol()).isEqualTo("TCP");
            });
  }

  @Test
  void connectionAndBodySharesPerClientReachTheServerWhenSet() {
    assertThat(DesiredConfigMap.build(model("")).getData())
        .doesNotContainKeys("MAX_CONNECTIONS_PER_CLIENT", "MAX_INFLIGHT_BODY_BYTES_PER_CLIENT");
    assertThat(
            DesiredConfigMap.build(
                    model(
                        "settings: {maxConnectionsPerClient: 64, maxInflightBodyBytesPerClient: 2097152}"))
                .getData())
        .containsEntry("MAX_CONNECTIONS_PER_CLIENT", "64")
        .containsEntry("MAX_INFLIGHT_BODY_BYTES_PER_CLIENT", "2097152");
  }

  @Test
  void defaultHpa() {
    HorizontalPodAutoscaler hpa = DesiredHorizontalPodAutoscaler.build(model(""));
    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("echo");
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(10);
    assertThat(hpa.getSpec().getMetrics())
        .extracting(
            x ->
                x.getResource().getName()
                    + "="
                    + x.getResource().getTarget().getAverageUtilization())
        .as("CPU only: no memory target unless the EchoService sets one")
        .containsExactly("cpu=70");
    var up = hpa.getSpec().getBehavior().getScaleUp();
    assertThat(up.getStabilizationWindowSeconds()).isZero();
    assertThat(up.getPolicies())
        .anySatisfy(
            p -> {
              assertThat(p.getType()).isEqualTo("Percent");
              assertThat(p.getValue()).isEqualTo(100);
              assertThat(p.getPeriodSeconds()).isEqualTo(15);
            });
    assertThat(hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds())
        .isEqualTo(300);
  }

  // ---- each option -----------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}={2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "settings: {logLevel: debug}           | LOG_LEVEL               | debug",
        "settings: {maxBodySize: 2048}         | MAX_BODY_SIZE           | 2048",
        "settings: {readTimeout: 250ms}        | READ_TIMEOUT            | 250ms",
        "settings: {writeTimeout: 1m30s}       | WRITE_TIMEOUT           | 1m30s",
        "settings: {idleTimeout: 2h}           | IDLE_TIMEOUT            | 2h",
        "settings: {maxJsonDepth: 8}           | MAX_JSON_DEPTH          | 8",
        "settings: {rateLimitRps: 5}           | RATE_LIMIT_RPS          | 5",
        "settings: {rateLimitBurst: 7}         | RATE_LIMIT_BURST        | 7",
        "settings: {healthRateLimitRpm: 60}    | HEALTH_RATE_LIMIT_RPM   | 60",
        "settings: {maxInflightBodyBytes: 2097152} | MAX_INFLIGHT_BODY_BYTES | 2097152",
        "settings: {maxConnectionsPerClient: 3} | MAX_CONNECTIONS_PER_CLIENT | 3",
        "settings: {maxInflightBodyBytesPerClient: 4194304} | MAX_INFLIGHT_BODY_BYTES_PER_CLIENT | 4194304",
        "settings: {trustedProxies: [10.0.0.0/8, 192.168.0.0/16]} | TRUSTED_PROXIES | 10.0.0.0/8,192.168.0.0/16",
        "settings: {shutdownDelay: 1s}         | SHUTDOWN_DELAY          | 1s",
        "settings: {shutdownTimeout: 45s}      | SHUTDOWN_TIMEOUT        | 45s",
      })
  void settingsBecomeEnvironment(String spec, String env, String value) {
    EchoServiceModel m = model(spec);
    assertThat(DesiredConfigMap.build(m).getData()).containsEntry(env, value);
    assertThat(m.configHash()).isNotEqualTo(model("").configHash());
    assertThat(DesiredDeployment.build(m).getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry(EchoServiceModel.CONFIG_HASH_ANNOTATION, m.configHash());
  }

  @Test
  void theConfigMapCarriesTheTablesDefaultsWhereTheCrdDefaultsTheField() {
    Map<String, String> data = DesiredConfigMap.build(model("")).getData();
    for (Setting s : Setting.values()) {
      if (s.field().name() == null) {
        continue;
      }
      if (s.field().defaulted()) {
        assertThat(data).as(s.env()).containsEntry(s.env(), s.defaultValue());
      } else {
        assertThat(data).as(s.env()).doesNotContainKey(s.env());
      }
    }
  }

  @Test
  void settingsTheServerWouldRefuseAreRefusedNamingTheVariable() {
    // The CRD refuses this (maxBodySize <= maxInflightBodyBytes); an API server without its rules
    // would not, and the pods would exit at start. The model is echo-server's own reading.
    assertThatThrownBy(() -> model("settings: {maxInflightBodyBytes: 99}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "invalid MAX_BODY_SIZE=\"1048576\": must not exceed MAX_INFLIGHT_BODY_BYTES (99)");
    assertThatThrownBy(() -> model("settings: {readTimeout: '0'}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid READ_TIMEOUT=\"0\" (must be greater than 0)");
  }

  @Test
  void inflightBudgetIsLeftToTheServerWhenUnset() {
    assertThat(DesiredConfigMap.build(model("")).getData())
        .doesNotContainKey("MAX_INFLIGHT_BODY_BYTES");
  }

  @Test
  void configHashIgnoresNonSettingsChanges() {
    assertThat(model("replicas: 5\nlabels: {team: a}").configHash())
        .isEqualTo(model("").configHash());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''                                                      | 40",
        "settings: {shutdownDelay: '0', shutdownTimeout: '0'}    | 5",
        "settings: {shutdownDelay: 1s, shutdownTimeout: 1m}      | 66",
        "settings: {shutdownDelay: 500ms, shutdownTimeout: 2s}   | 8",
      })
  void terminationGraceExceedsDrain(String spec, long expected) {
    assertThat(pod(model(spec)).getTerminationGracePeriodSeconds()).isEqualTo(expected);
  }

  @Test
  void explicitImagePullPolicyAndSecrets() {
    EchoServiceModel m =
        model(
            """
        image: registry.example.com/echo/echo-server:1.2.3
        imagePullPolicy: Always
        imagePullSecrets: [regcred]
        """);
    assertThat(container(m).getImage()).isEqualTo("registry.example.com/echo/echo-server:1.2.3");
    assertThat(container(m).getImagePullPolicy()).isEqualTo("Always");
    assertThat(pod(m).getImagePullSecrets())
        .extracting(r -> r.getName())
        .containsExactly("regcred");
    assertThat(m.labels()).containsEntry("app.kubernetes.io/version", "1.2.3");
  }

  @ParameterizedTest
  @CsvSource({
    "ghcr.io/echo-platform/echo-server:0.1.0, 0.1.0",
    "localhost:5000/echo-server, latest",
    "localhost:5000/echo-server:dev, dev",
    "echo@sha256:abcdef, sha256-abcdef",
  })
  void versionFromImage(String image, String version) {
    assertThat(EchoServiceModel.imageVersion(image)).isEqualTo(version);
  }

  @Test
  void versionLabelIsAValidLabelValue() {
    String digest = "echo@sha256:" + "a".repeat(64);
    String label = Labels.toLabelValue(EchoServiceModel.imageVersion(digest));
    assertThat(label)
        .hasSizeLessThanOrEqualTo(63)
        .matches("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  }

  @Test
  void resources() {
    Container c =
        container(
            model(
                "resources: {requests: {cpu: 250m, memory: 100Mi}, limits: {cpu: '1', memory: 256Mi}}"));
    assertThat(c.getResources().getRequests())
        .isEqualTo(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("100Mi")));
    assertThat(c.getResources().getLimits())
        .isEqualTo(Map.of("cpu", new Quantity("1"), "memory", new Quantity("256Mi")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // spec.resources                             | requests cpu, memory | limits cpu, memory
        "{}                                           | 100m | 128Mi | 200m | 128Mi",
        "{limits: {cpu: 2}}                           | 100m | 128Mi | 2    | 128Mi",
        "{limits: {cpu: 50m}}                         | 50m  | 128Mi | 50m  | 128Mi",
        "{limits: {memory: 256Mi}}                    | 100m | 256Mi | 200m | 256Mi",
        "{requests: {cpu: 50m}}                       | 50m  | 128Mi | 200m | 128Mi",
        "{requests: {memory: 64Mi}, limits: {cpu: 1}} | 100m | 64Mi  | 1    | 128Mi",
        "{limits: {cpu: '0.05', memory: 1Gi}}         | 0.05 | 1Gi   | 0.05 | 1Gi",
      })
  void anySubsetOfResourcesAsInAPodWithIntegerQuantities(
      String resources,
      String requestCpu,
      String requestMemory,
      String limitCpu,
      String limitMemory) {
    // Unset memory request = the memory limit (the JVM keeps its heap); unset CPU request = 100m,
    // capped by the limit.
    Container c = container(model("resources: " + resources));
    assertThat(c.getResources().getRequests())
        .isEqualTo(Map.of("cpu", new Quantity(requestCpu), "memory", new Quantity(requestMemory)));
    assertThat(c.getResources().getLimits())
        .isEqualTo(Map.of("cpu", new Quantity(limitCpu), "memory", new Quantity(limitMemory)));
  }

  @Test
  void anEchoServiceCanTurnTheScrapeAnnotationOff() {
    var annotations =
        DesiredDeployment.build(model("podAnnotations: {prometheus.io/scrape: \"false\"}"))
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations();
    assertThat(annotations).containsEntry("prometheus.io/scrape", "false");
  }

  @Test
  @SuppressWarnings("unchecked")
  void podMonitorScrapesTheManagementPortAndLabelsTheSeriesWithTheEchoService() {
    var pm =
        DesiredPodMonitor.build(
            model("monitoring: {interval: 15s, labels: {release: kube-prometheus-stack}}"));
    assertThat(pm.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(pm.getKind()).isEqualTo("PodMonitor");
    assertThat(pm.getMetadata().getLabels())
        .containsAllEntriesOf(STANDARD_LABELS)
        .containsEntry("release", "kube-prometheus-stack");
    Map<String, Object> spec = (Map<String, Object>) pm.getAdditionalProperties().get("spec");
    assertThat(spec.get("selector"))
        .isEqualTo(
            Map.of(
                "matchLabels",
                Map.of(
                    "app.kubernetes.io/name",
                    "echo-server",
                    "app.kubernetes.io/instance",
                    "echo")));
    Map<String, Object> endpoint =
        ((List<Map<String, Object>>) spec.get("podMetricsEndpoints")).get(0);
    assertThat(endpoint)
        .containsEntry("port", "management")
        .containsEntry("path", "/metrics")
        .containsEntry("interval", "15s");
    assertThat(endpoint.get("relabelings"))
        .isEqualTo(
            List.of(
                Map.of(
                    "action",
                    "replace",
                    "sourceLabels",
                    List.of("__meta_kubernetes_pod_label_app_kubernetes_io_instance"),
                    "targetLabel",
                    "echoservice")));
  }

  @Test
  void nodePortService() {
    Service s =
        DesiredService.build(model("service: {type: NodePort, port: 8081, nodePort: 30080}"));
    assertThat(s.getSpec().getType()).isEqualTo("NodePort");
    assertThat(s.getSpec().getPorts().get(0).getPort()).isEqualTo(8081);
    assertThat(s.getSpec().getPorts().get(0).getNodePort()).isEqualTo(30080);
  }

  @Test
  void loadBalancerServiceWithSourceRangesAndAnnotations() {
    Service s =
        DesiredService.build(
            model(
                """
        annotations: {owner: team-a}
        service:
          type: LoadBalancer
          annotations: {service.beta.kubernetes.io/aws-load-balancer-internal: "true"}
          loadBalancerSourceRanges: [10.0.0.0/8]
        """));
    assertThat(s.getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(s.getSpec().getLoadBalancerSourceRanges()).containsExactly("10.0.0.0/8");
    assertThat(s.getMetadata().getAnnotations())
        .isEqualTo(
            Map.of(
                "owner",
                "team-a",
                "service.beta.kubernetes.io/aws-load-balancer-internal",
                "true"));
  }

  @Test
  void networkPolicyPeers() {
    NetworkPolicy np =
        DesiredNetworkPolicy.build(
            model(
                """
        networkPolicy:
          ingressFrom:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress}}
          - ipBlock: {cidr: 10.1.0.0/16}
        """));
    var from = np.getSpec().getIngress().get(0).getFrom();
    assertThat(from).hasSize(2);
    assertThat(from.get(0).getNamespaceSelector().getMatchLabels())
        .containsEntry("kubernetes.io/metadata.name", "ingress");
    assertThat(from.get(1).getIpBlock().getCidr()).isEqualTo("10.1.0.0/16");
    assertThat(np.getSpec().getIngress().get(0).getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(new IntOrString(8080)));
  }

  @Test
  void scheduling() {
    PodSpec pod =
        pod(
            model(
                """
        scheduling:
          nodeSelector: {pool: web}
          tolerations: [{key: dedicated, operator: Equal, value: web, effect: NoSchedule}]
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]
          topologySpreadConstraints:
          - {maxSkew: 2, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule}
        """));
    assertThat(pod.getNodeSelector()).isEqualTo(Map.of("pool", "web"));
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(pod.getAffinity().getNodeAffinity()).isNotNull();
    assertThat(pod.getTopologySpreadConstraints())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone");
              assertThat(t.getMaxSkew()).isEqualTo(2);
              assertThat(t.getLabelSelector().getMatchLabels())
                  .containsEntry("app.kubernetes.io/instance", "echo");
            });
  }

  @Test
  void autoscalingSettings() {
    HorizontalPodAutoscaler hpa =
        DesiredHorizontalPodAutoscaler.build(
            model(
                """
        autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 20,
          targetCPUUtilizationPercentage: 50, targetMemoryUtilizationPercentage: 60,
          scaleDownStabilizationWindowSeconds: 120}
        """));
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(20);
    assertThat(hpa.getSpec().getMetrics())
        .extracting(x -> x.getResource().getTarget().getAverageUtilization())
        .containsExactly(50, 60);
    assertThat(hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds())
        .isEqualTo(120);
  }

  // ---- toggles: replicas ownership ---------------------------------------------------------

  static Stream<Arguments> replicaOwnership() {
    return Stream.of(
        Arguments.of("", 2),
        Arguments.of("replicas: 5", 5),
        Arguments.of("replicas: 0", 0),
        Arguments.of("replicas: 5\nautoscaling: {enabled: false}", 5),
        Arguments.of("replicas: 5\nautoscaling: {enabled: true}", null),
        Arguments.of("autoscaling: {enabled: true, minReplicas: 1}", null));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "autoscaling: {enabled: true}                                                | 2",
        "{replicas: 1, autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 6}}  | 3",
        "{replicas: 4, autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 6}}  | 4",
        "{replicas: 20, autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 6}} | 6",
      })
  void anAutoscaledDeploymentStartsAtSpecReplicasWithinTheAutoscalersBounds(
      String spec, int expected) {
    assertThat(DesiredDeployment.startingReplicas(model(spec))).isEqualTo(expected);
  }

  @ParameterizedTest
  @MethodSource("replicaOwnership")
  void deploymentOwnsReplicasOnlyWithoutAutoscaling(String spec, Integer expected) {
    assertThat(DesiredDeployment.build(model(spec)).getSpec().getReplicas()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "replicas: 1",
        "replicas: 2",
        "replicas: 10",
        "autoscaling: {enabled: true, minReplicas: 1}",
        "autoscaling: {enabled: true, minReplicas: 4}",
      })
  void pdbNeverBlocksDrains(String spec) {
    PodDisruptionBudget pdb = DesiredPodDisruptionBudget.build(model(spec));
    assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
    assertThat(pdb.getSpec().getMinAvailable()).isNull();
    assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/instance", "echo");
  }

  // ---- labels and annotations propagation ------------------------------------------------

  @Test
  void userLabelsAndAnnotationsReachEveryChildAndThePods() {
    EchoServiceModel m =
        model(
            """
        labels: {environment: production, team: payments, cost-center: cc-42}
        annotations: {owner: payments@example.com, incident-channel: '#payments'}
        podAnnotations: {dapr.io/enabled: "true"}
        """);
    Map<String, String> userLabels =
        Map.of("environment", "production", "team", "payments", "cost-center", "cc-42");
    Map<String, String> userAnnotations =
        Map.of("owner", "payments@example.com", "incident-channel", "#payments");
    for (HasMetadata child : allChildren(m)) {
      assertThat(child.getMetadata().getLabels())
          .as(child.getKind())
          .containsAllEntriesOf(userLabels)
          .containsAllEntriesOf(STANDARD_LABELS);
      assertThat(child.getMetadata().getAnnotations())
          .as(child.getKind())
          .containsAllEntriesOf(userAnnotations)
          .doesNotContainKey("dapr.io/enabled");
    }
    var template = DesiredDeployment.build(m).getSpec().getTemplate().getMetadata();
    assertThat(template.getLabels())
        .containsAllEntriesOf(userLabels)
        .containsAllEntriesOf(STANDARD_LABELS);
    assertThat(template.getAnnotations())
        .containsAllEntriesOf(userAnnotations)
        .containsEntry("dapr.io/enabled", "true")
        .containsKey(EchoServiceModel.CONFIG_HASH_ANNOTATION);
  }

  @Test
  void selectorDoesNotDependOnUserLabelsOrVersion() {
    Function<String, Map<String, String>> selector =
        spec -> DesiredDeployment.build(model(spec)).getSpec().getSelector().getMatchLabels();
    assertThat(selector.apply("labels: {team: x}\nimage: echo:2.0")).isEqualTo(selector.apply(""));
  }

  @Test
  void buildersArePureAndDeterministic() {
    EchoServiceModel m = model("labels: {b: '2', a: '1'}\nreplicas: 3");
    assertThat(allChildren(m)).isEqualTo(allChildren(m));
  }
}
