package dev.echoplatform.operator;

import dev.echoplatform.operator.reconciler.EchoServiceReconciler;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import java.util.function.Consumer;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Duration;

/** Builds the JOSDK operator with the EchoService controller registered. */
public final class EchoOperator {

  /** Retry: 1 s, doubling, at most 5 minutes apart, never giving up. */
  public static GenericRetry retry() {
    return new GenericRetry()
        .setInitialInterval(1000)
        .setIntervalMultiplier(2.0)
        .setMaxInterval(Duration.ofMinutes(5).toMillis())
        .withoutMaxAttempts();
  }

  private EchoOperator() {}

  public static Operator create(KubernetesClient client, OperatorConfig config, Metrics metrics) {
    return create(client, config, metrics, c -> {});
  }

  /**
   * Builds the operator; {@code customizer} can adjust the controller configuration further
   * (tests use it to shorten the resync interval).
   */
  public static Operator create(KubernetesClient client, OperatorConfig config, Metrics metrics,
      Consumer<ControllerConfigurationOverrider<EchoService>> customizer) {
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withConcurrentReconciliationThreads(config.reconcileConcurrency())
          .withCloseClientOnStop(false)
          .withStopOnInformerErrorDuringStartup(true)
          .withCacheSyncTimeout(Duration.ofMinutes(2))
          .withSSABasedCreateUpdateMatchForDependentResources(config.serverSideApply())
          .withUseSSAToPatchPrimaryResource(config.serverSideApply())
          .withMetrics(metrics);
      if (config.leaderElectionEnabled()) {
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(
            config.leaseName(), config.leaseNamespace().orElseThrow()));
      }
    });
    operator.register(new EchoServiceReconciler(config), c -> {
      c.withFieldManager(EchoServiceReconciler.FIELD_MANAGER).withRetry(retry());
      if (config.watchNamespaces().isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(config.watchNamespaces());
      }
      customizer.accept(c);
    });
    return operator;
  }

}
