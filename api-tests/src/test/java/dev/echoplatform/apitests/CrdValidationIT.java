package dev.echoplatform.apitests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed CRD on a real API server: it is accepted and Established, every OpenAPI and CEL
 * rule refuses the EchoService it exists for and names the field, the examples are accepted, and
 * the schema's defaults are applied.
 */
class CrdValidationIT extends RealApiServer {

  static final String NS = "validation";

  @BeforeAll
  static void setUp() {
    installCrd();
    createNamespace(NS);
  }

  @Test
  void committedCrdIsEstablishedWithItsSubresources() {
    CustomResourceDefinition crd =
        client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get();
    assertThat(established(crd)).isTrue();
    assertThat(crd.getStatus().getAcceptedNames().getShortNames()).containsExactly("echosvc");
    assertThat(crd.getStatus().getAcceptedNames().getCategories())
        .as("kubectl get all")
        .containsExactly("all");
    var version = crd.getSpec().getVersions().get(0);
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getSubresources().getScale().getSpecReplicasPath())
        .isEqualTo(".spec.replicas");
    // The resource is served: listing works.
    assertThat(
            client
                .genericKubernetesResources("echo.platform.dev/v1alpha1", "EchoService")
                .inNamespace(NS)
                .list()
                .getItems())
        .isNotNull();
  }

  /**
   * One invalid EchoService per schema or CEL rule: spec, the field the message must name, and the
   * reason.
   */
  static Stream<Arguments> invalidSpecs() {
    return Stream.of(
        // replicas: minimum / maximum
        invalid("replicas below 0", "replicas: -1", "spec.replicas", "greater than or equal to 0"),
        invalid(
            "replicas above 1000", "replicas: 1001", "spec.replicas", "less than or equal to 1000"),
        // image and pull settings
        invalid(
            "image with whitespace",
            "image: 'ghcr.io/x/y :1'",
            "spec.image",
            "must not contain whitespace"),
        invalid(
            "imagePullPolicy not in enum",
            "imagePullPolicy: Sometimes",
            "spec.imagePullPolicy",
            "Unsupported value"),
        invalid(
            "imagePullSecrets not a DNS name",
            "imagePullSecrets: [Bad_Secret]",
            "spec.imagePullSecrets",
            "entries must each be a Secret name"),
        // labels: reserved prefix (CEL with fieldPath)
        invalid(
            "label under app.kubernetes.io/",
            "labels: {app.kubernetes.io/name: mine}",
            "spec.labels",
            "must not set app.kubernetes.io/ keys"),
        // autoscaling: bounds and CEL min <= max
        invalid(
            "autoscaling minReplicas 0",
            "autoscaling: {minReplicas: 0}",
            "spec.autoscaling.minReplicas",
            "greater than or equal to 1"),
        invalid(
            "autoscaling maxReplicas above 1000",
            "autoscaling: {maxReplicas: 1001}",
            "spec.autoscaling.maxReplicas",
            "less than or equal to 1000"),
        invalid(
            "autoscaling minReplicas > maxReplicas",
            "autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 3}",
            "spec.autoscaling",
            "spec.autoscaling.minReplicas must be less than or equal to spec.autoscaling.maxReplicas"),
        invalid(
            "autoscaling CPU target 0",
            "autoscaling: {targetCPUUtilizationPercentage: 0}",
            "spec.autoscaling.targetCPUUtilizationPercentage",
            "greater than or equal to 1"),
        invalid(
            "autoscaling memory target above 100",
            "autoscaling: {targetMemoryUtilizationPercentage: 101}",
            "spec.autoscaling.targetMemoryUtilizationPercentage",
            "less than or equal to 100"),
        invalid(
            "scale-down window above 3600",
            "autoscaling: {scaleDownStabilizationWindowSeconds: 3601}",
            "spec.autoscaling.scaleDownStabilizationWindowSeconds",
            "less than or equal to 3600"),
        // resources: quantities as a Pod takes them, CEL requests <= limits
        invalid(
            "limits.cpu not a quantity",
            "resources: {limits: {cpu: lots, memory: 128Mi}}",
            "spec.resources.limits.cpu",
            "must be a Kubernetes quantity of at least 0, such as 2, 500m"),
        invalid(
            "limits.memory not a quantity",
            "resources: {limits: {cpu: 200m, memory: 1GB}}",
            "spec.resources.limits.memory",
            "must be a Kubernetes quantity"),
        invalid(
            "requests.cpu not a quantity",
            "resources: {requests: {cpu: '1 core', memory: 64Mi}}",
            "spec.resources.requests.cpu",
            "must be a Kubernetes quantity"),
        invalid(
            "requests.memory not a quantity",
            "resources: {requests: {cpu: 100m, memory: 64MB}}",
            "spec.resources.requests.memory",
            "must be a Kubernetes quantity"),
        invalid(
            "limits.cpu negative",
            "resources: {limits: {cpu: -1}}",
            "spec.resources.limits.cpu",
            "must be a Kubernetes quantity of at least 0"),
        invalid(
            "requests.cpu a negative string",
            "resources: {requests: {cpu: '-100m'}}",
            "spec.resources.requests.cpu",
            "must be a Kubernetes quantity of at least 0"),
        invalid(
            "limits.cpu a fraction written as a number",
            "resources: {limits: {cpu: 0.5}}",
            "spec.resources.limits.cpu",
            "must be of type"),
        invalid(
            "requests.memory above the default limit",
            "resources: {requests: {memory: 512Mi}}",
            "spec.resources",
            "spec.resources.requests.memory must not exceed spec.resources.limits.memory"
                + " (default 128Mi)"),
        invalid(
            "requests.cpu above limits.cpu",
            "resources: {requests: {cpu: 500m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}",
            "spec.resources",
            "spec.resources.requests.cpu must not exceed spec.resources.limits.cpu"),
        invalid(
            "requests.memory above limits.memory",
            "resources: {requests: {cpu: 100m, memory: 1Gi}, limits: {cpu: 200m, memory: 128Mi}}",
            "spec.resources",
            "spec.resources.requests.memory must not exceed spec.resources.limits.memory"),
        // service: enum, ports, CEL type dependencies, CIDR pattern
        invalid(
            "service type not in enum",
            "service: {type: ExternalName}",
            "spec.service.type",
            "Unsupported value"),
        invalid(
            "service port 0",
            "service: {port: 0}",
            "spec.service.port",
            "greater than or equal to 1"),
        invalid(
            "service port above 65535",
            "service: {port: 65536}",
            "spec.service.port",
            "less than or equal to 65535"),
        invalid(
            "nodePort below range",
            "service: {type: NodePort, nodePort: 29999}",
            "spec.service.nodePort",
            "greater than or equal to 30000"),
        invalid(
            "nodePort above range",
            "service: {type: NodePort, nodePort: 32768}",
            "spec.service.nodePort",
            "less than or equal to 32767"),
        invalid(
            "nodePort with ClusterIP",
            "service: {type: ClusterIP, nodePort: 30080}",
            "spec.service",
            "spec.service.nodePort is only allowed with spec.service.type NodePort"),
        invalid(
            "loadBalancerSourceRanges with NodePort",
            "service: {type: NodePort, loadBalancerSourceRanges: [10.0.0.0/8]}",
            "spec.service",
            "spec.service.loadBalancerSourceRanges is only allowed with spec.service.type LoadBalancer"),
        invalid(
            "externalTrafficPolicy with ClusterIP",
            "service: {externalTrafficPolicy: Local}",
            "spec.service",
            "spec.service.externalTrafficPolicy is only allowed with spec.service.type NodePort or LoadBalancer"),
        invalid(
            "externalTrafficPolicy not in enum",
            "service: {type: NodePort, externalTrafficPolicy: Nearest}",
            "spec.service.externalTrafficPolicy",
            "Unsupported value"),
        invalid(
            "loadBalancerSourceRanges not a CIDR",
            "service: {type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.1]}",
            "spec.service.loadBalancerSourceRanges",
            "entries must each be a CIDR such as 10.0.0.0/8"),
        // settings: enum, Go durations, bounds, CIDRs, CEL burst >= rps
        invalid(
            "logLevel not in enum",
            "settings: {logLevel: trace}",
            "spec.settings.logLevel",
            "Unsupported value"),
        invalid(
            "readTimeout without unit",
            "settings: {readTimeout: '5'}",
            "spec.settings.readTimeout",
            "must be a Go duration more than 0 and at most 24h, such as 250ms, 5s or 1m30s"),
        invalid(
            "readTimeout in words",
            "settings: {readTimeout: 5 seconds}",
            "spec.settings.readTimeout",
            "must be a Go duration"),
        invalid(
            "writeTimeout with a space",
            "settings: {writeTimeout: 10 s}",
            "spec.settings.writeTimeout",
            "must be a Go duration"),
        invalid(
            "idleTimeout in days",
            "settings: {idleTimeout: 1d}",
            "spec.settings.idleTimeout",
            "must be a Go duration"),
        invalid(
            "shutdownDelay negative",
            "settings: {shutdownDelay: -5s}",
            "spec.settings.shutdownDelay",
            "must be a Go duration of at most 24h, such as 0, 500ms or 30s"),
        invalid(
            "shutdownTimeout not a duration",
            "settings: {shutdownTimeout: soon}",
            "spec.settings.shutdownTimeout",
            "must be a Go duration"),
        invalid(
            "maxBodySize 0",
            "settings: {maxBodySize: 0}",
            "spec.settings.maxBodySize",
            "greater than or equal to 1"),
        invalid(
            "maxBodySize above 64 MiB",
            "settings: {maxBodySize: 67108865, maxInflightBodyBytes: 134217728}",
            "spec.settings.maxBodySize",
            "less than or equal to"),
        invalid(
            "maxInflightBodyBytes 0",
            "settings: {maxInflightBodyBytes: 0}",
            "spec.settings.maxInflightBodyBytes",
            "greater than or equal to 1"),
        invalid(
            "maxJsonDepth above 10000",
            "settings: {maxJsonDepth: 10001}",
            "spec.settings.maxJsonDepth",
            "less than or equal to 10000"),
        invalid(
            "rateLimitRps 0",
            "settings: {rateLimitRps: 0}",
            "spec.settings.rateLimitRps",
            "greater than or equal to 1"),
        invalid(
            "rateLimitBurst above a million",
            "settings: {rateLimitBurst: 1000001}",
            "spec.settings.rateLimitBurst",
            "less than or equal to 1000000"),
        invalid(
            "healthRateLimitRpm 0",
            "settings: {healthRateLimitRpm: 0}",
            "spec.settings.healthRateLimitRpm",
            "greater than or equal to 1"),
        invalid(
            "trustedProxies not a CIDR",
            "settings: {trustedProxies: [proxy.local]}",
            "spec.settings.trustedProxies",
            "entries must each be a CIDR"),
        invalid(
            "trustedProxies IPv4 prefix above 32",
            "settings: {trustedProxies: [10.0.0.0/99]}",
            "spec.settings.trustedProxies",
            "entries must each be a CIDR"),
        invalid(
            "trustedProxies IPv4 octet above 255",
            "settings: {trustedProxies: [256.0.0.0/8]}",
            "spec.settings.trustedProxies",
            "entries must each be a CIDR"),
        invalid(
            "trustedProxies IPv6 prefix above 128",
            "settings: {trustedProxies: ['fd00::/129']}",
            "spec.settings.trustedProxies",
            "entries must each be a CIDR"),
        // echo-server exits at start on a zero or over-24h timeout: refused here instead.
        invalid(
            "readTimeout 0",
            "settings: {readTimeout: '0'}",
            "spec.settings.readTimeout",
            "must be a Go duration more than 0 and at most 24h, such as 250ms"),
        invalid(
            "writeTimeout 0s",
            "settings: {writeTimeout: 0s}",
            "spec.settings.writeTimeout",
            "must be a Go duration more than 0 and at most 24h, such as 250ms"),
        invalid(
            "idleTimeout 0.0ms",
            "settings: {idleTimeout: 0.0ms}",
            "spec.settings.idleTimeout",
            "must be a Go duration more than 0 and at most 24h, such as 250ms"),
        invalid(
            "readTimeout just over 24h",
            "settings: {readTimeout: 24h0m0.001s}",
            "spec.settings.readTimeout",
            "must be a Go duration more than 0 and at most 24h, such as 250ms"),
        invalid(
            "shutdownTimeout 25h",
            "settings: {shutdownTimeout: 25h}",
            "spec.settings.shutdownTimeout",
            "must be a Go duration of at most 24h"),
        invalid(
            "shutdownDelay 1441m",
            "settings: {shutdownDelay: 1441m}",
            "spec.settings.shutdownDelay",
            "must be a Go duration of at most 24h"),
        invalid(
            "rateLimitBurst below rateLimitRps",
            "settings: {rateLimitRps: 300, rateLimitBurst: 200}",
            "spec.settings",
            "spec.settings.rateLimitBurst must be at least spec.settings.rateLimitRps"),
        invalid(
            "maxBodySize above the default body budget",
            "settings: {maxBodySize: 20971520}",
            "spec.settings",
            "spec.settings.maxBodySize must not exceed spec.settings.maxInflightBodyBytes"),
        invalid(
            "maxBodySize above maxInflightBodyBytes",
            "settings: {maxBodySize: 2097152, maxInflightBodyBytes: 1048576}",
            "spec.settings",
            "spec.settings.maxBodySize must not exceed spec.settings.maxInflightBodyBytes"),
        invalid(
            "maxConnectionsPerClient above 16384",
            "settings: {maxConnectionsPerClient: 16385}",
            "spec.settings.maxConnectionsPerClient",
            "less than or equal to 16384"),
        invalid(
            "maxInflightBodyBytesPerClient below maxBodySize",
            "settings: {maxInflightBodyBytesPerClient: 1000}",
            "spec.settings",
            "spec.settings.maxInflightBodyBytesPerClient must be 0 or between"),
        invalid(
            "maxInflightBodyBytesPerClient above the budget",
            "settings: {maxInflightBodyBytesPerClient: 16777217}",
            "spec.settings",
            "spec.settings.maxInflightBodyBytesPerClient must be 0 or between"),
        // memory the container needs: the JVM's floor and the body budget its heap must hold
        invalid(
            "memory limit under 128Mi",
            "resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 200m, memory: 96Mi}}",
            "spec",
            "spec.resources.limits.memory must be at least 128Mi"),
        invalid(
            "body budget the memory limit cannot hold",
            "settings: {maxInflightBodyBytes: 33554432}",
            "spec",
            "spec.resources.limits.memory must be at least 8 x spec.settings.maxInflightBodyBytes"),
        invalid(
            "64 MiB bodies in 256Mi",
            "settings: {maxBodySize: 67108864, maxInflightBodyBytes: 67108864}\n"
                + "resources: {limits: {cpu: '1', memory: 256Mi}}",
            "spec",
            "spec.resources.limits.memory must be at least 8 x spec.settings.maxInflightBodyBytes"));
  }

  static Arguments invalid(String rule, String spec, String field, String reason) {
    return Arguments.of(rule, spec, field, reason);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSpecs")
  void eachRuleRefusesTheEchoServiceItExistsFor(
      String rule, String spec, String field, String reason) {
    GenericKubernetesResource es = echoService(NS, "invalid", spec);
    assertThatThrownBy(() -> client.resource(es).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).as("HTTP status").isEqualTo(422);
              assertThat(e.getStatus().getDetails().getCauses())
                  .as("causes of %s", e.getMessage())
                  .anySatisfy(
                      cause -> {
                        assertThat(cause.getField()).isEqualTo(field);
                        assertThat(cause.getMessage()).contains(reason);
                      });
              // The message kubectl prints names the field too, and says what is expected in words.
              assertThat(e.getMessage())
                  .contains(field + ": ")
                  .contains(reason)
                  .doesNotContain("should match");
            });
  }

  @Test
  void theValidBoundariesOfTheSameRulesAreAccepted() {
    GenericKubernetesResource es =
        echoService(
            NS,
            "boundaries",
            """
        replicas: 0
        autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 3}
        resources: {requests: {cpu: '0.2', memory: 128Mi}, limits: {cpu: 200m, memory: 128Mi}}
        service: {type: NodePort, nodePort: 30000, port: 65535, externalTrafficPolicy: Local,
                  internalTrafficPolicy: Local}
        settings: {readTimeout: 1ms, writeTimeout: 24h, idleTimeout: 1m30s, shutdownDelay: '0', shutdownTimeout: 1440m,
                   rateLimitRps: 200, rateLimitBurst: 200,
                   trustedProxies: [10.0.0.0/8, 'fd00::/8', 0.0.0.0/0, 255.255.255.255/32, '::/128'],
                   maxInflightBodyBytes: 16777216,
                   maxInflightBodyBytesPerClient: 1048576, maxConnectionsPerClient: 16384}
        labels: {environment: test, example.com/owner: me}
        """);
    client.resource(es).create();
    assertThat(client.resource(es).get()).isNotNull();
    client.resource(es).delete();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{limits: {cpu: 2}}",
        "{limits: {memory: 256Mi}}",
        "{requests: {cpu: 50m}}",
        "{requests: {memory: 64Mi}, limits: {cpu: 1}}",
        "{requests: {cpu: '1.5', memory: 1Gi}, limits: {cpu: 2, memory: 1Gi}}",
        "{limits: {cpu: 500m, memory: 1Gi}}",
        "{limits: {memory: '1e9'}}",
      })
  void resourcesTakeAnySubsetAndIntegerQuantitiesAsAPodDoes(String resources) {
    GenericKubernetesResource es =
        echoService(
            NS,
            "resources-" + Integer.toHexString(resources.hashCode()),
            "resources: " + resources);
    client.resource(es).create();
    assertThat(client.resource(es).get()).isNotNull();
    client.resource(es).withTimeoutInMillis(30_000).delete();
  }

  @Test
  void largeBodiesAreAcceptedWithTheMemoryToHoldThem() {
    GenericKubernetesResource es =
        echoService(
            NS,
            "large-bodies",
            """
        resources: {requests: {cpu: 100m, memory: 512Mi}, limits: {cpu: '1', memory: 512Mi}}
        settings: {maxBodySize: 67108864, maxInflightBodyBytes: 67108864, maxInflightBodyBytesPerClient: 0}
        """);
    client.resource(es).create();
    assertThat(client.resource(es).get()).isNotNull();
    client.resource(es).delete();
  }

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(repoRoot().resolve("deploy").resolve("examples"))) {
      List<Path> yamls = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
      assertThat(yamls).as("deploy/examples/*.yaml").isNotEmpty();
      return yamls.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleIsCreated(Path example) throws IOException {
    List<HasMetadata> objects;
    try (InputStream in = Files.newInputStream(example)) {
      objects = client.load(in).items();
    }
    assertThat(objects).extracting(HasMetadata::getKind).contains("EchoService");
    for (HasMetadata object : objects) {
      // Namespaces first in file order; an example may share a namespace with another one.
      if ("Namespace".equals(object.getKind())) {
        client.resource(object).serverSideApply();
      } else {
        client.resource(object).create();
        assertThat(client.resource(object).get())
            .as("%s %s", object.getKind(), object.getMetadata().getName())
            .isNotNull();
      }
    }
  }

  /**
   * Defaults apply to absent fields of present objects (structural defaulting), and replicas at the
   * top.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theApiServerAppliesTheSchemaDefaults() {
    GenericKubernetesResource created =
        client
            .resource(
                echoService(
                    NS,
                    "defaults",
                    """
        service: {}
        settings: {}
        resources: {}
        autoscaling: {}
        networkPolicy: {}
        podDisruptionBudget: {}
        """))
            .create();
    Map<String, Object> spec = (Map<String, Object>) created.getAdditionalProperties().get("spec");
    assertThat(spec).containsEntry("replicas", 2).containsEntry("imagePullPolicy", "IfNotPresent");
    assertThat((Map<String, Object>) spec.get("service"))
        .containsEntry("type", "ClusterIP")
        .containsEntry("port", 80);
    assertThat((Map<String, Object>) spec.get("settings"))
        .containsEntry("logLevel", "info")
        .containsEntry("readTimeout", "5s")
        .containsEntry("writeTimeout", "10s")
        .containsEntry("idleTimeout", "60s")
        .containsEntry("rateLimitRps", 100)
        .containsEntry("rateLimitBurst", 200)
        .containsEntry("maxBodySize", 1048576)
        .containsEntry("maxJsonDepth", 64);
    // No schema defaults for resources: the operator fills them in as Kubernetes does for a
    // container.
    assertThat((Map<String, Object>) spec.get("resources")).isEqualTo(Map.of());
    assertThat((Map<String, Object>) spec.get("autoscaling"))
        .containsEntry("enabled", false)
        .containsEntry("minReplicas", 2)
        .containsEntry("maxReplicas", 10)
        .containsEntry("targetCPUUtilizationPercentage", 70)
        .doesNotContainKey("targetMemoryUtilizationPercentage");
    assertThat((Map<String, Object>) spec.get("networkPolicy")).containsEntry("enabled", true);
    assertThat((Map<String, Object>) spec.get("podDisruptionBudget"))
        .containsEntry("enabled", true);
  }
}
