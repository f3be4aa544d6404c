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
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("echo")
        .addToManagedFields(
            new ManagedFieldsEntryBuilder()
                .withManager(manager)
                .withOperation(operation)
                .withFieldsV1(fields)
                .build())
        .endMetadata()
        .build();
  }

  @Test
  void detectsOwnershipOfReplicasByTheOperatorsApply() {
    assertThat(
            DeploymentDependentResource.appliesReplicas(
                withManagedFields("echo-operator", "Apply", Map.of("f:replicas", Map.of())),
                "echo-operator"))
        .isTrue();
  }

  @Test
  void otherManagersOrOperationsOrFieldsDoNotCount() {
    assertThat(
            DeploymentDependentResource.appliesReplicas(
                withManagedFields(
                    "kube-controller-manager", "Update", Map.of("f:replicas", Map.of())),
                "echo-operator"))
        .isFalse();
    assertThat(
            DeploymentDependentResource.appliesReplicas(
                withManagedFields("echo-operator", "Update", Map.of("f:replicas", Map.of())),
                "echo-operator"))
        .isFalse();
    assertThat(
            DeploymentDependentResource.appliesReplicas(
                withManagedFields("echo-operator", "Apply", Map.of("f:template", Map.of())),
                "echo-operator"))
        .isFalse();
  }

  static Deployment desired() {
    return dev.echoplatform.operator.resources.DesiredDeployment.build(
        dev.echoplatform.operator.resources.Fixtures.model(""));
  }

  @Test
  void theDesiredDeploymentHasNoForeignEntries() {
    assertThat(DeploymentDependentResource.foreignInPodTemplate(desired(), desired())).isEmpty();
  }

  @Test
  void entriesAPersonAddedOrChangedAreForeign() {
    Deployment edited = desired();
    var spec = edited.getSpec().getTemplate().getSpec();
    var container = spec.getContainers().get(0);
    container.getPorts().get(0).setContainerPort(9090); // kubectl edit of the http port
    container
        .getEnv()
        .add(new io.fabric8.kubernetes.api.model.EnvVar("PORT", "9090", null)); // kubectl set env
    spec.getContainers()
        .add(
            new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName("sidecar")
                .withImage("busybox")
                .build());
    spec.getInitContainers()
        .add(
            new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName("init")
                .withImage("busybox")
                .build());
    assertThat(DeploymentDependentResource.foreignInPodTemplate(edited, desired()))
        .containsExactly(
            "container echo-server port 9090/TCP",
            "container echo-server env PORT",
            "container sidecar",
            "init container init");
  }

  @Test
  void theRepairPatchSetsTheContainerListsAndRemovesInitContainers() {
    String json =
        io.fabric8.kubernetes.client.utils.Serialization.asJson(
            DeploymentDependentResource.containersPatch(desired()));
    assertThat(json)
        .contains("\"initContainers\":null")
        .contains("\"containers\":[{")
        .contains("\"name\":\"echo-server\"");
  }
}
