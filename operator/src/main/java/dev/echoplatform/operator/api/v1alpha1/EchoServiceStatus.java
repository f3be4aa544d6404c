package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.List;
import java.util.Optional;

/** Observed state of an EchoService, written by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EchoServiceStatus(
    @JsonPropertyDescription("The metadata.generation the operator last reconciled.")
        Long observedGeneration,
    @JsonPropertyDescription("Pods of the Deployment (all revisions).") @StatusReplicas
        Integer replicas,
    @JsonPropertyDescription("Pods that pass their readiness probe.") Integer readyReplicas,
    @JsonPropertyDescription("Pods running the current pod template.") Integer updatedReplicas,
    @JsonPropertyDescription("Ready/desired replicas, e.g. 2/2 (shown by kubectl get).")
        String replicaSummary,
    @JsonPropertyDescription("Label selector of the pods, for the scale subresource.")
        @LabelSelector
        String selector,
    @JsonPropertyDescription(
            "In-cluster URL: http://<service>.<namespace>.svc.cluster.local:<port>.")
        String url,
    @JsonPropertyDescription("External URL when the LoadBalancer Service has an address assigned.")
        String externalUrl,
    @JsonPropertyDescription("The echo-server image the pods run.") String image,
    @JsonPropertyDescription("The echo-server version: the image tag (or digest).") String version,
    @JsonPropertyDescription(
            "The autoscaler's replica range, e.g. 2-10, or off when spec.autoscaling is not enabled "
                + "(shown by kubectl get -o wide).")
        String autoscaling,
    @JsonPropertyDescription("Ready, Progressing and Degraded conditions.")
        List<Condition> conditions) {

  public EchoServiceStatus {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
  }

  /** No status yet: nothing observed, no conditions. */
  public static EchoServiceStatus empty() {
    return new EchoServiceStatus(
        null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** This status with other conditions; what was observed is kept as it was. */
  public EchoServiceStatus withConditions(List<Condition> newConditions) {
    return new EchoServiceStatus(
        observedGeneration,
        replicas,
        readyReplicas,
        updatedReplicas,
        replicaSummary,
        selector,
        url,
        externalUrl,
        image,
        version,
        autoscaling,
        newConditions);
  }

  public Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> type.equals(c.type())).findFirst();
  }
}
