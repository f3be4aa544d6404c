package dev.echoplatform.operator;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.reconciler.ChildDependentResource;
import dev.echoplatform.operator.reconciler.EchoServiceReconciler;
import dev.echoplatform.operator.reconciler.ReadyGauge;
import dev.echoplatform.operator.reconciler.TrimmedItemStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

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

  public static Operator create(
      KubernetesClient client, OperatorConfig config, Metrics metrics, MeterRegistry registry) {
    return create(client, config, metrics, registry, leading -> {}, c -> {});
  }

  /**
   * Builds the operator; {@code customizer} can adjust the controller configuration further (tests
   * use it to shorten the resync interval).
   */
  public static Operator create(
      KubernetesClient client,
      OperatorConfig config,
      Metrics metrics,
      MeterRegistry registry,
      Consumer<ControllerConfigurationOverrider<EchoService>> customizer) {
    return create(client, config, metrics, registry, leading -> {}, customizer);
  }

  /**
   * Builds the operator.
   *
   * @param registry where the per-EchoService gauge {@value ReadyGauge#NAME} is registered
   * @param leadership told {@code true} when this replica starts leading, {@code false} when it
   *     stops (only with leader election). java-operator-sdk does not exit on its own when leading
   *     stops; deciding that is up to this callback (see {@link Leadership}).
   */
  public static Operator create(
      KubernetesClient client,
      OperatorConfig config,
      Metrics metrics,
      MeterRegistry registry,
      Consumer<Boolean> leadership,
      Consumer<ControllerConfigurationOverrider<EchoService>> customizer) {
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withConcurrentReconciliationThreads(config.reconcileConcurrency())
                  .withCloseClientOnStop(false)
                  .withStopOnInformerErrorDuringStartup(true)
                  .withCacheSyncTimeout(Duration.ofMinutes(2))
                  .withSSABasedCreateUpdateMatchForDependentResources(config.serverSideApply())
                  .withUseSSAToPatchPrimaryResource(config.serverSideApply())
                  // java-operator-sdk leaves ConfigMaps and Secrets out of server-side apply by
                  // default; every child of an EchoService, the ConfigMap included, is applied
                  // under one field manager.
                  .withDefaultNonSSAResource(Set.of())
                  .withMetrics(metrics);
              if (config.leaderElectionEnabled()) {
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        config.leaseName(),
                        config.leaseNamespace().orElseThrow(),
                        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                        null,
                        new LeaderCallbacks(
                            () -> leadership.accept(true),
                            () -> leadership.accept(false),
                            leader -> {}),
                        // Not java-operator-sdk's System.exit: it also fires when the operator is
                        // stopped
                        // from the shutdown hook, where System.exit deadlocks.
                        false));
              }
            });
    operator.register(
        new EchoServiceReconciler(config, new ReadyGauge(registry)),
        c -> {
          c.withFieldManager(EchoServiceReconciler.FIELD_MANAGER)
              .withRetry(retry())
              .withReconciliationMaxInterval(config.resyncInterval())
              // Generation-aware, and also the paused annotation (metadata does not move the
              // generation).
              .withGenerationAware(false)
              .withOnUpdateFilter(EchoServiceReconciler::reconcileOnUpdate);
          if (config.watchNamespaces().isEmpty()) {
            c.watchingAllNamespaces();
          } else {
            c.settingNamespaces(config.watchNamespaces());
          }
          c.withInformerListLimit(ChildDependentResource.LIST_PAGE_SIZE);
          if (TrimmedItemStore.usable(config.watchNamespaces())) {
            c.withItemStore(TrimmedItemStore.primaries());
          }
          customizer.accept(c);
        });
    return operator;
  }
}
