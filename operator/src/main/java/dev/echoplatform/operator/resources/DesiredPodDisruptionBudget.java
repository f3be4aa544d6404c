package dev.echoplatform.operator.resources;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

/**
 * Desired PodDisruptionBudget: {@code maxUnavailable: 1} whatever the replica count.
 *
 * <p>With N ≥ 2 replicas at least N-1 stay available through a drain, so one replica always serves;
 * with a single replica (or an autoscaler at minimum 1) the one pod can still be evicted, so node
 * drains are never blocked — {@code minAvailable: 1} would block them forever. The budget does not
 * depend on the replica count, so it stays correct while an autoscaler changes it. {@code
 * unhealthyPodEvictionPolicy: AlwaysAllow} lets drains evict pods that are not ready (crash-looping
 * pods never block maintenance).
 */
public final class DesiredPodDisruptionBudget {

  private DesiredPodDisruptionBudget() {}

  public static PodDisruptionBudget build(EchoServiceModel m) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(m.childMetadata())
        .withNewSpec()
        .withSelector(new LabelSelectorBuilder().withMatchLabels(m.selector()).build())
        .withMaxUnavailable(new IntOrString(1))
        .withUnhealthyPodEvictionPolicy("AlwaysAllow")
        .endSpec()
        .build();
  }
}
