package dev.echoplatform.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DriftTest {

  private static final String OPERATOR = "echo-operator";

  private static Deployment deployment(
      String image, int replicas, int port, ManagedFieldsEntry... entries) {
    Deployment d =
        Serialization.unmarshal(
            """
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "echo", "namespace": "dev", "annotations": {"note": "by hand"}},
         "spec": {"replicas": %d, "template": {"spec": {"containers": [
           {"name": "echo-server", "image": "%s", "ports": [{"containerPort": %d, "protocol": "TCP"}]}]}}}}
        """
                .formatted(replicas, image, port),
            Deployment.class);
    d.getMetadata().setManagedFields(List.of(entries));
    return d;
  }

  private static ManagedFieldsEntry entry(
      String manager, String operation, String subresource, String fieldsJson) {
    FieldsV1 fields = new FieldsV1();
    Serialization.unmarshal(fieldsJson, Map.class)
        .forEach((k, v) -> fields.setAdditionalProperty((String) k, v));
    return new ManagedFieldsEntryBuilder()
        .withManager(manager)
        .withOperation(operation)
        .withSubresource(subresource)
        .withFieldsType("FieldsV1")
        .withFieldsV1(fields)
        .build();
  }

  private static final String IMAGE_FIELD =
      "{\"f:spec\":{\"f:template\":{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"echo-server\\\"}\":"
          + "{\"f:image\":{}}}}}}}";

  @Test
  void aFieldAnotherManagerChangedIsNamedWithThatManager() {
    Deployment live =
        deployment(
            "evil:latest",
            2,
            8080,
            entry(OPERATOR, "Apply", null, "{\"f:spec\":{\"f:replicas\":{}}}"),
            entry("kubectl-edit", "Update", null, IMAGE_FIELD));
    Deployment desired = deployment("echo-server:1", 2, 8080);
    assertThat(Drift.of(live, desired, OPERATOR))
        .extracting(Drift.Field::toString)
        .containsExactly(
            "spec.template.spec.containers[name=echo-server].image (set by kubectl-edit)");
  }

  @Test
  void theScaleSubresourceIsNamedAndTheStatusSubresourceIgnored() {
    Deployment live =
        deployment(
            "echo-server:1",
            5,
            8080,
            entry("kubectl", "Update", "scale", "{\"f:spec\":{\"f:replicas\":{}}}"),
            entry(
                "kube-controller-manager", "Update", "status", "{\"f:spec\":{\"f:replicas\":{}}}"));
    Deployment desired = deployment("echo-server:1", 2, 8080);
    assertThat(Drift.of(live, desired, OPERATOR))
        .extracting(Drift.Field::toString)
        .containsExactly("spec.replicas (set by kubectl, scale subresource)");
  }

  @Test
  void fieldsTheOperatorDoesNotSetOrThatAgreeAreNoDrift() {
    Deployment live =
        deployment(
            "echo-server:1",
            2,
            8080,
            entry(
                "kubectl-annotate",
                "Update",
                null,
                "{\"f:metadata\":{\"f:annotations\":{\"f:note\":{}}}}"),
            entry("gitops", "Apply", null, IMAGE_FIELD),
            entry(OPERATOR, "Apply", null, IMAGE_FIELD));
    Deployment desired = deployment("echo-server:1", 2, 8080);
    desired.getMetadata().setAnnotations(null);
    // The HPA's replicas: the operator's desired Deployment leaves spec.replicas out when
    // autoscaling.
    desired.getSpec().setReplicas(null);
    live.getMetadata().setManagedFields(new ArrayList<>(live.getMetadata().getManagedFields()));
    live.getMetadata()
        .getManagedFields()
        .add(
            entry(
                "horizontal-pod-autoscaler",
                "Update",
                "scale",
                "{\"f:spec\":{\"f:replicas\":{}}}"));
    assertThat(Drift.of(live, desired, OPERATOR)).isEmpty();
  }

  @Test
  void listEntriesAreFoundByAllTheirKeysAndNumbersByValue() {
    String portField =
        "{\"f:spec\":{\"f:template\":{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"echo-server\\\"}\":"
            + "{\"f:ports\":{\"k:{\\\"containerPort\\\":8080,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{}}}}}}}}}";
    Deployment desired = deployment("echo-server:1", 2, 8080);
    // Same entry, same value: shared, not drift.
    assertThat(
            Drift.of(
                deployment("echo-server:1", 2, 8080, entry("other", "Apply", null, portField)),
                desired,
                OPERATOR))
        .isEmpty();
    // The entry the other manager owns is not one the operator declares: the list repair handles
    // it, no field.
    assertThat(
            Drift.of(
                deployment(
                    "echo-server:1",
                    2,
                    9090,
                    entry("other", "Update", null, portField.replace("8080", "9090"))),
                desired,
                OPERATOR))
        .isEmpty();
  }

  @Test
  void pathsRenderAsTheyAreWrittenInKubectl() {
    assertThat(
            Drift.render(
                List.of(
                    "f:spec", "f:ports", "k:{\"port\":80,\"protocol\":\"TCP\"}", "f:targetPort")))
        .isEqualTo("spec.ports[port=80,protocol=TCP].targetPort");
    assertThat(Drift.render(List.of("f:metadata", "f:finalizers", "v:\"x\"")))
        .isEqualTo("metadata.finalizers[\"x\"]");
  }

  /** The Event: one per child per window, the reverts in between counted in the next one. */
  @Test
  void oneEventPerChildPerWindowWithTheRevertsInBetweenCounted() {
    List<String> recorded = new ArrayList<>();
    EventRecorder events =
        new EventRecorder(null) {
          @Override
          public void warning(EchoService es, String reason, String message) {
            recorded.add(reason + ": " + message);
          }
        };
    MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    DriftReporter reporter = new DriftReporter(clock);
    reporter.recordTo(events);
    EchoService es = new EchoService();
    es.setMetadata(
        new ObjectMetaBuilder().withName("echo").withNamespace("dev").withUid("uid-1").build());
    Deployment live =
        deployment("evil:latest", 2, 8080, entry("kubectl-edit", "Update", null, IMAGE_FIELD));
    Deployment desired = deployment("echo-server:1", 2, 8080);

    reporter.report(es, live, desired, OPERATOR, List.of());
    reporter.report(es, live, desired, OPERATOR, List.of());
    reporter.report(es, live, desired, OPERATOR, List.of("container sidecar"));
    assertThat(recorded)
        .containsExactly(
            "DriftReverted: Deployment echo: reverted "
                + "spec.template.spec.containers[name=echo-server].image (set by kubectl-edit)");
    clock.now = clock.now.plus(DriftReporter.WINDOW).plusSeconds(1);
    reporter.report(es, live, desired, OPERATOR, List.of("container sidecar"));
    assertThat(recorded)
        .hasSize(2)
        .last()
        .asString()
        .endsWith(
            "; removed list entries the EchoService does not declare: container sidecar "
                + "(and 2 more reverts of Deployment echo since the last such Event)");
    // An update that takes nothing back (a new spec) reports nothing.
    clock.now = clock.now.plus(Duration.ofHours(1));
    reporter.report(es, deployment("echo-server:1", 2, 8080), desired, OPERATOR, List.of());
    assertThat(recorded).hasSize(2);
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
