package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * Activates a dependent only where the API server serves its kind, as {@link ApiDiscoverySource}
 * last found. Where the kind is not served the dependent is simply not there: no informer, no
 * error, nothing in the status.
 */
public final class ApiPresentCondition<R extends HasMetadata> implements Condition<R, EchoService> {

  private final ApiDiscoverySource discovery;

  ApiPresentCondition(ApiDiscoverySource discovery) {
    this.discovery = discovery;
  }

  @Override
  public boolean isMet(
      DependentResource<R, EchoService> dependent,
      EchoService primary,
      Context<EchoService> context) {
    return discovery.present();
  }
}
