package dev.echoplatform.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.operator.api.v1alpha1.Condition;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.api.v1alpha1.EchoServiceStatus;
import dev.echoplatform.operator.reconciler.StatusCalculator.Observed;
import dev.echoplatform.operator.resources.DesiredDeployment;
import dev.echoplatform.operator.resources.DesiredService;
import dev.echoplatform.operator.resources.EchoServiceModel;
import dev.echoplatform.operator.resources.Fixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StatusCalculatorTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-01T00:05:00Z");

  EchoService es = Fixtures.echoService("team-a", "echo", "");
  EchoServiceModel model = EchoServiceModel.of(es, Fixtures.DEFAULT_IMAGE);

  Deployment deployment(int updated, int ready, int available, int total, long observedGeneration) {
    Deployment d = DesiredDeployment.build(model);
    d.getMetadata().setGeneration(1L);
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(observedGeneration)
            .withReplicas(total)
            .withUpdatedReplicas(updated)
            .withReadyReplicas(ready)
            .withAvailableReplicas(available)
            .build());
    return d;
  }

  EchoServiceStatus compute(Observed observed, Instant now) {
    return StatusCalculator.compute(es, model, observed, now);
  }

  static String state(EchoServiceStatus s, String type) {
    Condition c = s.condition(type).orElseThrow();
    return c.status() + "/" + c.reason();
  }

  @Test
  void noDeploymentYet() {
    EchoServiceStatus s = compute(new Observed(null, null, List.of(), Map.of()), T0);
    assertThat(state(s, Condition.READY)).isEqualTo("False/DeploymentNotFound");
    assertThat(state(s, Condition.PROGRESSING)).isEqualTo("True/RolloutInProgress");
    assertThat(state(s, Condition.DEGRADED)).isEqualTo("False/AsExpected");
    assertThat(s.observedGeneration()).isEqualTo(1L);
    assertThat(s.url()).isEqualTo("http://echo.team-a.svc.cluster.local:80");
    assertThat(s.selector())
        .isEqualTo("app.kubernetes.io/instance=echo,app.kubernetes.io/name=echo-server");
    assertThat(s.image()).isEqualTo(Fixtures.DEFAULT_IMAGE);
    assertThat(s.version()).isEqualTo("0.1.0");
    assertThat(s.conditions())
        .allSatisfy(
            c -> {
              assertThat(c.observedGeneration()).isEqualTo(1L);
              assertThat(c.lastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
            });
  }

  @Test
  void aKubectlScaleUnderAutoscalingIsReportedNotSilentlyDropped() {
    EchoService scaled =
        Fixtures.echoService(
            "team-a",
            "echo",
            "replicas: 7\nautoscaling: {enabled: true, minReplicas: 2, maxReplicas: 5}");
    EchoServiceModel m = EchoServiceModel.of(scaled, Fixtures.DEFAULT_IMAGE);
    Observed observed = new Observed(null, null, List.of(), Map.of());
    assertThat(StatusCalculator.compute(scaled, m, observed, T0).condition(Condition.SCALE_IGNORED))
        .as("no scale subresource write yet")
        .isEmpty();
    assertThat(StatusCalculator.compute(scaled, m, observed, T0).autoscaling()).isEqualTo("2-5");

    scaled
        .getMetadata()
        .setManagedFields(
            List.of(
                TrimmedItemStoreTest.entry(
                    "kubectl",
                    "Update",
                    "scale",
                    Map.of("f:spec", Map.of("f:replicas", Map.of())))));
    Condition c =
        StatusCalculator.compute(scaled, m, observed, T0)
            .condition(Condition.SCALE_IGNORED)
            .orElseThrow();
    assertThat(c.status()).isEqualTo(Condition.TRUE);
    assertThat(c.reason()).isEqualTo("AutoscalingEnabled");
    assertThat(c.message())
        .startsWith("spec.replicas=7 (set through the scale subresource")
        .contains("minReplicas (2) and maxReplicas (5)");

    EchoService manual = Fixtures.echoService("team-a", "echo", "replicas: 7");
    manual.getMetadata().setManagedFields(scaled.getMetadata().getManagedFields());
    EchoServiceStatus s =
        StatusCalculator.compute(
            manual, EchoServiceModel.of(manual, Fixtures.DEFAULT_IMAGE), observed, T0);
    assertThat(s.condition(Condition.SCALE_IGNORED))
        .as("without autoscaling the scale applies")
        .isEmpty();
    assertThat(s.autoscaling()).isEqualTo("off");
  }

  @Test
  void aPausedEchoServiceKeepsItsLastStatusAndSaysItIsPaused() {
    EchoServiceStatus running =
        compute(new Observed(deployment(2, 2, 2, 2, 1), null, null, null), T0);
    es.setStatus(running);
    EchoServiceStatus paused = StatusCalculator.paused(es, T1, null);
    assertThat(state(paused, Condition.PAUSED)).isEqualTo("True/PausedByAnnotation");
    assertThat(paused.condition(Condition.PAUSED).orElseThrow().message())
        .contains("echo.platform.dev/paused=true");
    assertThat(paused.condition(Condition.READY)).isEqualTo(running.condition(Condition.READY));
    assertThat(paused.replicaSummary()).isEqualTo("2/2");
    // Resumed: the next computed status has no Paused condition.
    es.setStatus(paused);
    assertThat(
            compute(new Observed(deployment(2, 2, 2, 2, 1), null, null, null), T1)
                .condition(Condition.PAUSED))
        .isEmpty();
  }

  @Test
  void rolloutStates() {
    assertThat(
            state(
                compute(new Observed(deployment(1, 1, 1, 2, 1), null, null, null), T0),
                Condition.READY))
        .isEqualTo("False/RolloutInProgress");
    assertThat(
            state(
                compute(new Observed(deployment(2, 2, 2, 3, 1), null, null, null), T0),
                Condition.PROGRESSING))
        .isEqualTo("True/RolloutInProgress");
    assertThat(
            state(
                compute(new Observed(deployment(2, 2, 2, 2, 0), null, null, null), T0),
                Condition.READY))
        .isEqualTo("False/RolloutInProgress");
    EchoServiceStatus done = compute(new Observed(deployment(2, 2, 2, 2, 1), null, null, null), T0);
    assertThat(state(done, Condition.READY)).isEqualTo("True/MinimumReplicasAvailable");
    assertThat(state(done, Condition.PROGRESSING)).isEqualTo("False/RolloutComplete");
    assertThat(done.replicaSummary()).isEqualTo("2/2");
    assertThat(done.readyReplicas()).isEqualTo(2);
    assertThat(done.updatedReplicas()).isEqualTo(2);
    assertThat(done.replicas()).isEqualTo(2);
  }

  @Test
  void transitionTimeKeptWhileStatusUnchanged() {
    EchoServiceStatus first =
        compute(new Observed(deployment(1, 1, 1, 2, 1), null, null, null), T0);
    es.setStatus(first);
    // Still not ready, different message: time kept. Ready flips: time moves.
    EchoServiceStatus second =
        compute(new Observed(deployment(2, 2, 2, 2, 1), null, null, null), T1);
    assertThat(second.condition(Condition.DEGRADED).orElseThrow().lastTransitionTime())
        .isEqualTo("2026-01-01T00:00:00Z");
    assertThat(second.condition(Condition.READY).orElseThrow().lastTransitionTime())
        .isEqualTo("2026-01-01T00:05:00Z");
    es.setStatus(second);
    assertThat(
            compute(new Observed(deployment(2, 2, 2, 2, 1), null, null, null), T1.plusSeconds(60)))
        .as("unchanged observation gives an equal status (no patch)")
        .isEqualTo(second);
  }

  @Test
  void transitionTimeSurvivesALaggingCache() {
    EchoServiceStatus published =
        compute(new Observed(deployment(2, 2, 2, 2, 1), null, null, null), T0);
    // The cached EchoService has no status yet (the patch is not in the informer cache).
    EchoServiceStatus again =
        StatusCalculator.compute(
            es, model, new Observed(deployment(2, 2, 2, 2, 1), null, null, null), T1, published);
    assertThat(again).isEqualTo(published);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "CreateContainerConfigError"
      })
  void failingPodsDegrade(String reason) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("echo-abc")
            .endMetadata()
            .withNewStatus()
            .addNewContainerStatus()
            .withName("echo-server")
            .withNewState()
            .withNewWaiting()
            .withReason(reason)
            .withMessage("back-off 5m0s")
            .endWaiting()
            .endState()
            .endContainerStatus()
            .endStatus()
            .build();
    EchoServiceStatus s =
        compute(new Observed(deployment(2, 1, 1, 2, 1), null, List.of(pod), null), T0);
    assertThat(state(s, Condition.DEGRADED)).isEqualTo("True/" + reason);
    assertThat(s.condition(Condition.DEGRADED).orElseThrow().message())
        .isEqualTo("pod echo-abc: container echo-server is " + reason + ": back-off 5m0s");
    assertThat(state(s, Condition.READY)).isEqualTo("False/" + reason);
  }

  @Test
  void replicaFailureDegrades() {
    Deployment d = deployment(0, 0, 0, 0, 1);
    d.getStatus()
        .getConditions()
        .add(
            new DeploymentConditionBuilder()
                .withType("ReplicaFailure")
                .withStatus("True")
                .withReason("FailedCreate")
                .withMessage(
                    "pods \"echo-x\" is forbidden: violates PodSecurity \"restricted:latest\"")
                .build());
    EchoServiceStatus s = compute(new Observed(d, null, null, null), T0);
    assertThat(state(s, Condition.DEGRADED)).isEqualTo("True/ReplicaFailure");
    assertThat(s.condition(Condition.DEGRADED).orElseThrow().message())
        .contains("violates PodSecurity");
  }

  @Test
  void progressDeadlineExceeded() {
    Deployment d = deployment(1, 1, 1, 2, 1);
    d.getStatus()
        .getConditions()
        .add(
            new DeploymentConditionBuilder()
                .withType("Progressing")
                .withStatus("False")
                .withReason("ProgressDeadlineExceeded")
                .withMessage("ReplicaSet \"echo-1\" has timed out progressing.")
                .build());
    EchoServiceStatus s = compute(new Observed(d, null, null, null), T0);
    assertThat(state(s, Condition.DEGRADED)).isEqualTo("True/ProgressDeadlineExceeded");
    assertThat(state(s, Condition.PROGRESSING)).isEqualTo("False/ProgressDeadlineExceeded");
  }

  @Test
  void applyErrorsDegradeWithTheApiMessage() {
    EchoServiceStatus s =
        compute(
            new Observed(
                deployment(2, 2, 2, 2, 1),
                null,
                null,
                Map.of("NetworkPolicy", "admission webhook denied the request")),
            T0);
    assertThat(state(s, Condition.DEGRADED)).isEqualTo("True/ApplyFailed");
    assertThat(s.condition(Condition.DEGRADED).orElseThrow().message())
        .isEqualTo("NetworkPolicy: admission webhook denied the request");
    assertThat(state(s, Condition.READY)).isEqualTo("False/ApplyFailed");
  }

  @Test
  void autoscaledDesiredCountComesFromTheDeployment() {
    es = Fixtures.echoService("team-a", "echo", "autoscaling: {enabled: true, minReplicas: 2}");
    model = EchoServiceModel.of(es, Fixtures.DEFAULT_IMAGE);
    Deployment d = deployment(5, 5, 5, 5, 1);
    d.getSpec().setReplicas(5);
    EchoServiceStatus s = compute(new Observed(d, null, null, null), T0);
    assertThat(s.replicaSummary()).isEqualTo("5/5");
    assertThat(state(s, Condition.READY)).isEqualTo("True/MinimumReplicasAvailable");
  }

  @Test
  void loadBalancerAddressGivesExternalUrl() {
    es = Fixtures.echoService("team-a", "echo", "service: {type: LoadBalancer, port: 8080}");
    model = EchoServiceModel.of(es, Fixtures.DEFAULT_IMAGE);
    Service svc = DesiredService.build(model);
    assertThat(compute(new Observed(null, svc, null, null), T0).externalUrl()).isNull();
    svc.setStatus(
        new io.fabric8.kubernetes.api.model.ServiceStatusBuilder()
            .withNewLoadBalancer()
            .addNewIngress()
            .withIp("203.0.113.7")
            .endIngress()
            .endLoadBalancer()
            .build());
    EchoServiceStatus s = compute(new Observed(null, svc, null, null), T0);
    assertThat(s.externalUrl()).isEqualTo("http://203.0.113.7:8080");
    assertThat(s.url()).isEqualTo("http://echo.team-a.svc.cluster.local:8080");
  }

  @Test
  void errorStatusKeepsObservedFields() {
    es.setStatus(compute(new Observed(deployment(2, 2, 2, 2, 1), null, null, null), T0));
    EchoServiceStatus s = StatusCalculator.withError(es, "ReconcileError", "boom", T1, null);
    assertThat(state(s, Condition.DEGRADED)).isEqualTo("True/ReconcileError");
    assertThat(state(s, Condition.READY)).isEqualTo("False/ReconcileError");
    assertThat(s.readyReplicas()).isEqualTo(2);
    assertThat(s.condition(Condition.DEGRADED).orElseThrow().lastTransitionTime())
        .isEqualTo("2026-01-01T00:05:00Z");
  }
}
