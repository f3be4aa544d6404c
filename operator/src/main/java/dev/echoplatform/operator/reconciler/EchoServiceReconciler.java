package dev.echoplatform.operator.reconciler;

import dev.echoplatform.config.ConfigException;
import dev.echoplatform.operator.OperatorConfig;
import dev.echoplatform.operator.api.monitoring.PodMonitor;
import dev.echoplatform.operator.api.v1alpha1.Condition;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.api.v1alpha1.EchoServiceStatus;
import dev.echoplatform.operator.reconciler.StatusCalculator.Observed;
import dev.echoplatform.operator.resources.DesiredConfigMap;
import dev.echoplatform.operator.resources.DesiredHorizontalPodAutoscaler;
import dev.echoplatform.operator.resources.DesiredNetworkPolicy;
import dev.echoplatform.operator.resources.DesiredPodDisruptionBudget;
import dev.echoplatform.operator.resources.DesiredPodMonitor;
import dev.echoplatform.operator.resources.EchoServiceModel;
import dev.echoplatform.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Workflow;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles an EchoService: applies its children through a JOSDK workflow of dependent resources
 * (optional ones behind reconcile preconditions, so disabling one deletes it), then computes the
 * status from the observed Deployment, Service and pods, and patches it only when it changed.
 */
@ControllerConfiguration(name = EchoServiceReconciler.NAME)
public class EchoServiceReconciler implements Reconciler<EchoService> {

  public static final String NAME = "echoservice";
  public static final String FIELD_MANAGER = "echo-operator";

  private static final Logger log = LoggerFactory.getLogger(EchoServiceReconciler.class);

  private final OperatorConfig config;
  private final Clock clock;
  private final ChildDependentResource<ConfigMap> configMap;
  private final DeploymentDependentResource deployment;
  private final ChildDependentResource<Service> service;
  private final ChildDependentResource<NetworkPolicy> networkPolicy;
  private final ChildDependentResource<PodDisruptionBudget> pdb;
  private final ChildDependentResource<HorizontalPodAutoscaler> hpa;
  private final ChildDependentResource<PodMonitor> podMonitor;
  private final ApiDiscoverySource podMonitorApi;
  private final Workflow<EchoService> workflow;
  private final PrimaryDeletionListener deletions = new PrimaryDeletionListener(this::forget);
  private final DriftReporter drift;
  private volatile EventRecorder events;

  /**
   * The status last computed per EchoService (by UID), so condition transition times survive an
   * informer cache that has not yet seen the latest status patch. Bounded (least recently used
   * entries go first); losing an entry only costs the time of a transition already in the cache. An
   * entry is removed when its EchoService is deleted ({@link #forget}).
   */
  private final Map<String, EchoServiceStatus> published =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, EchoServiceStatus> eldest) {
              return size() > 20_000;
            }
          });

  private final ReadyGauge readyGauge;

  /** Whether the informers cache trimmed objects ({@link TrimmedItemStore#usable}). */
  private final boolean trimCaches;

  public EchoServiceReconciler(OperatorConfig config, ReadyGauge readyGauge) {
    this(config, Clock.systemUTC(), readyGauge);
  }

  public EchoServiceReconciler(OperatorConfig config, Clock clock, ReadyGauge readyGauge) {
    this.config = config;
    this.clock = clock;
    this.readyGauge = readyGauge;
    String image = config.echoServerImage();
    trimCaches = TrimmedItemStore.usable(config.watchNamespaces());
    configMap =
        new ChildDependentResource<>(
            ConfigMap.class, "configmap", DesiredConfigMap::build, image, trimCaches);
    deployment = new DeploymentDependentResource(image, trimCaches);
    service = new ServiceDependentResource(image, trimCaches);
    networkPolicy =
        new ChildDependentResource<>(
            NetworkPolicy.class, "networkpolicy", DesiredNetworkPolicy::build, image, trimCaches);
    pdb =
        new ChildDependentResource<>(
            PodDisruptionBudget.class,
            "poddisruptionbudget",
            DesiredPodDisruptionBudget::build,
            image,
            trimCaches);
    hpa =
        new ChildDependentResource<>(
            HorizontalPodAutoscaler.class,
            "horizontalpodautoscaler",
            DesiredHorizontalPodAutoscaler::build,
            image,
            trimCaches);
    podMonitor =
        new ChildDependentResource<>(
            PodMonitor.class, "podmonitor", DesiredPodMonitor::build, image, trimCaches);
    podMonitorApi = new ApiDiscoverySource("PodMonitor", ApiDiscoverySource.RECHECK);
    drift = new DriftReporter(clock);
    for (ChildDependentResource<?> child :
        List.of(configMap, deployment, service, networkPolicy, pdb, hpa, podMonitor)) {
      child.reportDriftTo(drift);
    }
    workflow =
        new WorkflowBuilder<EchoService>()
            .addDependentResource(configMap)
            .addDependentResourceAndConfigure(deployment)
            .dependsOn(configMap)
            .addDependentResource(service)
            .addDependentResourceAndConfigure(networkPolicy)
            .withReconcilePrecondition(enabled(es -> es.getSpec().networkPolicy().enabled()))
            .addDependentResourceAndConfigure(pdb)
            .withReconcilePrecondition(enabled(es -> es.getSpec().podDisruptionBudget().enabled()))
            .addDependentResourceAndConfigure(hpa)
            .dependsOn(deployment)
            .withReconcilePrecondition(enabled(es -> es.getSpec().autoscaling().enabled()))
            // Only where the Prometheus Operator's CRDs are installed (its informer is registered
            // then too).
            .addDependentResourceAndConfigure(podMonitor)
            .withActivationCondition(new ApiPresentCondition<>(podMonitorApi))
            .withReconcilePrecondition(enabled(es -> es.getSpec().monitoring().enabled()))
            .withThrowExceptionFurther(false)
            .build();
  }

  private static <R>
      io.javaoperatorsdk.operator.processing.dependent.workflow.Condition<R, EchoService> enabled(
          Predicate<EchoService> flag) {
    return (dependent, primary, context) -> primary.getSpec() != null && flag.test(primary);
  }

  @Override
  public List<EventSource<?, EchoService>> prepareEventSources(
      EventSourceContext<EchoService> context) {
    events = new EventRecorder(context.getClient());
    drift.recordTo(events);
    List<EventSource<?, EchoService>> sources =
        new ArrayList<>(
            EventSourceUtils.dependentEventSources(
                context, configMap, deployment, service, networkPolicy, pdb, hpa));
    // Pods are watched (read-only) to report CrashLoopBackOff, image pull failures and the like;
    // cached trimmed to those fields when one informer serves all watched namespaces. Only events
    // that change what the status reads of a pod trigger a reconcile: a rollout's pods being
    // created,
    // scheduled and started are followed through the Deployment's status instead.
    var pods =
        InformerEventSourceConfiguration.from(Pod.class, EchoService.class)
            .withName("pods")
            .withLabelSelector(Labels.MANAGED_SELECTOR)
            .withNamespacesInheritedFromController()
            .withInformerListLimit(ChildDependentResource.LIST_PAGE_SIZE)
            .withOnAddFilter(pod -> podEventMatters(null, pod))
            .withOnUpdateFilter((newPod, oldPod) -> podEventMatters(oldPod, newPod))
            .withOnDeleteFilter((pod, finalStateUnknown) -> podEventMatters(pod, null))
            .withSecondaryToPrimaryMapper(
                pod ->
                    Optional.ofNullable(pod.getMetadata().getLabels())
                        .map(l -> l.get(Labels.INSTANCE))
                        .map(
                            instance ->
                                Set.of(new ResourceID(instance, pod.getMetadata().getNamespace())))
                        .orElse(Set.of()));
    if (trimCaches) {
      pods.withItemStore(TrimmedItemStore.pods());
    }
    sources.add(new InformerEventSource<>(pods.build(), context));
    sources.add(deletions);
    podMonitorApi.bind(
        () -> context.getClient().supports(PodMonitor.class),
        () -> context.getPrimaryCache().list().map(ResourceID::fromResource));
    sources.add(podMonitorApi);
    return sources;
  }

  /**
   * Which updates of an EchoService are reconciled: a new generation (a spec change), or the paused
   * annotation set or removed (metadata, which does not move the generation). Status-only updates,
   * the operator's own among them, are not.
   */
  public static boolean reconcileOnUpdate(EchoService updated, EchoService previous) {
    return !java.util.Objects.equals(
            updated.getMetadata().getGeneration(), previous.getMetadata().getGeneration())
        || updated.paused() != previous.paused();
  }

  /**
   * Whether a pod event ({@code before} null for an add, {@code after} null for a delete) can
   * change the status: only when the pod's failing containers ({@link
   * StatusCalculator#podFailures}) differ.
   */
  static boolean podEventMatters(Pod before, Pod after) {
    List<String> was = before == null ? List.of() : StatusCalculator.podFailures(before);
    List<String> is = after == null ? List.of() : StatusCalculator.podFailures(after);
    return !was.equals(is);
  }

  /** Keeps the status just computed and publishes its readiness. */
  private void computed(EchoService es, EchoServiceStatus status) {
    published.put(es.getMetadata().getUid(), status);
    readyGauge.update(es, status);
  }

  /** Drops what is kept for a deleted EchoService, its readiness series included. */
  void forget(EchoService es) {
    published.remove(es.getMetadata().getUid());
    drift.forget(es);
    readyGauge.remove(es);
  }

  /** The status last computed for the EchoService with this UID, if still kept. */
  Optional<EchoServiceStatus> lastComputed(String uid) {
    return Optional.ofNullable(published.get(uid));
  }

  PrimaryDeletionListener deletionListener() {
    return deletions;
  }

  @Override
  public UpdateControl<EchoService> reconcile(EchoService es, Context<EchoService> context) {
    if (es.paused()) {
      // Nothing is applied or reverted; only the status says so.
      EchoServiceStatus status =
          StatusCalculator.paused(es, clock.instant(), published.get(es.getMetadata().getUid()));
      computed(es, status);
      announceTransitions(es, es.getStatus(), status);
      return patchIfChanged(es, status);
    }
    EchoServiceModel model = EchoServiceModel.of(es, config.echoServerImage());
    var result = workflow.reconcile(es, context);
    Map<String, String> applyErrors = new TreeMap<>();
    result
        .getErroredDependents()
        .forEach((dependent, error) -> applyErrors.put(kindOf(dependent), apiMessage(error)));

    Observed observed =
        new Observed(
            context.getSecondaryResource(Deployment.class).orElse(null),
            context.getSecondaryResource(Service.class).orElse(null),
            List.copyOf(context.getSecondaryResources(Pod.class)),
            applyErrors);
    String key = es.getMetadata().getUid();
    EchoServiceStatus status =
        StatusCalculator.compute(es, model, observed, clock.instant(), published.get(key));
    computed(es, status);
    announceTransitions(es, es.getStatus(), status);

    if (!applyErrors.isEmpty()) {
      // Fails the reconcile so it is retried with exponential backoff; updateErrorStatus
      // publishes the Degraded status computed here.
      throw new ChildApplyException(StatusCalculator.applyMessage(applyErrors), status);
    }
    return patchIfChanged(es, status);
  }

  /** A status patch, or none when the status is what the EchoService already shows. */
  private static UpdateControl<EchoService> patchIfChanged(
      EchoService es, EchoServiceStatus status) {
    if (Objects.equals(status, es.getStatus())) {
      return UpdateControl.noUpdate();
    }
    es.setStatus(status);
    return UpdateControl.patchStatus(es);
  }

  @Override
  public ErrorStatusUpdateControl<EchoService> updateErrorStatus(
      EchoService es, Context<EchoService> context, Exception e) {
    if (findCause(e, KubernetesClientException.class).map(k -> k.getCode() == 409).orElse(false)) {
      // An optimistic-locking conflict is routine (the object changed meanwhile): retry without
      // reporting the EchoService as degraded.
      log.debug(
          "conflict reconciling {}/{}, retrying",
          es.getMetadata().getNamespace(),
          es.getMetadata().getName());
      return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
    EchoServiceStatus status =
        findCause(e, ChildApplyException.class)
            .map(ChildApplyException::status)
            .orElseGet(
                () -> {
                  EchoServiceStatus s =
                      StatusCalculator.withError(
                          es,
                          findCause(e, ConfigException.class).isPresent()
                              ? StatusCalculator.REASON_INVALID_SETTINGS
                              : StatusCalculator.REASON_RECONCILE_ERROR,
                          apiMessage(e),
                          clock.instant(),
                          published.get(es.getMetadata().getUid()));
                  computed(es, s);
                  announceTransitions(es, es.getStatus(), s);
                  return s;
                });
    // One line per failed reconcile, with the reason; the stack trace only at debug (logback.xml
    // keeps
    // java-operator-sdk from logging each retry's stack trace at WARN).
    log.warn(
        "reconciling EchoService {}/{} failed (will retry): {}",
        es.getMetadata().getNamespace(),
        es.getMetadata().getName(),
        e.getMessage());
    log.debug(
        "reconcile failure of EchoService {}/{}",
        es.getMetadata().getNamespace(),
        es.getMetadata().getName(),
        e);
    if (Objects.equals(status, es.getStatus())) {
      return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
    es.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(es);
  }

  /** Records Events for notable condition transitions (only on change, so idle means silent). */
  void announceTransitions(EchoService es, EchoServiceStatus before, EchoServiceStatus after) {
    if (events == null) {
      return;
    }
    Optional<Condition> oldDegraded =
        before == null ? Optional.empty() : before.condition(Condition.DEGRADED);
    Optional<Condition> newDegraded = after.condition(Condition.DEGRADED);
    Optional<Condition> oldReady =
        before == null ? Optional.empty() : before.condition(Condition.READY);
    Optional<Condition> newReady = after.condition(Condition.READY);
    newDegraded.ifPresent(
        d -> {
          boolean wasDegraded =
              oldDegraded.map(o -> Condition.TRUE.equals(o.status())).orElse(false);
          if (Condition.TRUE.equals(d.status())
              && (!wasDegraded || !Objects.equals(oldDegraded.get().reason(), d.reason()))) {
            events.warning(es, d.reason(), d.message());
          } else if (!Condition.TRUE.equals(d.status()) && wasDegraded) {
            events.normal(
                es, "Recovered", "no longer degraded (was " + oldDegraded.get().reason() + ")");
          }
        });
    boolean wasPaused = before != null && before.condition(Condition.PAUSED).isPresent();
    boolean isPaused = after.condition(Condition.PAUSED).isPresent();
    if (isPaused && !wasPaused) {
      events.normal(es, "Paused", after.condition(Condition.PAUSED).get().message());
    } else if (wasPaused && !isPaused) {
      events.normal(
          es,
          "Resumed",
          "the " + EchoService.PAUSED_ANNOTATION + " annotation is gone: reconciling again");
    }
    // A kubectl scale the autoscaler overrides: told once per new count (the message names it).
    after
        .condition(Condition.SCALE_IGNORED)
        .ifPresent(
            c -> {
              Optional<Condition> old =
                  before == null ? Optional.empty() : before.condition(Condition.SCALE_IGNORED);
              if (old.isEmpty() || !Objects.equals(old.get().message(), c.message())) {
                events.warning(es, Condition.SCALE_IGNORED, c.message());
              }
            });
    newReady.ifPresent(
        r -> {
          boolean wasReady = oldReady.map(o -> Condition.TRUE.equals(o.status())).orElse(false);
          if (Condition.TRUE.equals(r.status()) && !wasReady) {
            events.normal(es, "Ready", r.message());
          } else if (!Condition.TRUE.equals(r.status()) && wasReady) {
            events.normal(es, "NotReady", r.reason() + ": " + r.message());
          }
        });
  }

  static String kindOf(DependentResource<?, ?> dependent) {
    return dependent.resourceType().getSimpleName();
  }

  /** The API server's message when there is one, else the exception's. */
  static String apiMessage(Throwable e) {
    Optional<KubernetesClientException> kce = findCause(e, KubernetesClientException.class);
    if (kce.isPresent()
        && kce.get().getStatus() != null
        && kce.get().getStatus().getMessage() != null) {
      return kce.get().getStatus().getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return Objects.toString(root.getMessage(), root.getClass().getSimpleName());
  }

  static <T extends Throwable> Optional<T> findCause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return Optional.of(type.cast(t));
      }
    }
    return Optional.empty();
  }

  /** A child could not be applied; carries the Degraded status to publish. */
  static final class ChildApplyException extends RuntimeException {
    private final transient EchoServiceStatus status;

    ChildApplyException(String message, EchoServiceStatus status) {
      super("could not apply children: " + message);
      this.status = status;
    }

    EchoServiceStatus status() {
      return status;
    }
  }
}
