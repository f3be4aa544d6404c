package dev.echoplatform.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeploymentDependentResourceTest {

  static Deployment withManagedFields(String manager, String operation, Map<String, Object> spec) {
    FieldsV1 fields = new FieldsV1();
    fields.setAdditionalProperty("f:spec", spec);
    return new DeploymentBuilder().withNewMetadata().withName("echo")
        .addToManagedFields(new ManagedFieldsEntryBuilder().withManager(manager)
            .withOperation(operation).withFieldsV1(fields).build())
        .endMetadata().build();
  }

  @Test
  void detectsOwnershipOfReplicasByTheOperatorsApply() {
    assertThat(DeploymentDependentResource.appliesReplicas(
        withManagedFields("echo-operator", "Apply", Map.of("f:replicas", Map.of())), "echo-operator"))
        .isTrue();
  }

  @Test
  void otherManagersOrOperationsOrFieldsDoNotCount() {
    assertThat(DeploymentDependentResource.appliesReplicas(
        withManagedFields("kube-controller-manager", "Update", Map.of("f:replicas", Map.of())),
        "echo-operator")).isFalse();
    assertThat(DeploymentDependentResource.appliesReplicas(
        withManagedFields("echo-operator", "Update", Map.of("f:replicas", Map.of())),
        "echo-operator")).isFalse();
    assertThat(DeploymentDependentResource.appliesReplicas(
        withManagedFields("echo-operator", "Apply", Map.of("f:template", Map.of())),
        "echo-operator")).isFalse();
  }
}
