package dev.echoplatform.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchException;

import dev.echoplatform.config.ConfigException;
import dev.echoplatform.operator.OperatorConfig;
import dev.echoplatform.operator.api.v1alpha1.Condition;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.resources.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EchoServiceReconcilerTest {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  static final OperatorConfig CONFIG =
      new OperatorConfig(
          Set.of(), Fixtures.DEFAULT_IMAGE, false, "lease", Optional.empty(), 1, 0, "info", true);

  static EchoService echoService(String name, String uid) {
    EchoService es = Fixtures.echoService("team-a", name, "");
    es.getMetadata().setUid(uid);
    return es;
  }

  @Test
  void deletingAnEchoServiceDropsItsLastComputedStatus() {
    EchoServiceReconciler reconciler = new EchoServiceReconciler(CONFIG, new ReadyGauge(registry));
    EchoService deleted = echoService("deleted", "uid-1");
    EchoService kept = echoService("kept", "uid-2");
    // A failed reconcile computes (and keeps) a Degraded status without needing a context.
    reconciler.updateErrorStatus(deleted, null, new IllegalStateException("boom"));
    reconciler.updateErrorStatus(kept, null, new IllegalStateException("boom"));
    assertThat(reconciler.lastComputed("uid-1")).isPresent();
    assertThat(reconciler.lastComputed("uid-2")).isPresent();
    assertThat(registry.find(ReadyGauge.NAME).gauges()).hasSize(2);

    // What java-operator-sdk calls when the controller informer sees the delete.
    reconciler.deletionListener().onResourceDeleted(deleted);

    assertThat(reconciler.lastComputed("uid-1")).isEmpty();
    assertThat(reconciler.lastComputed("uid-2")).isPresent();
    assertThat(registry.find(ReadyGauge.NAME).gauges())
        .singleElement()
        .satisfies(g -> assertThat(g.getId().getTag("name")).isEqualTo("kept"));
  }

  @Test
  void theDeletionListenerIsAnEventSourceWithoutSecondaryResources() {
    EchoServiceReconciler reconciler = new EchoServiceReconciler(CONFIG, new ReadyGauge(registry));
    assertThat(reconciler.deletionListener().name()).isEqualTo(PrimaryDeletionListener.NAME);
    assertThat(reconciler.deletionListener().getSecondaryResources(echoService("e", "u")))
        .isEmpty();
  }

  @Test
  void aSpecChangeOrThePausedAnnotationIsReconciledNotAStatusUpdate() {
    var before = Fixtures.echoService("team-a", "echo", "replicas: 2");
    var statusOnly = Fixtures.echoService("team-a", "echo", "replicas: 2");
    assertThat(EchoServiceReconciler.reconcileOnUpdate(statusOnly, before)).isFalse();
    var newGeneration = Fixtures.echoService("team-a", "echo", "replicas: 3");
    newGeneration.getMetadata().setGeneration(2L);
    assertThat(EchoServiceReconciler.reconcileOnUpdate(newGeneration, before)).isTrue();
    var paused = Fixtures.echoService("team-a", "echo", "replicas: 2");
    paused.getMetadata().setAnnotations(java.util.Map.of(EchoService.PAUSED_ANNOTATION, "true"));
    assertThat(EchoServiceReconciler.reconcileOnUpdate(paused, before)).isTrue();
    assertThat(EchoServiceReconciler.reconcileOnUpdate(before, paused)).isTrue();
  }

  @Test
  void settingsEchoServerWouldRefuseAreReportedAsInvalidSettingsBeforeAnythingIsApplied() {
    EchoServiceReconciler reconciler = new EchoServiceReconciler(CONFIG, new ReadyGauge(registry));
    EchoService es = Fixtures.echoService("team-a", "echo", "settings: {idleTimeout: '0'}");
    es.getMetadata().setUid("uid-3");
    // The model is built before the workflow runs: the reconcile fails with no child written.
    Exception refused = catchException(() -> reconciler.reconcile(es, null));
    assertThat(refused).isInstanceOf(ConfigException.class);
    reconciler.updateErrorStatus(es, null, refused);
    Condition ready =
        reconciler.lastComputed("uid-3").orElseThrow().conditions().stream()
            .filter(c -> c.type().equals(Condition.READY))
            .findFirst()
            .orElseThrow();
    assertThat(ready.reason()).isEqualTo(StatusCalculator.REASON_INVALID_SETTINGS);
    assertThat(ready.message()).startsWith("invalid IDLE_TIMEOUT=\"0\" (must be greater than 0)");
  }
}
