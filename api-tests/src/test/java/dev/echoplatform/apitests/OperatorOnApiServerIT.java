package dev.echoplatform.apitests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.echoplatform.operator.EchoOperator;
import dev.echoplatform.operator.OperatorConfig;
import dev.echoplatform.operator.api.monitoring.PodMonitor;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.reconciler.DeploymentDependentResource;
import dev.echoplatform.operator.reconciler.EchoServiceReconciler;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The operator, running in-process (leader election off), against a real API server: server-side
 * apply of the six children under its field manager, a human edit of an owned field reverted, the
 * status and scale subresources, and no write at all while idle. kube-api-test runs no
 * controller-manager, so Deployments get no pods here (deploy/local/e2e.sh covers that).
 */
class OperatorOnApiServerIT extends RealApiServer {

  static final String NS = "team-a";
  static final String IMAGE = "ghcr.io/echo-platform/echo-server:0.1.0";
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Resync interval of the operator here: idle reconciles happen every second. */
  static final Duration RESYNC = Duration.ofSeconds(1);

  static Operator operator;
  static KubernetesClient operatorClient;

  /**
   * Every write request (method other than GET) the operator's client sends: "METHOD path", in
   * order.
   */
  static final List<String> operatorWrites = new CopyOnWriteArrayList<>();

  /** Finished reconciles per EchoService ("namespace/name"). */
  static final Map<String, AtomicInteger> reconciles = new ConcurrentHashMap<>();

  @BeforeAll
  static void startOperator() {
    installCrd();
    createNamespace(NS);
    OperatorConfig config =
        new OperatorConfig(
            Set.of(), IMAGE, false, "echo-operator-leader", Optional.empty(), 4, 0, "info", true);
    // The operator gets its own client, which records each request it writes with.
    operatorClient =
        clientBuilder()
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        "record-writes",
                        new Interceptor() {
                          @Override
                          public void before(
                              BasicBuilder builder, HttpRequest request, RequestTags tags) {
                            if (!"GET".equals(request.method())) {
                              operatorWrites.add(request.method() + " " + request.uri().getPath());
                            }
                          }
                        }))
            .build();
    Metrics counting =
        new Metrics() {
          @Override
          public void reconciliationExecutionFinished(
              HasMetadata resource, Map<String, Object> metadata) {
            reconciles
                .computeIfAbsent(
                    resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName(),
                    k -> new AtomicInteger())
                .incrementAndGet();
          }
        };
    operator =
        EchoOperator.create(
            operatorClient,
            config,
            counting,
            new SimpleMeterRegistry(),
            c -> c.withReconciliationMaxInterval(RESYNC));
    operator.start();
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.stop();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
  }

  static List<String> operatorWritesIn(String namespace) {
    return operatorWrites.stream()
        .filter(w -> w.contains("/namespaces/" + namespace + "/"))
        .toList();
  }

  static GenericKubernetesResource create(String name, String spec) {
    return client.resource(echoService(NS, name, spec)).create();
  }

  static <T extends HasMetadata> T awaitChild(Class<T> type, String name) {
    await()
        .atMost(TIMEOUT)
        .until(() -> client.resources(type).inNamespace(NS).withName(name).get() != null);
    return client.resources(type).inNamespace(NS).withName(name).get();
  }

  static Optional<ManagedFieldsEntry> applyEntry(HasMetadata object) {
    return object.getMetadata().getManagedFields().stream()
        .filter(e -> EchoServiceReconciler.FIELD_MANAGER.equals(e.getManager()))
        .filter(e -> "Apply".equals(e.getOperation()))
        .findFirst();
  }

  static List<String> managers(HasMetadata object) {
    return object.getMetadata().getManagedFields().stream()
        .map(e -> e.getManager() + "/" + e.getOperation())
        .toList();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  static Map<String, Object> status(String name) {
    GenericKubernetesResource es = client.resource(echoService(NS, name, "{}")).get();
    return es == null ? null : map(es.getAdditionalProperties().get("status"));
  }

  @Test
  void allSixChildrenAreServerSideAppliedByTheOperatorAndOwnedByTheEchoService() {
    GenericKubernetesResource es =
        create(
            "full",
            """
        replicas: 3
        autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 5}
        """);
    List<Class<? extends HasMetadata>> kinds =
        List.of(
            ConfigMap.class,
            Deployment.class,
            Service.class,
            NetworkPolicy.class,
            PodDisruptionBudget.class,
            HorizontalPodAutoscaler.class);
    for (Class<? extends HasMetadata> kind : kinds) {
      HasMetadata child = awaitChild(kind, "full");
      assertThat(child.getMetadata().getOwnerReferences())
          .as(kind.getSimpleName())
          .singleElement()
          .satisfies(
              (OwnerReference owner) -> {
                assertThat(owner.getKind()).isEqualTo("EchoService");
                assertThat(owner.getName()).isEqualTo("full");
                assertThat(owner.getUid()).isEqualTo(es.getMetadata().getUid());
                assertThat(owner.getController()).isTrue();
              });
      assertThat(applyEntry(child))
          .as(
              "%s managedFields %s: manager %s with operation Apply",
              kind.getSimpleName(), managers(child), EchoServiceReconciler.FIELD_MANAGER)
          .isPresent();
      assertThat(child.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/managed-by", "echo-operator")
          .containsEntry("app.kubernetes.io/instance", "full");
    }
    // Autoscaling on: the HPA owns the replica count, the operator's apply does not set
    // spec.replicas.
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Deployment deployment =
                  client.apps().deployments().inNamespace(NS).withName("full").get();
              Map<String, Object> applied =
                  applyEntry(deployment).orElseThrow().getFieldsV1().getAdditionalProperties();
              assertThat(map(applied.get("f:spec")))
                  .doesNotContainKey("f:replicas")
                  .containsKey("f:template");
              // It started at spec.replicas (3, within 2-5), not the API server's default of 1, and
              // that count now
              // belongs to the hand-over manager until the HPA scales.
              assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
              assertThat(deployment.getMetadata().getManagedFields())
                  .anySatisfy(
                      entry -> {
                        assertThat(entry.getManager())
                            .isEqualTo(DeploymentDependentResource.REPLICAS_HANDOFF_MANAGER);
                        assertThat(map(entry.getFieldsV1().getAdditionalProperties().get("f:spec")))
                            .containsKey("f:replicas");
                      });
            });
    HorizontalPodAutoscaler hpa =
        client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).withName("full").get();
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(5);
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("full");
  }

  @Test
  void aHumanEditOfAnOwnedFieldIsReverted() {
    create("edited", "settings: {logLevel: warn}");
    ConfigMap cm = awaitChild(ConfigMap.class, "edited");
    assertThat(cm.getData()).containsEntry("LOG_LEVEL", "warn");
    Deployment deployment = awaitChild(Deployment.class, "edited");
    String image = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    assertThat(image).isEqualTo(IMAGE);

    // As kubectl edit does: a read-modify-write (operation Update) under another field manager.
    // The API server's answer to the edit shows it took effect as an Update (the operator may
    // revert it
    // before a later read).
    ConfigMap edited =
        client
            .configMaps()
            .inNamespace(NS)
            .withName("edited")
            .edit(
                c -> {
                  c.getData().put("LOG_LEVEL", "debug");
                  return c;
                });
    assertThat(edited.getData()).containsEntry("LOG_LEVEL", "debug");
    assertThat(edited.getMetadata().getManagedFields())
        .extracting(ManagedFieldsEntry::getOperation)
        .contains("Update");
    client
        .apps()
        .deployments()
        .inNamespace(NS)
        .withName("edited")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"echo-server\",\"image\":\"evil:latest\"}]}}}}");

    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(client.configMaps().inNamespace(NS).withName("edited").get().getData())
                  .containsEntry("LOG_LEVEL", "warn");
              assertThat(
                      client
                          .apps()
                          .deployments()
                          .inNamespace(NS)
                          .withName("edited")
                          .get()
                          .getSpec()
                          .getTemplate()
                          .getSpec()
                          .getContainers())
                  .singleElement()
                  .satisfies(c -> assertThat(c.getImage()).isEqualTo(IMAGE));
            });
    // Each revert is told on the EchoService: the child, the field and the manager that set it.
    String editor =
        edited.getMetadata().getManagedFields().stream()
            .filter(e -> "Update".equals(e.getOperation()))
            .map(ManagedFieldsEntry::getManager)
            .findFirst()
            .orElseThrow();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(driftEvents("edited"))
                    .contains("ConfigMap edited: reverted data.LOG_LEVEL (set by " + editor + ")")
                    .anySatisfy(
                        m ->
                            assertThat(m)
                                .startsWith(
                                    "Deployment edited: reverted spec.template.spec.containers[name=echo-server].image (set by ")));
  }

  /** The messages of the Warning Events DriftReverted on EchoService {@code name}. */
  private List<String> driftEvents(String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(
            e ->
                name.equals(e.getInvolvedObject().getName())
                    && "DriftReverted".equals(e.getReason()))
        .peek(e -> assertThat(e.getType()).isEqualTo("Warning"))
        .map(io.fabric8.kubernetes.api.model.Event::getMessage)
        .toList();
  }

  /**
   * A changed Service port is a second entry for server-side apply (ports merge by port and
   * protocol), with the operator's port under the same name: without repair every apply is refused
   * ("Duplicate value") and the EchoService stays not Ready until a person undoes the edit.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aHumanEditOfTheServicePortIsReverted() {
    create("port-edit", "service: {type: NodePort}");
    Service service = awaitChild(Service.class, "port-edit");
    Integer nodePort = service.getSpec().getPorts().get(0).getNodePort();
    assertThat(nodePort).isNotNull();
    // kubectl -n ... patch svc port-edit --type merge -p
    // '{"spec":{"ports":[{"name":"http","port":81,"targetPort":8080}]}}'
    client
        .services()
        .inNamespace(NS)
        .withName("port-edit")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"ports\":[{\"name\":\"http\",\"port\":81,\"targetPort\":8080}]}}");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<ServicePort> ports =
                  client
                      .services()
                      .inNamespace(NS)
                      .withName("port-edit")
                      .get()
                      .getSpec()
                      .getPorts();
              assertThat(ports)
                  .singleElement()
                  .satisfies(
                      p -> {
                        assertThat(p.getPort()).isEqualTo(80);
                        assertThat(p.getName()).isEqualTo("http");
                        assertThat(p.getTargetPort()).isEqualTo(new IntOrString("http"));
                      });
            });
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<Map<String, Object>> conditions =
                  (List<Map<String, Object>>) status("port-edit").get("conditions");
              assertThat(conditions)
                  .noneSatisfy(c -> assertThat(c.get("reason")).isEqualTo("ApplyFailed"));
            });
  }

  /**
   * Edits of the pod template's lists that server-side apply alone would keep beside the operator's
   * entries (they merge by key): each is removed, and the EchoService does not stay failed.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // kubectl -n ... patch deploy ... --type json -p '...'
        "container port changed | [{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/ports/0/containerPort\",\"value\":9090}]",
        // kubectl -n ... set env deploy/... PORT=9090
        "env variable added     | [{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/env\",\"value\":[{\"name\":\"PORT\",\"value\":\"9090\"}]}]",
        "container added        | [{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/-\",\"value\":{\"name\":\"sidecar\",\"image\":\"busybox\"}}]",
        "container renamed      | [{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/name\",\"value\":\"renamed\"}]",
      })
  @SuppressWarnings("unchecked")
  void aHumanEditOfThePodTemplatesListsIsReverted(String edit, String jsonPatch) {
    String name = "list-" + edit.replace(' ', '-');
    create(name, "{}");
    Deployment original = awaitChild(Deployment.class, name);
    Container wanted = original.getSpec().getTemplate().getSpec().getContainers().get(0);
    client
        .apps()
        .deployments()
        .inNamespace(NS)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON), jsonPatch);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Container c =
                  client
                      .apps()
                      .deployments()
                      .inNamespace(NS)
                      .withName(name)
                      .get()
                      .getSpec()
                      .getTemplate()
                      .getSpec()
                      .getContainers()
                      .stream()
                      .reduce(
                          (a, b) -> {
                            throw new AssertionError("more than one container");
                          })
                      .orElseThrow();
              assertThat(c.getName()).isEqualTo(wanted.getName());
              assertThat(c.getPorts()).isEqualTo(wanted.getPorts());
              assertThat(c.getEnv()).isNullOrEmpty();
            });
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(driftEvents(name))
                    .anySatisfy(
                        m ->
                            assertThat(m)
                                .startsWith("Deployment " + name + ": ")
                                .contains(
                                    "removed list entries the EchoService does not declare: ")));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<Map<String, Object>> conditions =
                  (List<Map<String, Object>>) status(name).get("conditions");
              assertThat(conditions)
                  .noneSatisfy(c -> assertThat(c.get("reason")).isEqualTo("ApplyFailed"));
            });
  }

  @Test
  void theOperatorWritesStatusAndASpecWriteDoesNotClobberIt() {
    create("status", "replicas: 2");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Map<String, Object> status = status("status");
              assertThat(status)
                  .isNotNull()
                  .containsKey("conditions")
                  .containsEntry("observedGeneration", 1);
              assertThat((String) status.get("selector"))
                  .contains("app.kubernetes.io/instance=status");
            });
    GenericKubernetesResource current = client.resource(echoService(NS, "status", "{}")).get();
    Map<String, Object> statusBefore = map(current.getAdditionalProperties().get("status"));

    // A write of the main resource (spec) carrying a bogus status: the API server ignores the
    // status part.
    map(current.getAdditionalProperties().get("spec")).put("replicas", 4);
    current.getAdditionalProperties().put("status", Map.of("url", "http://bogus"));
    GenericKubernetesResource updated = client.resource(current).update();
    assertThat(map(updated.getAdditionalProperties().get("spec"))).containsEntry("replicas", 4);
    assertThat(map(updated.getAdditionalProperties().get("status"))).isEqualTo(statusBefore);
    assertThat(updated.getMetadata().getGeneration()).isEqualTo(2L);

    // A write of /status carrying a changed spec: the API server ignores the spec part.
    GenericKubernetesResource forStatus = client.resource(echoService(NS, "status", "{}")).get();
    map(forStatus.getAdditionalProperties().get("spec")).put("replicas", 9);
    GenericKubernetesResource afterStatusWrite = client.resource(forStatus).updateStatus();
    assertThat(map(afterStatusWrite.getAdditionalProperties().get("spec")))
        .containsEntry("replicas", 4);

    // The operator catches up with generation 2.
    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(status("status")).containsEntry("observedGeneration", 2));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                        .apps()
                        .deployments()
                        .inNamespace(NS)
                        .withName("status")
                        .get()
                        .getSpec()
                        .getReplicas()
                    == 4);
  }

  /**
   * A {@code kubectl wait --for=condition=Ready} started right after {@code kubectl apply} waits:
   * kubectl keeps waiting while {@code .status} or {@code .status.conditions} is missing but fails
   * at once when either is present and not an object or a list (".status.conditions accessor error:
   * <nil> is of the type <nil>"). Every version of a new EchoService, from its creation through a
   * spec change, has either no status or one with a non-empty conditions list, each condition
   * computed for a generation.
   */
  @Test
  void everyVersionOfANewEchoServiceIsOneKubectlWaitCanRead() {
    List<GenericKubernetesResource> versions = new CopyOnWriteArrayList<>();
    // Untyped, so that a status present but null would show as a "status" key.
    var waitable =
        client
            .genericKubernetesResources("echo.platform.dev/v1alpha1", "EchoService")
            .inNamespace(NS)
            .withName("waitable");
    try (Watch watch =
        waitable.watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, GenericKubernetesResource resource) {
                versions.add(resource);
              }

              @Override
              public void onClose(WatcherException cause) {}
            })) {
      create("waitable", "replicas: 1");
      // The operator's first statuses: Ready computed for generation 1 (False here, as no
      // controller-manager runs the Deployment), then a spec change and the status for it.
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () -> assertThat(status("waitable")).containsEntry("observedGeneration", 1));
      waitable.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":2}}");
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () -> assertThat(status("waitable")).containsEntry("observedGeneration", 2));
      await().atMost(TIMEOUT).until(() -> versions.size() >= 3);
    }
    assertThat(versions)
        .allSatisfy(
            version -> {
              Map<String, Object> props = version.getAdditionalProperties();
              if (props.containsKey("status")) {
                assertThat(props.get("status")).as("status of a version").isInstanceOf(Map.class);
                Object conditions = map(props.get("status")).get("conditions");
                assertThat(conditions)
                    .as("status.conditions of a version")
                    .isInstanceOf(List.class);
                assertThat((List<?>) conditions)
                    .isNotEmpty()
                    .allSatisfy(
                        c ->
                            assertThat(map(c))
                                .containsKeys("type", "status", "observedGeneration"));
              }
            });
    assertThat(versions.get(0).getAdditionalProperties()).doesNotContainKey("status");
  }

  /**
   * Idle means silent: once an EchoService has converged, the reconciles of its resyncs (every
   * second here) find the children matching (server-side-apply matcher on the operator's trimmed
   * caches) and the status unchanged, and send no request that writes: no apply of a child, no
   * status patch, no Event.
   */
  @Test
  void idleReconcilesWriteNothingNeitherChildrenNorStatus() throws InterruptedException {
    String ns = "idle";
    createNamespace(ns);
    // The defaults (five children), and every option on (the HPA too, with the replicas handed over
    // to it).
    Map<String, String> specs =
        Map.of(
            "quiet",
            "replicas: 2",
            "full",
            """
        replicas: 3
        autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 5}
        settings: {logLevel: warn, rateLimitRps: 50, rateLimitBurst: 100}
        """);
    specs.forEach((name, spec) -> client.resource(echoService(ns, name, spec)).create());
    Map<String, List<Class<? extends HasMetadata>>> kinds =
        Map.of(
            "quiet",
                List.of(
                    ConfigMap.class,
                    Deployment.class,
                    Service.class,
                    NetworkPolicy.class,
                    PodDisruptionBudget.class),
            "full",
                List.of(
                    ConfigMap.class,
                    Deployment.class,
                    Service.class,
                    NetworkPolicy.class,
                    PodDisruptionBudget.class,
                    HorizontalPodAutoscaler.class));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                kinds.forEach(
                    (name, types) -> {
                      for (Class<? extends HasMetadata> kind : types) {
                        assertThat(client.resources(kind).inNamespace(ns).withName(name).get())
                            .as(name + " " + kind.getSimpleName())
                            .isNotNull();
                      }
                      GenericKubernetesResource es =
                          client.resource(echoService(ns, name, "{}")).get();
                      assertThat(map(es.getAdditionalProperties().get("status")))
                          .containsKey("conditions")
                          .containsEntry("observedGeneration", 1);
                    }));
    // Converged: three resyncs in a row without a write.
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              int writes = operatorWritesIn(ns).size();
              Thread.sleep(3 * RESYNC.toMillis());
              List<String> all = operatorWritesIn(ns);
              assertThat(all.subList(writes, all.size()))
                  .as("operator writes within 3 s (all so far: %s)", all)
                  .isEmpty();
            });
    assertThat(operatorWritesIn(ns))
        .as("the operator wrote while converging")
        .anyMatch(w -> w.startsWith("PATCH") && w.endsWith("/echoservices/quiet/status"))
        .anyMatch(w -> w.startsWith("PATCH") && w.endsWith("/deployments/full"));
    Map<String, String> versions = new java.util.TreeMap<>();
    kinds.forEach(
        (name, types) -> {
          for (Class<? extends HasMetadata> kind : types) {
            versions.put(
                name + " " + kind.getSimpleName(),
                client
                    .resources(kind)
                    .inNamespace(ns)
                    .withName(name)
                    .get()
                    .getMetadata()
                    .getResourceVersion());
          }
          versions.put(
              name + " EchoService",
              client
                  .resource(echoService(ns, name, "{}"))
                  .get()
                  .getMetadata()
                  .getResourceVersion());
        });
    int writesBefore = operatorWritesIn(ns).size();
    Map<String, Integer> reconcilesBefore = new java.util.HashMap<>();
    specs
        .keySet()
        .forEach(name -> reconcilesBefore.put(name, reconciles.get(ns + "/" + name).get()));

    Thread.sleep(5 * RESYNC.toMillis());

    specs
        .keySet()
        .forEach(
            name ->
                assertThat(reconciles.get(ns + "/" + name).get() - reconcilesBefore.get(name))
                    .as("idle reconciles (resyncs) of %s", name)
                    .isGreaterThanOrEqualTo(3));
    assertThat(operatorWritesIn(ns).subList(writesBefore, operatorWritesIn(ns).size()))
        .as("requests the operator wrote while idle")
        .isEmpty();
    kinds.forEach(
        (name, types) -> {
          for (Class<? extends HasMetadata> kind : types) {
            assertThat(
                    client
                        .resources(kind)
                        .inNamespace(ns)
                        .withName(name)
                        .get()
                        .getMetadata()
                        .getResourceVersion())
                .as(name + " " + kind.getSimpleName())
                .isEqualTo(versions.get(name + " " + kind.getSimpleName()));
          }
          assertThat(
                  client
                      .resource(echoService(ns, name, "{}"))
                      .get()
                      .getMetadata()
                      .getResourceVersion())
              .as(name + " EchoService (status)")
              .isEqualTo(versions.get(name + " EchoService"));
        });
  }

  @Test
  void theScaleSubresourceChangesSpecReplicasAndReportsStatusAndSelector() {
    create("scaled", "replicas: 1");
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Map<String, Object> status = status("scaled");
              return status != null && status.get("selector") != null;
            });
    var resource = client.resources(EchoService.class).inNamespace(NS).withName("scaled");
    resource.scale(3);
    assertThat(
            map(
                client
                    .resource(echoService(NS, "scaled", "{}"))
                    .get()
                    .getAdditionalProperties()
                    .get("spec")))
        .containsEntry("replicas", 3);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                        .apps()
                        .deployments()
                        .inNamespace(NS)
                        .withName("scaled")
                        .get()
                        .getSpec()
                        .getReplicas()
                    == 3);

    Scale scale = resource.scale();
    assertThat(scale.getSpec().getReplicas()).isEqualTo(3);
    assertThat(scale.getStatus().getSelector())
        .isEqualTo(status("scaled").get("selector"))
        .contains("app.kubernetes.io/instance=scaled");
    // No controller-manager here: the Deployment has no pods, and status.replicas says so.
    assertThat(scale.getStatus().getReplicas()).isZero();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aKubectlScaleWhileTheAutoscalerOwnsTheCountIsReportedNotSilentlyDropped() {
    create("scaled-hpa", "autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 4}");
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Map<String, Object> status = status("scaled-hpa");
              return status != null && "2-4".equals(status.get("autoscaling"));
            });
    // kubectl scale echoservice/scaled-hpa --replicas=6
    client.resources(EchoService.class).inNamespace(NS).withName("scaled-hpa").scale(6);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<Map<String, Object>> conditions =
                  (List<Map<String, Object>>) status("scaled-hpa").get("conditions");
              assertThat(conditions)
                  .anySatisfy(
                      c -> {
                        assertThat(c)
                            .containsEntry("type", "ScaleIgnored")
                            .containsEntry("status", "True")
                            .containsEntry("reason", "AutoscalingEnabled");
                        assertThat((String) c.get("message"))
                            .startsWith("spec.replicas=6 (set through the scale subresource");
                      });
            });
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.v1().events().inNamespace(NS).list().getItems().stream()
                    .anyMatch(
                        e ->
                            "ScaleIgnored".equals(e.getReason())
                                && "Warning".equals(e.getType())
                                && "scaled-hpa".equals(e.getInvolvedObject().getName())
                                && e.getMessage().contains("spec.replicas=6")));
    // The Deployment keeps the autoscaler's count (here the starting one: no HPA controller runs).
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace(NS)
                .withName("scaled-hpa")
                .get()
                .getSpec()
                .getReplicas())
        .isEqualTo(2);
  }

  /**
   * The paused annotation: nothing applied or reverted while it is set, status says so, removing it
   * resumes.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aPausedEchoServiceIsLeftAloneUntilTheAnnotationIsRemoved() {
    create("paused", "settings: {logLevel: warn}");
    awaitChild(ConfigMap.class, "paused");
    var echoService = client.resources(EchoService.class).inNamespace(NS).withName("paused");
    echoService.patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"echo.platform.dev/paused\":\"true\"}}}");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<Map<String, Object>> conditions =
                  (List<Map<String, Object>>) status("paused").get("conditions");
              assertThat(conditions)
                  .anySatisfy(
                      c ->
                          assertThat(c)
                              .containsEntry("type", "Paused")
                              .containsEntry("status", "True")
                              .containsEntry("reason", "PausedByAnnotation"));
            });
    // A human edit and a spec change: neither is applied nor reverted while paused.
    client
        .configMaps()
        .inNamespace(NS)
        .withName("paused")
        .edit(
            c -> {
              c.getData().put("LOG_LEVEL", "debug");
              return c;
            });
    echoService.patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"settings\":{\"logLevel\":\"error\"}}}");
    await()
        .during(java.time.Duration.ofSeconds(5))
        .atMost(java.time.Duration.ofSeconds(8))
        .until(
            () ->
                "debug"
                    .equals(
                        client
                            .configMaps()
                            .inNamespace(NS)
                            .withName("paused")
                            .get()
                            .getData()
                            .get("LOG_LEVEL")));

    echoService.patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"echo.platform.dev/paused\":null}}}");
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                "error"
                    .equals(
                        client
                            .configMaps()
                            .inNamespace(NS)
                            .withName("paused")
                            .get()
                            .getData()
                            .get("LOG_LEVEL")));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<Map<String, Object>> conditions =
                  (List<Map<String, Object>>) status("paused").get("conditions");
              assertThat(conditions)
                  .noneSatisfy(c -> assertThat(c).containsEntry("type", "Paused"));
            });
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(client.v1().events().inNamespace(NS).list().getItems())
                    .filteredOn(e -> "paused".equals(e.getInvolvedObject().getName()))
                    .extracting(e -> e.getReason())
                    .contains("Paused", "Resumed"));
  }

  /**
   * Without the Prometheus Operator's CRDs no PodMonitor is attempted and nothing is reported; once
   * its real PodMonitor CRD is installed, the EchoService that already existed gets one without any
   * change to it (API discovery notices within 15 s and reconciles every EchoService), a new one
   * gets one, each owned by its EchoService and stored whole by the real schema (which prunes
   * fields it does not know).
   */
  @Test
  @SuppressWarnings("unchecked")
  void aPodMonitorIsCreatedOnlyWhereThePrometheusOperatorsCrdsAreInstalled() throws Exception {
    create("no-monitor-crd", "{}");
    awaitChild(Deployment.class, "no-monitor-crd");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<Map<String, Object>> conditions =
                  (List<Map<String, Object>>) status("no-monitor-crd").get("conditions");
              assertThat(conditions)
                  .anySatisfy(
                      c ->
                          assertThat(c)
                              .containsEntry("type", "Degraded")
                              .containsEntry("status", "False"));
            });
    CustomResourceDefinition crd;
    try (InputStream in =
        java.nio.file.Files.newInputStream(
            RealApiServer.repoRoot()
                .resolve("deploy/monitoring/crds/monitoring.coreos.com_podmonitors.yaml"))) {
      crd =
          client
              .resource(
                  client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
              .serverSideApply();
    }
    try {
      await().atMost(TIMEOUT).until(() -> client.supports(PodMonitor.class));
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  client
                          .resources(PodMonitor.class)
                          .inNamespace(NS)
                          .withName("no-monitor-crd")
                          .get()
                      != null);
      assertThat(
              client
                  .resources(EchoService.class)
                  .inNamespace(NS)
                  .withName("no-monitor-crd")
                  .get()
                  .getMetadata()
                  .getGeneration())
          .as("the EchoService was not changed to get its PodMonitor")
          .isEqualTo(1L);
      create("monitored", "monitoring: {interval: 15s}");
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  client.resources(PodMonitor.class).inNamespace(NS).withName("monitored").get()
                      != null);
      PodMonitor pm =
          client.resources(PodMonitor.class).inNamespace(NS).withName("monitored").get();
      assertThat(pm.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(o -> assertThat(o.getName()).isEqualTo("monitored"));
      Map<String, Object> spec = (Map<String, Object>) pm.getAdditionalProperties().get("spec");
      assertThat(spec)
          .isEqualTo(
              Map.of(
                  "selector",
                      Map.of(
                          "matchLabels",
                          Map.of(
                              "app.kubernetes.io/name",
                              "echo-server",
                              "app.kubernetes.io/instance",
                              "monitored")),
                  "podMetricsEndpoints",
                      List.of(
                          Map.of(
                              "port",
                              "management",
                              "path",
                              "/metrics",
                              "interval",
                              "15s",
                              "relabelings",
                              List.of(
                                  Map.of(
                                      "action", "replace",
                                      "sourceLabels",
                                          List.of(
                                              "__meta_kubernetes_pod_label_app_kubernetes_io_instance"),
                                      "targetLabel", "echoservice"))))));
      // spec.monitoring.enabled false removes it.
      client
          .resources(EchoService.class)
          .inNamespace(NS)
          .withName("monitored")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"spec\":{\"monitoring\":{\"enabled\":false}}}");
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  client.resources(PodMonitor.class).inNamespace(NS).withName("monitored").get()
                      == null);
    } finally {
      client.resource(crd).delete();
    }
  }
}
