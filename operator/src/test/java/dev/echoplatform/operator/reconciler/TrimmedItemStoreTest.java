package dev.echoplatform.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.operator.api.v1alpha1.Condition;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.reconciler.StatusCalculator.Observed;
import dev.echoplatform.operator.resources.DesiredConfigMap;
import dev.echoplatform.operator.resources.DesiredDeployment;
import dev.echoplatform.operator.resources.EchoServiceModel;
import dev.echoplatform.operator.resources.Fixtures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.SSABasedGenericKubernetesResourceMatcher;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class TrimmedItemStoreTest {

  static final String MANAGER = EchoServiceReconciler.FIELD_MANAGER;
  static final KubernetesSerialization JSON = new KubernetesSerialization();
  static final KubernetesClient CLIENT = new KubernetesClientBuilder().build(); // never connects

  EchoService es = Fixtures.echoService("team-a", "echo", "");
  EchoServiceModel model = EchoServiceModel.of(es, Fixtures.DEFAULT_IMAGE);

  @AfterAll
  static void close() {
    CLIENT.close();
  }

  static ManagedFieldsEntry entry(
      String manager, String operation, String subresource, Map<String, Object> fields) {
    FieldsV1 f = new FieldsV1();
    fields.forEach(f::setAdditionalProperty);
    return new ManagedFieldsEntryBuilder()
        .withManager(manager)
        .withOperation(operation)
        .withSubresource(subresource)
        .withApiVersion("v1")
        .withFieldsType("FieldsV1")
        .withFieldsV1(f)
        .build();
  }

  /** The ConfigMap as the API server returns it after this operator applied it and others wrote. */
  ConfigMap appliedConfigMap() {
    ConfigMap desired = DesiredConfigMap.build(model);
    ConfigMap actual = JSON.clone(desired);
    actual.getMetadata().setUid("0c1a2b3c-0000-4000-8000-000000000001");
    actual.getMetadata().setResourceVersion("4711");
    actual.getMetadata().getAnnotations().put("example.com/touched-by", "someone-else");
    Map<String, Object> labels = new LinkedHashMap<>();
    desired.getMetadata().getLabels().keySet().forEach(k -> labels.put("f:" + k, Map.of()));
    Map<String, Object> data = new LinkedHashMap<>();
    desired.getData().keySet().forEach(k -> data.put("f:" + k, Map.of()));
    actual
        .getMetadata()
        .setManagedFields(
            new java.util.ArrayList<>(
                List.of(
                    entry(
                        MANAGER,
                        "Apply",
                        null,
                        Map.of("f:metadata", Map.of("f:labels", labels), "f:data", data)),
                    entry(
                        "kubectl-annotate",
                        "Update",
                        null,
                        Map.of(
                            "f:metadata",
                            Map.of("f:annotations", Map.of("f:example.com/touched-by", Map.of())))),
                    entry(
                        DeploymentDependentResource.REPLICAS_HANDOFF_MANAGER,
                        "Apply",
                        null,
                        Map.of()))));
    return actual;
  }

  @SuppressWarnings("unchecked")
  static Context<EchoService> context() {
    ControllerConfiguration<EchoService> configuration =
        (ControllerConfiguration<EchoService>)
            Proxy.newProxyInstance(
                TrimmedItemStoreTest.class.getClassLoader(),
                new Class<?>[] {ControllerConfiguration.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "fieldManager" -> MANAGER;
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
    return (Context<EchoService>)
        Proxy.newProxyInstance(
            TrimmedItemStoreTest.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getControllerConfiguration" -> configuration;
                  case "getClient" -> CLIENT;
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  static boolean matches(ConfigMap actual, ConfigMap desired) {
    return SSABasedGenericKubernetesResourceMatcher.<ConfigMap>getInstance()
        .matches(actual, desired, context());
  }

  @Test
  void childrenKeepOnlyTheOperatorsManagedFieldsEntry() {
    TrimmedItemStore<ConfigMap> store = TrimmedItemStore.children(MANAGER);
    ConfigMap actual = appliedConfigMap();
    store.put(store.getKey(actual), actual);

    ConfigMap cached = store.get("team-a/echo");
    assertThat(cached).isSameAs(actual);
    assertThat(cached.getMetadata().getManagedFields())
        .extracting(ManagedFieldsEntry::getManager)
        .containsExactly(MANAGER);
    assertThat(cached.getData()).isEqualTo(DesiredConfigMap.build(model).getData());
    assertThat(cached.getMetadata().getAnnotations()).containsKey("example.com/touched-by");
  }

  @Test
  void theServerSideApplyMatcherDecidesTheSameOnTheTrimmedChild() {
    ConfigMap desired = DesiredConfigMap.build(model);
    ConfigMap full = appliedConfigMap();
    ConfigMap trimmed = appliedConfigMap();
    TrimmedItemStore.keepManagedFieldsOf(trimmed, MANAGER);
    assertThat(trimmed.getMetadata().getManagedFields()).hasSize(1);
    assertThat(matches(full, desired)).isTrue();
    assertThat(matches(trimmed, desired)).isTrue();

    // An edit of a field the operator applies is still seen as a difference.
    String key = desired.getData().keySet().iterator().next();
    full.getData().put(key, "edited");
    trimmed.getData().put(key, "edited");
    assertThat(matches(full, desired)).isFalse();
    assertThat(matches(trimmed, desired)).isFalse();
  }

  @Test
  void replicasOwnershipIsStillReadFromTheTrimmedDeployment() {
    Deployment d =
        DeploymentDependentResourceTest.withManagedFields(
            MANAGER, "Apply", Map.of("f:replicas", Map.of()));
    d.getMetadata().setNamespace("team-a");
    d.getMetadata()
        .getManagedFields()
        .add(entry("kube-controller-manager", "Update", "status", Map.of("f:status", Map.of())));
    TrimmedItemStore<Deployment> store = TrimmedItemStore.children(MANAGER);
    store.put(store.getKey(d), d);
    assertThat(d.getMetadata().getManagedFields()).hasSize(1);
    assertThat(DeploymentDependentResource.appliesReplicas(store.get("team-a/echo"), MANAGER))
        .isTrue();
  }

  @Test
  void primariesDropManagedFieldsOnly() {
    EchoService cached = Fixtures.echoService("team-a", "echo", "replicas: 3");
    cached
        .getMetadata()
        .setManagedFields(
            new java.util.ArrayList<>(
                List.of(
                    entry(
                        "kubectl",
                        "Apply",
                        null,
                        Map.of("f:spec", Map.of("f:replicas", Map.of()))))));
    TrimmedItemStore<EchoService> store = TrimmedItemStore.primaries();
    store.put(store.getKey(cached), cached);
    assertThat(store.get("team-a/echo").getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(store.get("team-a/echo").getSpec().replicas()).isEqualTo(3);
    assertThat(store.get("team-a/echo").getMetadata().getGeneration()).isEqualTo(1L);
  }

  @Test
  void primariesKeepTheScaleSubresourcesEntrySoAKubectlScaleCanBeReported() {
    EchoService cached = Fixtures.echoService("team-a", "echo", "replicas: 5");
    var scale =
        entry("kubectl", "Update", "scale", Map.of("f:spec", Map.of("f:replicas", Map.of())));
    cached
        .getMetadata()
        .setManagedFields(
            new java.util.ArrayList<>(
                List.of(
                    entry(
                        "kubectl", "Apply", null, Map.of("f:spec", Map.of("f:replicas", Map.of()))),
                    scale)));
    TrimmedItemStore<EchoService> store = TrimmedItemStore.primaries();
    store.put(store.getKey(cached), cached);
    assertThat(store.get("team-a/echo").getMetadata().getManagedFields()).containsExactly(scale);
  }

  static Pod fullPod(String waitingReason) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("echo-5d8f9c-abcde")
        .withNamespace("team-a")
        .withUid("0c1a2b3c-0000-4000-8000-000000000002")
        .withResourceVersion("99")
        .addToLabels("app.kubernetes.io/instance", "echo")
        .addToManagedFields(entry("kubelet", "Update", "status", Map.of("f:status", Map.of())))
        .addNewOwnerReference()
        .withKind("ReplicaSet")
        .withName("echo-5d8f9c")
        .withUid("rs-uid")
        .withApiVersion("apps/v1")
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .withNewSpec()
        .withNodeName("node-1")
        .addNewContainer()
        .withName("echo-server")
        .withImage(Fixtures.DEFAULT_IMAGE)
        .addNewEnv()
        .withName("PORT")
        .withValue("8080")
        .endEnv()
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Pending")
        .withPodIP("10.0.0.7")
        .addNewCondition()
        .withType("Ready")
        .withStatus("False")
        .endCondition()
        .addNewInitContainerStatus()
        .withName("init")
        .withReady(true)
        .withRestartCount(0)
        .withNewState()
        .withNewTerminated()
        .withExitCode(0)
        .endTerminated()
        .endState()
        .endInitContainerStatus()
        .addNewContainerStatus()
        .withName("echo-server")
        .withReady(false)
        .withRestartCount(4)
        .withImage(Fixtures.DEFAULT_IMAGE)
        .withNewState()
        .withNewWaiting()
        .withReason(waitingReason)
        .withMessage("back-off 5m0s restarting failed container")
        .endWaiting()
        .endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }

  @Test
  void podsKeepWhatStatusReportingReads() {
    Pod pod = fullPod("CrashLoopBackOff");
    TrimmedItemStore<Pod> store = TrimmedItemStore.pods();
    store.put(store.getKey(pod), pod);

    Pod cached = store.get("team-a/echo-5d8f9c-abcde");
    assertThat(cached.getSpec()).isNull();
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/instance", "echo");
    assertThat(cached.getMetadata().getOwnerReferences()).hasSize(1);
    assertThat(cached.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(cached.getStatus().getPodIP()).isNull();
    assertThat(cached.getStatus().getContainerStatuses())
        .singleElement()
        .satisfies(
            cs -> {
              assertThat(cs.getName()).isEqualTo("echo-server");
              assertThat(cs.getRestartCount()).isEqualTo(4);
              assertThat(cs.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
              assertThat(cs.getImage()).isNull();
            });
    assertThat(cached.getStatus().getInitContainerStatuses())
        .singleElement()
        .satisfies(cs -> assertThat(cs.getState()).isNull());
    assertThat(JSON.asJson(cached))
        .doesNotContain("managedFields", "\"spec\"", "10.0.0.7", Fixtures.DEFAULT_IMAGE, "PORT");
  }

  @Test
  void statusComputedFromTrimmedPodsIsTheSame() {
    Deployment d = DesiredDeployment.build(model);
    d.getMetadata().setGeneration(1L);
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(1L)
            .withReplicas(2)
            .withUpdatedReplicas(2)
            .withReadyReplicas(1)
            .withAvailableReplicas(1)
            .build());
    for (String reason : List.of("CrashLoopBackOff", "ImagePullBackOff", "ContainerCreating")) {
      Pod full = fullPod(reason);
      Pod trimmed = fullPod(reason);
      TrimmedItemStore.trimPod(trimmed);
      Instant now = Instant.parse("2026-01-01T00:00:00Z");
      var fromFull =
          StatusCalculator.compute(es, model, new Observed(d, null, List.of(full), Map.of()), now);
      var fromTrimmed =
          StatusCalculator.compute(
              es, model, new Observed(d, null, List.of(trimmed), Map.of()), now);
      assertThat(fromTrimmed).as(reason).isEqualTo(fromFull);
      assertThat(fromTrimmed.condition(Condition.DEGRADED)).isPresent();
    }
  }

  @Test
  void onlyPodEventsThatChangeAFailureReachTheReconciler() {
    Pod failing = fullPod("CrashLoopBackOff");
    Pod failingLater = fullPod("CrashLoopBackOff");
    failingLater.getMetadata().setResourceVersion("100");
    failingLater.getStatus().getContainerStatuses().get(0).setRestartCount(5);
    Pod starting = fullPod("ContainerCreating");
    Pod pulling = fullPod("ImagePullBackOff");
    Pod backedOffLonger = fullPod("CrashLoopBackOff");
    backedOffLonger
        .getStatus()
        .getContainerStatuses()
        .get(0)
        .getState()
        .getWaiting()
        .setMessage("back-off 10m0s");

    assertThat(EchoServiceReconciler.podEventMatters(null, starting))
        .as("add of a starting pod")
        .isFalse();
    assertThat(EchoServiceReconciler.podEventMatters(null, failing))
        .as("add of a failing pod")
        .isTrue();
    assertThat(EchoServiceReconciler.podEventMatters(starting, fullPod("ContainerCreating")))
        .isFalse();
    assertThat(EchoServiceReconciler.podEventMatters(starting, failing))
        .as("starts failing")
        .isTrue();
    assertThat(EchoServiceReconciler.podEventMatters(failing, starting)).as("recovers").isTrue();
    assertThat(EchoServiceReconciler.podEventMatters(failing, pulling))
        .as("another reason")
        .isTrue();
    assertThat(EchoServiceReconciler.podEventMatters(failing, backedOffLonger))
        .as("another message")
        .isTrue();
    assertThat(EchoServiceReconciler.podEventMatters(failing, failingLater))
        .as("restart count only")
        .isFalse();
    assertThat(EchoServiceReconciler.podEventMatters(starting, null))
        .as("delete of a healthy pod")
        .isFalse();
    assertThat(EchoServiceReconciler.podEventMatters(failing, null))
        .as("delete of a failing pod")
        .isTrue();

    // The same decisions on trimmed pods, as the informer's handlers see them.
    TrimmedItemStore.trimPod(failing);
    TrimmedItemStore.trimPod(failingLater);
    TrimmedItemStore.trimPod(starting);
    assertThat(EchoServiceReconciler.podEventMatters(failing, failingLater)).isFalse();
    assertThat(EchoServiceReconciler.podEventMatters(starting, failing)).isTrue();
  }

  @Test
  void podWithoutStatusIsCachedWithoutOne() {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .withNamespace("ns")
            .endMetadata()
            .withNewSpec()
            .withNodeName("n")
            .endSpec()
            .build();
    pod.setStatus(null);
    TrimmedItemStore<Pod> store = TrimmedItemStore.pods();
    store.put(store.getKey(pod), pod);
    assertThat(store.get("ns/p").getStatus()).isNull();
    assertThat(store.get("ns/p").getSpec()).isNull();
    assertThat(store.remove("ns/p")).isSameAs(pod);
    assertThat(store.size()).isZero();
  }

  @Test
  void usableOnlyWithOneInformerPerKind() {
    assertThat(TrimmedItemStore.usable(Set.of())).isTrue();
    assertThat(TrimmedItemStore.usable(Set.of("team-a"))).isTrue();
    assertThat(TrimmedItemStore.usable(Set.of("team-a", "team-b"))).isFalse();
  }
}
