package dev.echoplatform.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.echoplatform.operator.EchoOperator;
import dev.echoplatform.operator.OperatorConfig;
import dev.echoplatform.operator.api.v1alpha1.Condition;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.resources.DesiredConfigMap;
import dev.echoplatform.operator.resources.DesiredDeployment;
import dev.echoplatform.operator.resources.DesiredNetworkPolicy;
import dev.echoplatform.operator.resources.DesiredPodDisruptionBudget;
import dev.echoplatform.operator.resources.DesiredService;
import dev.echoplatform.operator.resources.EchoServiceModel;
import dev.echoplatform.operator.resources.Fixtures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator running in-process against fabric8's mock API server in CRUD mode.
 *
 * <p>The mock server does not implement server-side apply (a PATCH with {@code
 * application/apply-patch+yaml} is answered 415, and it keeps no managedFields), so here the
 * operator runs with its update-based mode ({@link OperatorConfig#withServerSideApply}).
 * Server-side apply is exercised against a real API server in the control-plane tests.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorMockServerIT {

  static final String IMAGE = Fixtures.DEFAULT_IMAGE;
  static final AtomicInteger NAMESPACES = new AtomicInteger();

  // One mock API server and one operator for the class; each test works in its own namespace.
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Operator operator;
  static final ReconcileCounter reconciles = new ReconcileCounter();
  static final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  String NS;

  /** Counts finished reconciles per EchoService (namespace/name). */
  static final class ReconcileCounter implements Metrics {
    final Map<String, AtomicInteger> finished = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void reconciliationExecutionFinished(
        HasMetadata resource, Map<String, Object> metadata) {
      finished
          .computeIfAbsent(
              resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName(),
              k -> new AtomicInteger())
          .incrementAndGet();
    }

    int of(String ns, String name) {
      AtomicInteger n = finished.get(ns + "/" + name);
      return n == null ? 0 : n.get();
    }
  }

  @BeforeEach
  void namespace() {
    NS = "test-" + NAMESPACES.incrementAndGet();
  }

  @BeforeAll
  static void start() throws Exception {
    try (InputStream in =
        Files.newInputStream(Path.of("..", "crds", "echoservices.echo.platform.dev-v1.yml"))) {
      client
          .resource(
              client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
          .create();
    }
    OperatorConfig config =
        new OperatorConfig(Set.of(), IMAGE, false, "lease", Optional.empty(), 4, 0, "info", true)
            .withServerSideApply(false);
    // A short resync interval: idle reconciles happen during the test and must not write.
    operator =
        EchoOperator.create(
            client,
            config,
            reconciles,
            registry,
            c ->
                c.withReconciliationMaxInterval(Duration.ofMillis(400))
                    .withRetry(
                        new GenericRetry()
                            .setInitialInterval(100)
                            .setMaxInterval(500)
                            .withoutMaxAttempts()));
    operator.start();
  }

  @AfterAll
  static void stop() {
    operator.stop();
  }

  EchoService create(String name, String spec) {
    return client.resource(Fixtures.echoService(NS, name, spec)).create();
  }

  /**
   * Edits the spec as a user would: read, modify, write; re-read when the operator got in between.
   */
  void editSpec(String name, String spec) {
    await()
        .atMost(Duration.ofSeconds(5))
        .ignoreExceptionsMatching(
            e -> e instanceof KubernetesClientException k && k.getCode() == 409)
        .until(
            () -> {
              client
                  .resources(EchoService.class)
                  .inNamespace(NS)
                  .withName(name)
                  .edit(
                      e -> {
                        e.setSpec(Fixtures.echoService(NS, name, spec).getSpec());
                        return e;
                      });
              return true;
            });
  }

  EchoService get(String name) {
    return client.resources(EchoService.class).inNamespace(NS).withName(name).get();
  }

  <T extends HasMetadata> T child(Class<T> type, String name) {
    return client.resources(type).inNamespace(NS).withName(name).get();
  }

  <T extends HasMetadata> T awaitChild(Class<T> type, String name) {
    await().atMost(Duration.ofSeconds(10)).until(() -> child(type, name) != null);
    return child(type, name);
  }

  Optional<Condition> condition(String name, String type) {
    EchoService es = get(name);
    return es.getStatus() == null ? Optional.empty() : es.getStatus().condition(type);
  }

  void markRolledOut(String name, int replicas) {
    Deployment d = child(Deployment.class, name);
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(replicas)
            .withReadyReplicas(replicas)
            .withUpdatedReplicas(replicas)
            .withAvailableReplicas(replicas)
            .build());
    client.resource(d).updateStatus();
  }

  @Test
  void createsChildrenMatchingTheBuildersWithOwnerReferences() {
    EchoService es = create("echo", "replicas: 3\nlabels: {team: payments}");
    EchoServiceModel model = EchoServiceModel.of(es, IMAGE);

    assertThat(awaitChild(ConfigMap.class, "echo").getData())
        .isEqualTo(DesiredConfigMap.build(model).getData());
    assertThat(awaitChild(Deployment.class, "echo").getSpec())
        .isEqualTo(DesiredDeployment.build(model).getSpec());
    assertThat(awaitChild(Service.class, "echo").getSpec())
        .isEqualTo(DesiredService.build(model).getSpec());
    assertThat(awaitChild(NetworkPolicy.class, "echo").getSpec())
        .isEqualTo(DesiredNetworkPolicy.build(model).getSpec());
    assertThat(awaitChild(PodDisruptionBudget.class, "echo").getSpec())
        .isEqualTo(DesiredPodDisruptionBudget.build(model).getSpec());
    assertThat(child(HorizontalPodAutoscaler.class, "echo")).isNull();

    for (Class<? extends HasMetadata> type :
        List.of(
            ConfigMap.class,
            Deployment.class,
            Service.class,
            NetworkPolicy.class,
            PodDisruptionBudget.class)) {
      HasMetadata c = child(type, "echo");
      assertThat(c.getMetadata().getLabels())
          .as(type.getSimpleName())
          .containsAllEntriesOf(model.labels())
          .containsEntry("team", "payments");
      assertThat(c.getMetadata().getOwnerReferences())
          .as(type.getSimpleName())
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.getKind()).isEqualTo("EchoService");
                assertThat(o.getUid()).isEqualTo(es.getMetadata().getUid());
                assertThat(o.getController()).isTrue();
              });
    }
  }

  @Test
  void statusFollowsTheDeployment() {
    create("echo", "");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                condition("echo", Condition.READY)
                    .map(c -> c.status().equals("False"))
                    .orElse(false));
    EchoService es = get("echo");
    assertThat(es.getStatus().condition(Condition.PROGRESSING).orElseThrow().status())
        .isEqualTo("True");
    assertThat(es.getStatus().url()).isEqualTo("http://echo." + NS + ".svc.cluster.local:80");
    assertThat(es.getStatus().selector())
        .isEqualTo("app.kubernetes.io/instance=echo,app.kubernetes.io/name=echo-server");
    assertThat(es.getStatus().version()).isEqualTo("0.1.0");
    assertThat(es.getStatus().conditions())
        .allSatisfy(
            c -> {
              assertThat(c.observedGeneration()).isEqualTo(es.getMetadata().getGeneration());
              assertThat(c.lastTransitionTime()).isNotBlank();
            });
    String degradedSince =
        es.getStatus().condition(Condition.DEGRADED).orElseThrow().lastTransitionTime();

    markRolledOut("echo", 2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                condition("echo", Condition.READY)
                    .map(c -> c.status().equals("True"))
                    .orElse(false));
    EchoService ready = get("echo");
    assertThat(ready.getStatus().readyReplicas()).isEqualTo(2);
    assertThat(ready.getStatus().replicaSummary()).isEqualTo("2/2");
    assertThat(ready.getStatus().observedGeneration())
        .isEqualTo(ready.getMetadata().getGeneration());
    assertThat(ready.getStatus().condition(Condition.PROGRESSING).orElseThrow().status())
        .isEqualTo("False");
    // Degraded stayed False: its transition time is kept.
    assertThat(ready.getStatus().condition(Condition.DEGRADED).orElseThrow().lastTransitionTime())
        .isEqualTo(degradedSince);
  }

  /** The value scraped for this test's EchoService {@code name}, empty when there is no series. */
  OptionalDouble readyMetric(String name) {
    Matcher m =
        Pattern.compile(
                "(?m)^echo_operator_echoservice_ready\\{name=\""
                    + Pattern.quote(name)
                    + "\",namespace=\""
                    + Pattern.quote(NS)
                    + "\"} (\\S+)$")
            .matcher(registry.scrape());
    return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
  }

  @Test
  void readyMetricFollowsTheReadyConditionAndGoesAwayWithTheEchoService() {
    create("echo", "");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                condition("echo", Condition.READY)
                    .map(c -> c.status().equals("False"))
                    .orElse(false));
    assertThat(readyMetric("echo")).hasValue(0.0);

    awaitChild(Deployment.class, "echo");
    markRolledOut("echo", 2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> readyMetric("echo").equals(OptionalDouble.of(1.0)));
    assertThat(condition("echo", Condition.READY).orElseThrow().status()).isEqualTo("True");

    client.resources(EchoService.class).inNamespace(NS).withName("echo").delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> readyMetric("echo").isEmpty());
    // Resyncs of the remaining EchoServices do not bring it back.
    await()
        .pollDelay(Duration.ofMillis(1000))
        .atMost(Duration.ofSeconds(3))
        .until(() -> readyMetric("echo").isEmpty());
  }

  @Test
  void specUpdateRollsThePods() {
    create("echo", "");
    Deployment before = awaitChild(Deployment.class, "echo");
    String hash =
        before
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get(EchoServiceModel.CONFIG_HASH_ANNOTATION);

    editSpec("echo", "settings: {logLevel: debug}");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "debug".equals(child(ConfigMap.class, "echo").getData().get("LOG_LEVEL")));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                !hash.equals(
                    child(Deployment.class, "echo")
                        .getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getAnnotations()
                        .get(EchoServiceModel.CONFIG_HASH_ANNOTATION)));
  }

  @Test
  void editedChildIsRevertedAndDeletedChildRecreated() {
    create("echo", "");
    awaitChild(Service.class, "echo");
    Service s = child(Service.class, "echo");
    s.getSpec().getPorts().get(0).setPort(1234);
    client.resource(s).update();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> child(Service.class, "echo").getSpec().getPorts().get(0).getPort() == 80);

    awaitChild(NetworkPolicy.class, "echo");
    client.resource(child(NetworkPolicy.class, "echo")).delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              NetworkPolicy np = child(NetworkPolicy.class, "echo");
              return np != null && np.getMetadata().getDeletionTimestamp() == null;
            });
  }

  @Test
  void disablingOptionalChildrenDeletesThem() {
    create("echo", "");
    awaitChild(NetworkPolicy.class, "echo");
    awaitChild(PodDisruptionBudget.class, "echo");
    editSpec("echo", "networkPolicy: {enabled: false}\npodDisruptionBudget: {enabled: false}");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                child(NetworkPolicy.class, "echo") == null
                    && child(PodDisruptionBudget.class, "echo") == null);
    assertThat(child(Deployment.class, "echo")).isNotNull();
  }

  @Test
  void withAutoscalingTheReplicaCountIsLeftToTheHpa() {
    create("echo", "replicas: 3\nautoscaling: {enabled: true, minReplicas: 2, maxReplicas: 8}");
    HorizontalPodAutoscaler hpa = awaitChild(HorizontalPodAutoscaler.class, "echo");
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(8);
    // A new autoscaled Deployment starts at spec.replicas within [minReplicas, maxReplicas], not at
    // 1.
    assertThat(awaitChild(Deployment.class, "echo").getSpec().getReplicas()).isEqualTo(3);

    // The HPA scales the Deployment; a later spec change must not touch that count.
    Deployment d = child(Deployment.class, "echo");
    d.getSpec().setReplicas(6);
    client.resource(d).update();
    editSpec(
        "echo",
        "replicas: 3\nautoscaling: {enabled: true, minReplicas: 2, maxReplicas: 8}\n"
            + "settings: {logLevel: warn}");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "warn".equals(child(ConfigMap.class, "echo").getData().get("LOG_LEVEL")));
    await()
        .pollDelay(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                !child(Deployment.class, "echo")
                    .getSpec()
                    .getTemplate()
                    .getMetadata()
                    .getAnnotations()
                    .get(EchoServiceModel.CONFIG_HASH_ANNOTATION)
                    .equals(
                        d.getSpec()
                            .getTemplate()
                            .getMetadata()
                            .getAnnotations()
                            .get(EchoServiceModel.CONFIG_HASH_ANNOTATION)));
    assertThat(child(Deployment.class, "echo").getSpec().getReplicas()).isEqualTo(6);

    // Autoscaling off: the operator takes replicas back and removes the HPA.
    editSpec("echo", "replicas: 3");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Integer.valueOf(3).equals(child(Deployment.class, "echo").getSpec().getReplicas())
                    && child(HorizontalPodAutoscaler.class, "echo") == null);
  }

  @Test
  void aChildTheApiServerRejectsDegradesOnlyItsEchoService() {
    String message =
        "NetworkPolicy.networking.k8s.io \"echo\" is invalid: spec.ingress[0].from[0]"
            + ".ipBlock.cidr: Invalid value: \"10.0.0.0/99\": must be a valid CIDR";
    server
        .expect()
        .post()
        .withPath("/apis/networking.k8s.io/v1/namespaces/team-bad/networkpolicies")
        .andReturn(
            422,
            new StatusBuilder()
                .withStatus("Failure")
                .withCode(422)
                .withReason("Invalid")
                .withMessage(message)
                .build())
        .always();
    client.resource(Fixtures.echoService("team-bad", "echo", "")).create();
    create("good", "");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              EchoService bad =
                  client
                      .resources(EchoService.class)
                      .inNamespace("team-bad")
                      .withName("echo")
                      .get();
              return bad.getStatus() != null
                  && bad.getStatus()
                      .condition(Condition.DEGRADED)
                      .map(c -> c.status().equals("True"))
                      .orElse(false);
            });
    EchoService bad =
        client.resources(EchoService.class).inNamespace("team-bad").withName("echo").get();
    Condition degraded = bad.getStatus().condition(Condition.DEGRADED).orElseThrow();
    assertThat(degraded.reason()).isEqualTo("ApplyFailed");
    assertThat(degraded.message()).isEqualTo("NetworkPolicy: " + message);
    assertThat(bad.getStatus().condition(Condition.READY).orElseThrow().status())
        .isEqualTo("False");
    // The rest of its children were still applied.
    assertThat(client.resources(Deployment.class).inNamespace("team-bad").withName("echo").get())
        .isNotNull();
    // A Warning event names the failure.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                client.v1().events().inNamespace("team-bad").list().getItems().stream()
                    .anyMatch(
                        e ->
                            "ApplyFailed".equals(e.getReason())
                                && "Warning".equals(e.getType())
                                && e.getMessage().contains("must be a valid CIDR")));

    // Meanwhile the other EchoService reconciles normally.
    awaitChild(NetworkPolicy.class, "good");
    markRolledOut("good", 2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                condition("good", Condition.READY)
                    .map(c -> c.status().equals("True"))
                    .orElse(false));
  }

  @Test
  void idleMeansNoWrites() throws Exception {
    create("echo", "");
    awaitChild(PodDisruptionBudget.class, "echo");
    awaitChild(Deployment.class, "echo");
    markRolledOut("echo", 2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                condition("echo", Condition.READY)
                    .map(c -> c.status().equals("True"))
                    .orElse(false));
    Thread.sleep(500);
    drainRequests();
    int before = reconciles.of(NS, "echo");

    // Resyncs (every 400 ms) and a child event (an annotation the operator does not manage)
    // reconcile an unchanged EchoService: nothing may be written, the status included.
    client
        .resources(Deployment.class)
        .inNamespace(NS)
        .withName("echo")
        .edit(
            d -> {
              d.getMetadata().getAnnotations().put("example.com/touched", "yes");
              return d;
            });
    List<String> testWrite = writesIn(NS, drainRequests());
    assertThat(testWrite).hasSize(1);
    Thread.sleep(2500);
    assertThat(reconciles.of(NS, "echo") - before)
        .as("reconciles while idle")
        .isGreaterThanOrEqualTo(3);
    // (Other tests' EchoServices share the server; this one's namespace must see no writes.)
    assertThat(writesIn(NS, drainRequests())).as("writes while idle").isEmpty();
  }

  List<RecordedRequest> drainRequests() throws InterruptedException {
    List<RecordedRequest> all = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      all.add(r);
    }
    return all;
  }

  static List<String> writesIn(String ns, List<RecordedRequest> requests) {
    return requests.stream()
        .filter(r -> !r.getMethod().equals("GET"))
        .filter(r -> r.getPath().contains("/namespaces/" + ns + "/"))
        .map(r -> r.getMethod() + " " + r.getPath())
        .toList();
  }
}
