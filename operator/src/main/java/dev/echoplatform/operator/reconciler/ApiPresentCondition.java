package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Activates a dependent only where the API server serves its kind (the Prometheus Operator's PodMonitor): asked
 * through API discovery, which every authenticated client may read, so no rule on CustomResourceDefinitions is
 * needed; the answer is kept for {@link #RECHECK} and then asked again, so installing the CRDs later is noticed
 * at the next reconcile after that. Where the kind is not served the dependent is simply not there: no informer,
 * no error, nothing in the status.
 */
public final class ApiPresentCondition<R extends HasMetadata> implements Condition<R, EchoService> {

  static final Duration RECHECK = Duration.ofSeconds(15);

  private final Class<R> type;
  private final Clock clock;
  private volatile Boolean present;
  private volatile Instant checked = Instant.MIN;

  public ApiPresentCondition(Class<R> type) {
    this(type, Clock.systemUTC());
  }

  ApiPresentCondition(Class<R> type, Clock clock) {
    this.type = type;
    this.clock = clock;
  }

  @Override
  public boolean isMet(DependentResource<R, EchoService> dependent, EchoService primary,
      Context<EchoService> context) {
    Instant now = clock.instant();
    if (present == null || checked.plus(RECHECK).isBefore(now)) {
      present = context.getClient().supports(type);
      checked = now;
    }
    return present;
  }
}
