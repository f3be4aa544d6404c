package dev.echoplatform.deploy;

import static dev.echoplatform.deploy.RenderedChart.FULLNAME;
import static dev.echoplatform.deploy.RenderedChart.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** `helm lint --strict` and `helm template` of the chart with its default values. */
class ChartDefaultValuesTest {

  private static RenderedChart chart;

  @BeforeAll
  static void render() {
    chart = RenderedChart.render("");
  }

  @Test
  void lintStrictPasses() {
    LintResult result = new Helm(Project.chartDir()).lint().strict().call();
    assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    assertThat(result.getMessages())
        .noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  @Test
  void chartVersionsAreTheProjectVersion() {
    JsonNode chartYaml = Yaml.single(Project.chartDir().resolve("Chart.yaml"));
    assertThat(chartYaml.path("apiVersion").asText()).isEqualTo("v2");
    assertThat(chartYaml.path("version").asText()).isEqualTo(Project.version());
    assertThat(chartYaml.path("appVersion").asText()).isEqualTo(Project.version());
  }

  /**
   * kubeVersion claims the oldest Kubernetes minor the api-tests run on: the release built by
   * deploy/local/control-plane-oldest (the CRD's CEL quantity rules need 1.29, docs/deploy.md).
   * Helm refuses older clusters, including 1.28's last patch.
   */
  @Test
  void kubeVersionIsTheOldestVersionTheApiTestsRunOn() throws IOException {
    Path goMod = Project.root().resolve("deploy/local/control-plane-oldest/go.mod");
    Matcher release =
        Pattern.compile("(?m)^\\s*(?:require\\s+)?k8s\\.io/kubernetes v(\\d+)\\.(\\d+)\\.(\\d+)$")
            .matcher(Files.readString(goMod));
    assertThat(release.find()).as("k8s.io/kubernetes in %s", goMod).isTrue();
    String major = release.group(1);
    int minor = Integer.parseInt(release.group(2));
    JsonNode chartYaml = Yaml.single(Project.chartDir().resolve("Chart.yaml"));
    assertThat(chartYaml.path("kubeVersion").asText())
        .isEqualTo(">=" + major + "." + minor + ".0-0");

    Helm helm = new Helm(Project.chartDir());
    assertThat(
            helm.template()
                .withName(RenderedChart.RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion("v" + major + "." + minor + ".0")
                .call())
        .contains("kind: CustomResourceDefinition");
    String older = "v" + major + "." + (minor - 1) + ".15";
    assertThatThrownBy(
            () ->
                helm.template()
                    .withName(RenderedChart.RELEASE)
                    .withNamespace(NAMESPACE)
                    .withKubeVersion(older)
                    .call())
        .as("helm template --kube-version %s", older)
        .hasMessageContaining(
            "chart requires kubeVersion: >="
                + major
                + "."
                + minor
                + ".0-0 which is incompatible with"
                + " Kubernetes "
                + older);
  }

  @Test
  void rendersExactlyTheDefaultObjects() {
    assertThat(chart.names())
        .containsExactlyInAnyOrder(
            "ServiceAccount/echo-system/echo-operator",
            "CustomResourceDefinition//echoservices.echo.platform.dev",
            "ClusterRole//echo-operator",
            "ClusterRoleBinding//echo-operator",
            "Role/echo-system/echo-operator-leader-election",
            "RoleBinding/echo-system/echo-operator-leader-election",
            "Service/echo-system/echo-operator-metrics",
            "Deployment/echo-system/echo-operator",
            "NetworkPolicy/echo-system/echo-operator",
            "PodDisruptionBudget/echo-system/echo-operator");
  }

  @Test
  void everyObjectCarriesTheStandardLabels() {
    for (JsonNode object : chart.objects) {
      JsonNode labels = object.path("metadata").path("labels");
      assertThat(labels.path("app.kubernetes.io/name").asText())
          .as("name label of %s", object.path("kind"))
          .isEqualTo("echo-operator");
      assertThat(labels.path("app.kubernetes.io/instance").asText())
          .isEqualTo(RenderedChart.RELEASE);
      assertThat(labels.path("app.kubernetes.io/version").asText()).isEqualTo(Project.version());
      assertThat(labels.path("app.kubernetes.io/part-of").asText()).isEqualTo("echo-operator");
      assertThat(labels.path("app.kubernetes.io/managed-by").asText()).isEqualTo("Helm");
    }
  }

  @Test
  void deploymentRunsTwoReplicasWithLeaderElection() {
    JsonNode spec = chart.deployment().path("spec");
    assertThat(spec.path("replicas").asInt()).isEqualTo(2);
    assertThat(spec.path("strategy").path("type").asText()).isEqualTo("RollingUpdate");
    assertThat(spec.path("strategy").path("rollingUpdate").path("maxUnavailable").asInt()).isZero();
    assertThat(chart.envValue("LEADER_ELECTION_ENABLED")).isEqualTo("true");
    assertThat(chart.envValue("LEADER_ELECTION_LEASE_NAME")).isEqualTo("echo-operator-leader");
    assertThat(chart.envValue("LEADER_ELECTION_NAMESPACE")).isEqualTo(NAMESPACE);
  }

  @Test
  void imagesAreTaggedWithTheProjectVersion() {
    assertThat(chart.operatorContainer().path("image").asText())
        .isEqualTo(Project.imageRegistry() + "/echo-operator:" + Project.version());
    assertThat(chart.envValue("ECHO_SERVER_IMAGE"))
        .isEqualTo(Project.imageRegistry() + "/echo-server:" + Project.version());
  }

  @Test
  void operatorEnvironmentFollowsTheContract() {
    assertThat(chart.envValue("WATCH_NAMESPACES")).isEmpty();
    assertThat(chart.envValue("RECONCILE_CONCURRENCY")).isEqualTo("10");
    assertThat(chart.envValue("MANAGEMENT_PORT")).isEqualTo("8081");
    assertThat(chart.envValue("LOG_LEVEL")).isEqualTo("info");
    assertThat(
            chart
                .env("POD_NAMESPACE")
                .path("valueFrom")
                .path("fieldRef")
                .path("fieldPath")
                .asText())
        .isEqualTo("metadata.namespace");
    assertThat(chart.env("POD_NAME").path("valueFrom").path("fieldRef").path("fieldPath").asText())
        .isEqualTo("metadata.name");
  }

  @Test
  void jvmHeapIsSizedFromTheMemoryLimit() {
    JsonNode resources = chart.operatorContainer().path("resources");
    assertThat(resources.path("limits").path("memory").asText()).isEqualTo("384Mi");
    assertThat(resources.path("requests").path("memory").asText()).isEqualTo("384Mi");
    assertThat(resources.path("requests").path("cpu").asText()).isEqualTo("100m");
    assertThat(resources.path("limits").path("cpu").asText()).isEqualTo("1");
    assertThat(chart.envValue("JAVA_TOOL_OPTIONS"))
        .contains("-XX:MaxRAMPercentage=40", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError")
        .doesNotContain("-Xmx");
  }

  @Test
  void podAndContainerMeetTheRestrictedPodSecurityStandard() {
    JsonNode pod = chart.deployment().path("spec").path("template").path("spec");
    JsonNode podSecurity = pod.path("securityContext");
    assertThat(podSecurity.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(podSecurity.path("runAsUser").asInt()).isEqualTo(10001);
    assertThat(podSecurity.path("seccompProfile").path("type").asText())
        .isEqualTo("RuntimeDefault");
    JsonNode container = chart.operatorContainer().path("securityContext");
    assertThat(container.path("allowPrivilegeEscalation").isBoolean()).isTrue();
    assertThat(container.path("allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(container.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.path("runAsUser").asInt()).isGreaterThan(1000);
    assertThat(container.path("capabilities").path("drop"))
        .extracting(JsonNode::asText)
        .containsExactly("ALL");
    assertThat(container.path("capabilities").has("add")).isFalse();
    assertThat(container.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
    assertThat(container.has("privileged")).isFalse();
    assertThat(pod.has("hostNetwork") || pod.has("hostPID") || pod.has("hostIPC")).isFalse();
    // The only writable path is the /tmp emptyDir.
    assertThat(chart.operatorContainer().path("volumeMounts")).hasSize(1);
    assertThat(chart.operatorContainer().path("volumeMounts").get(0).path("mountPath").asText())
        .isEqualTo("/tmp");
    assertThat(pod.path("volumes").get(0).path("emptyDir").path("sizeLimit").asText())
        .isEqualTo("64Mi");
  }

  @Test
  void probesTargetTheManagementPort() {
    JsonNode container = chart.operatorContainer();
    assertThat(container.path("ports")).hasSize(1);
    assertThat(container.path("ports").get(0).path("name").asText()).isEqualTo("management");
    assertThat(container.path("ports").get(0).path("containerPort").asInt()).isEqualTo(8081);
    Map<String, String> expectedPaths =
        Map.of(
            "startupProbe", "/healthz", "livenessProbe", "/healthz", "readinessProbe", "/readyz");
    expectedPaths.forEach(
        (probe, path) -> {
          JsonNode httpGet = container.path(probe).path("httpGet");
          assertThat(httpGet.path("path").asText()).as("%s path", probe).isEqualTo(path);
          assertThat(httpGet.path("port").asText()).as("%s port", probe).isEqualTo("management");
        });
    assertThat(container.path("livenessProbe").path("periodSeconds").asInt()).isEqualTo(10);
    assertThat(container.path("readinessProbe").path("periodSeconds").asInt()).isEqualTo(5);
  }

  @Test
  void podsSpreadAcrossNodesAndZones() {
    JsonNode constraints =
        chart
            .deployment()
            .path("spec")
            .path("template")
            .path("spec")
            .path("topologySpreadConstraints");
    List<String> keys = new ArrayList<>();
    constraints.forEach(
        c -> {
          keys.add(c.path("topologyKey").asText());
          assertThat(c.path("maxSkew").asInt()).isEqualTo(1);
          assertThat(
                  c.path("labelSelector")
                      .path("matchLabels")
                      .path("app.kubernetes.io/instance")
                      .asText())
              .isEqualTo(RenderedChart.RELEASE);
        });
    assertThat(keys).containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
  }

  @Test
  void clusterRoleGrantsExactlyWhatTheOperatorUses() {
    JsonNode clusterRole = chart.get("ClusterRole", FULLNAME);
    assertThat(Rbac.permissions(clusterRole)).isEqualTo(Rbac.sorted(Rbac.EXPECTED));
    assertThat(Rbac.hasWildcard(clusterRole)).isFalse();
    JsonNode binding = chart.get("ClusterRoleBinding", FULLNAME);
    assertThat(binding.path("roleRef").path("name").asText()).isEqualTo(FULLNAME);
    assertThat(binding.path("subjects").get(0).path("name").asText()).isEqualTo(FULLNAME);
    assertThat(binding.path("subjects").get(0).path("namespace").asText()).isEqualTo(NAMESPACE);
    assertThat(
            chart
                .deployment()
                .path("spec")
                .path("template")
                .path("spec")
                .path("serviceAccountName")
                .asText())
        .isEqualTo(FULLNAME);
  }

  @Test
  void leaseRoleIsLimitedToTheReleaseNamespaceAndTheLeaseName() {
    JsonNode role = chart.get("Role", FULLNAME + "-leader-election");
    assertThat(role.path("metadata").path("namespace").asText()).isEqualTo(NAMESPACE);
    assertThat(Rbac.permissions(role)).isEqualTo(Rbac.sorted(Rbac.EXPECTED_LEASES));
    assertThat(Rbac.hasWildcard(role)).isFalse();
    for (JsonNode rule : role.path("rules")) {
      boolean onlyCreate =
          rule.path("verbs").size() == 1 && rule.path("verbs").get(0).asText().equals("create");
      if (!onlyCreate) {
        assertThat(rule.path("resourceNames"))
            .extracting(JsonNode::asText)
            .containsExactly("echo-operator-leader");
      }
    }
    assertThat(chart.all("Role")).hasSize(1);
  }

  @Test
  void metricsServiceExposesTheManagementPort() {
    JsonNode service = chart.get("Service", FULLNAME + "-metrics");
    assertThat(service.path("spec").path("type").asText()).isEqualTo("ClusterIP");
    assertThat(service.path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(8081);
    assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText())
        .isEqualTo("management");
    assertThat(service.path("spec").path("selector"))
        .isEqualTo(chart.deployment().path("spec").path("selector").path("matchLabels"));
  }

  @Test
  void podDisruptionBudgetNeverBlocksDrainsOfTheOnlyPod() {
    JsonNode pdb = chart.get("PodDisruptionBudget", FULLNAME);
    assertThat(pdb.path("spec").path("maxUnavailable").asInt()).isEqualTo(1);
    assertThat(pdb.path("spec").has("minAvailable")).isFalse();
    assertThat(pdb.path("spec").path("selector").path("matchLabels"))
        .isEqualTo(chart.deployment().path("spec").path("selector").path("matchLabels"));
  }

  @Test
  void networkPolicyAllowsOnlyTheManagementPortInAndApiServerAndDnsOut() {
    JsonNode spec = chart.get("NetworkPolicy", FULLNAME).path("spec");
    assertThat(spec.path("podSelector").path("matchLabels"))
        .isEqualTo(chart.deployment().path("spec").path("selector").path("matchLabels"));
    assertThat(spec.path("policyTypes"))
        .extracting(JsonNode::asText)
        .containsExactly("Ingress", "Egress");
    assertThat(spec.path("ingress")).hasSize(1);
    JsonNode ingress = spec.path("ingress").get(0);
    assertThat(ingress.path("ports")).hasSize(1);
    assertThat(ingress.path("ports").get(0).path("port").asInt()).isEqualTo(8081);
    assertThat(ingress.has("from")).as("default: any source, management port only").isFalse();
    JsonNode egress = spec.path("egress");
    assertThat(egress).hasSize(2);
    assertThat(egress.get(0).path("ports"))
        .extracting(p -> p.path("port").asInt())
        .containsExactly(443, 6443);
    assertThat(egress.get(1).path("ports"))
        .extracting(p -> p.path("protocol").asText() + "/" + p.path("port").asInt())
        .containsExactly("UDP/53", "TCP/53");
    assertThat(
            egress
                .get(1)
                .path("to")
                .get(0)
                .path("podSelector")
                .path("matchLabels")
                .path("k8s-app")
                .asText())
        .isEqualTo("kube-dns");
  }
}
