package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.Condition;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.api.v1alpha1.EchoServiceStatus;
import dev.echoplatform.operator.api.v1alpha1.ServiceSettings.ServiceType;
import dev.echoplatform.operator.resources.EchoServiceModel;
import dev.echoplatform.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Computes an EchoService's status from what the operator observed. Pure: the same inputs give the
 * same status, and a condition keeps its lastTransitionTime while its status does not change.
 */
public final class StatusCalculator {

  /** Container waiting reasons that mean the pods will not become ready on their own. */
  public static final Set<String> FAILING_CONTAINER_REASONS =
      Set.of(
          "CrashLoopBackOff",
          "ImagePullBackOff",
          "ErrImagePull",
          "InvalidImageName",
          "CreateContainerConfigError",
          "CreateContainerError",
          "RunContainerError");

  // Reasons used in conditions (documented in docs/operator.md).
  public static final String REASON_APPLY_FAILED = "ApplyFailed";
  public static final String REASON_RECONCILE_ERROR = "ReconcileError";

  /**
   * The settings render to an environment echo-server would refuse at start (an API server without
   * the CRD's rules, or a CRD older than the operator): nothing was applied.
   */
  public static final String REASON_INVALID_SETTINGS = "InvalidSettings";

  public static final String REASON_REPLICA_FAILURE = "ReplicaFailure";
  public static final String REASON_PROGRESS_DEADLINE = "ProgressDeadlineExceeded";
  public static final String REASON_AS_EXPECTED = "AsExpected";
  public static final String REASON_DEPLOYMENT_MISSING = "DeploymentNotFound";
  public static final String REASON_ROLLOUT_IN_PROGRESS = "RolloutInProgress";
  public static final String REASON_ROLLOUT_COMPLETE = "RolloutComplete";
  public static final String REASON_AVAILABLE = "MinimumReplicasAvailable";
  public static final String REASON_SCALED_TO_ZERO = "ScaledToZero";
  public static final String REASON_AUTOSCALING_ENABLED = "AutoscalingEnabled";
  public static final String REASON_PAUSED = "PausedByAnnotation";

  private StatusCalculator() {}

  /** What the reconciler observed for one EchoService. */
  public record Observed(
      Deployment deployment, Service service, List<Pod> pods, Map<String, String> applyErrors) {
    public Observed {
      pods = pods == null ? List.of() : pods;
      applyErrors = applyErrors == null ? Map.of() : Map.copyOf(applyErrors);
    }
  }

  public static EchoServiceStatus compute(
      EchoService es, EchoServiceModel model, Observed observed, Instant now) {
    return compute(es, model, observed, now, null);
  }

  /**
   * Computes the status.
   *
   * @param lastPublished the status this operator last published for the EchoService, if known: the
   *     informer's copy of {@code es} can lag behind it, and transition times must not move because
   *     of that lag
   */
  public static EchoServiceStatus compute(
      EchoService es,
      EchoServiceModel model,
      Observed observed,
      Instant now,
      EchoServiceStatus lastPublished) {
    long generation = Optional.ofNullable(es.getMetadata().getGeneration()).orElse(0L);
    Deployment d = observed.deployment();
    DeploymentStatus ds =
        d == null || d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
    int replicas = orZero(ds.getReplicas());
    int ready = orZero(ds.getReadyReplicas());
    int updated = orZero(ds.getUpdatedReplicas());
    int available = orZero(ds.getAvailableReplicas());
    int desired = desiredReplicas(model, d);

    Rollout rollout = rollout(d, desired);
    Optional<Failure> failure = failure(observed, ds);
    Optional<Failure> applyFailure =
        observed.applyErrors().isEmpty()
            ? Optional.empty()
            : Optional.of(new Failure(REASON_APPLY_FAILED, applyMessage(observed.applyErrors())));

    List<Condition> conditions = new ArrayList<>();
    conditions.add(
        ready(rollout, applyFailure, failure, d == null, desired, available, generation));
    conditions.add(progressing(rollout, failure, generation));
    conditions.add(degraded(applyFailure.or(() -> failure), generation));
    scaleIgnored(es, model)
        .ifPresent(
            message ->
                conditions.add(
                    condition(
                        Condition.SCALE_IGNORED,
                        Condition.TRUE,
                        new Failure(REASON_AUTOSCALING_ENABLED, message),
                        generation)));

    int port = model.spec().service().port();
    return new EchoServiceStatus(
        generation,
        replicas,
        ready,
        updated,
        ready + "/" + desired,
        Labels.selectorString(model.name()),
        "http://" + model.name() + "." + model.namespace() + ".svc.cluster.local:" + port,
        externalUrl(model, observed.service()),
        model.image(),
        EchoServiceModel.imageVersion(model.image()),
        autoscalingRange(model),
        keepTransitionTimes(conditions, es.getStatus(), lastPublished, now));
  }

  /** A reason and its message: a failure observed, or the reason a condition states. */
  record Failure(String reason, String message) {}

  /**
   * Ready: the rollout of this generation is complete and every child was applied; otherwise why
   * not (the failed apply first, then a missing Deployment, then the failure observed, else the
   * rollout).
   */
  private static Condition ready(
      Rollout rollout,
      Optional<Failure> applyFailure,
      Optional<Failure> failure,
      boolean deploymentMissing,
      int desired,
      int available,
      long generation) {
    if (rollout.complete && applyFailure.isEmpty()) {
      return desired == 0
          ? condition(
              Condition.READY,
              Condition.TRUE,
              new Failure(REASON_SCALED_TO_ZERO, "scaled to zero replicas"),
              generation)
          : condition(
              Condition.READY,
              Condition.TRUE,
              new Failure(
                  REASON_AVAILABLE,
                  available + "/" + desired + " replicas available, rollout complete"),
              generation);
    }
    if (applyFailure.isPresent()) {
      return condition(Condition.READY, Condition.FALSE, applyFailure.get(), generation);
    }
    String reason =
        deploymentMissing
            ? REASON_DEPLOYMENT_MISSING
            : failure.map(Failure::reason).orElse(REASON_ROLLOUT_IN_PROGRESS);
    return condition(
        Condition.READY, Condition.FALSE, new Failure(reason, rollout.message), generation);
  }

  /** Progressing: False once the rollout is complete or past its deadline, else True. */
  private static Condition progressing(
      Rollout rollout, Optional<Failure> failure, long generation) {
    if (rollout.complete) {
      return condition(
          Condition.PROGRESSING,
          Condition.FALSE,
          new Failure(REASON_ROLLOUT_COMPLETE, "rollout of generation " + generation + " complete"),
          generation);
    }
    Optional<Failure> deadline = failure.filter(f -> REASON_PROGRESS_DEADLINE.equals(f.reason()));
    if (deadline.isPresent()) {
      return condition(Condition.PROGRESSING, Condition.FALSE, deadline.get(), generation);
    }
    return condition(
        Condition.PROGRESSING,
        Condition.TRUE,
        new Failure(REASON_ROLLOUT_IN_PROGRESS, rollout.message),
        generation);
  }

  /** Degraded: True with the failure (a failed apply before anything observed), else False. */
  private static Condition degraded(Optional<Failure> failure, long generation) {
    return failure
        .map(f -> condition(Condition.DEGRADED, Condition.TRUE, f, generation))
        .orElseGet(
            () ->
                condition(
                    Condition.DEGRADED,
                    Condition.FALSE,
                    new Failure(REASON_AS_EXPECTED, "no failures observed"),
                    generation));
  }

  /** A condition as computed, its transition time not yet set ({@link #keepTransitionTimes}). */
  private static Condition condition(String type, String status, Failure reason, long generation) {
    return new Condition(type, status, reason.reason(), reason.message(), null, generation);
  }

  /**
   * The status while the EchoService is paused: the last one published, with a {@code Paused}
   * condition; the other conditions are left as they were (they describe the children as last
   * seen).
   */
  public static EchoServiceStatus paused(
      EchoService es, Instant now, EchoServiceStatus lastPublished) {
    long generation = Optional.ofNullable(es.getMetadata().getGeneration()).orElse(0L);
    EchoServiceStatus previous = previousOrEmpty(es);
    List<Condition> conditions =
        new ArrayList<>(
            previous.conditions().stream()
                .filter(c -> !Condition.PAUSED.equals(c.type()))
                .toList());
    conditions.add(
        new Condition(
            Condition.PAUSED,
            Condition.TRUE,
            REASON_PAUSED,
            "reconciling is paused by the annotation "
                + EchoService.PAUSED_ANNOTATION
                + "=true: the children are neither applied nor reverted until it is removed",
            null,
            generation));
    return previous.withConditions(
        keepTransitionTimes(conditions, es.getStatus(), lastPublished, now));
  }

  private static EchoServiceStatus previousOrEmpty(EchoService es) {
    return es.getStatus() == null ? EchoServiceStatus.empty() : es.getStatus();
  }

  /** The status to publish when reconciling failed before children could be observed. */
  public static EchoServiceStatus withError(
      EchoService es, String reason, String message, Instant now, EchoServiceStatus lastPublished) {
    long generation = Optional.ofNullable(es.getMetadata().getGeneration()).orElse(0L);
    EchoServiceStatus previous = previousOrEmpty(es);
    List<Condition> conditions = new ArrayList<>();
    conditions.add(
        new Condition(Condition.READY, Condition.FALSE, reason, message, null, generation));
    previous
        .condition(Condition.PROGRESSING)
        .ifPresentOrElse(
            conditions::add,
            () ->
                conditions.add(
                    new Condition(
                        Condition.PROGRESSING,
                        Condition.UNKNOWN,
                        reason,
                        message,
                        null,
                        generation)));
    conditions.add(
        new Condition(Condition.DEGRADED, Condition.TRUE, reason, message, null, generation));
    return previous.withConditions(
        keepTransitionTimes(conditions, es.getStatus(), lastPublished, now));
  }

  /**
   * Why a {@code kubectl scale} of the EchoService does nothing, when it does nothing: autoscaling
   * is on and spec.replicas was last written through the scale subresource (its managedFields entry
   * says so). The HorizontalPodAutoscaler owns the Deployment's replica count; following
   * spec.replicas instead would fight it, so the count is left alone and the user is told.
   */
  static Optional<String> scaleIgnored(EchoService es, EchoServiceModel model) {
    if (!model.autoscaling() || es.getMetadata().getManagedFields() == null) {
      return Optional.empty();
    }
    boolean scaled =
        es.getMetadata().getManagedFields().stream()
            .filter(f -> "scale".equals(f.getSubresource()))
            .anyMatch(DeploymentDependentResource::ownsSpecReplicas);
    if (!scaled) {
      return Optional.empty();
    }
    var a = model.spec().autoscaling();
    return Optional.of(
        "spec.replicas="
            + model.spec().replicas()
            + " (set through the scale subresource, "
            + "e.g. kubectl scale) is not applied: while spec.autoscaling.enabled is true the "
            + "HorizontalPodAutoscaler owns the replica count, between spec.autoscaling.minReplicas ("
            + a.minReplicas()
            + ") and maxReplicas ("
            + a.maxReplicas()
            + "); change those instead");
  }

  /** The autoscaler's replica range, {@code min-max}, or {@code off}. */
  static String autoscalingRange(EchoServiceModel model) {
    if (!model.autoscaling()) {
      return "off";
    }
    var a = model.spec().autoscaling();
    return a.minReplicas() + "-" + a.maxReplicas();
  }

  static int desiredReplicas(EchoServiceModel model, Deployment d) {
    if (model.autoscaling()) {
      // The HPA owns the count: what the Deployment asks for is the truth.
      if (d != null && d.getSpec() != null && d.getSpec().getReplicas() != null) {
        return d.getSpec().getReplicas();
      }
      return model.spec().autoscaling().minReplicas();
    }
    return model.spec().replicas();
  }

  private record Rollout(boolean complete, String message) {}

  /** Mirrors {@code kubectl rollout status}. */
  private static Rollout rollout(Deployment d, int desired) {
    if (d == null) {
      return new Rollout(false, "Deployment not created yet");
    }
    DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
    long generation = Optional.ofNullable(d.getMetadata().getGeneration()).orElse(0L);
    long observed = Optional.ofNullable(s.getObservedGeneration()).orElse(0L);
    if (observed < generation) {
      return new Rollout(false, "waiting for the Deployment controller to observe the new spec");
    }
    int updated = orZero(s.getUpdatedReplicas());
    int replicas = orZero(s.getReplicas());
    int available = orZero(s.getAvailableReplicas());
    if (updated < desired) {
      return new Rollout(false, updated + " of " + desired + " replicas updated");
    }
    if (replicas > updated) {
      return new Rollout(false, (replicas - updated) + " old replicas pending termination");
    }
    if (available < updated || available < desired) {
      return new Rollout(false, available + " of " + desired + " updated replicas available");
    }
    return new Rollout(true, "rollout complete");
  }

  /**
   * The most relevant failure observed, if any: pods that cannot be created, a failing container,
   * the deadline.
   */
  private static Optional<Failure> failure(Observed observed, DeploymentStatus ds) {
    for (DeploymentCondition c : ds.getConditions()) {
      if ("ReplicaFailure".equals(c.getType()) && "True".equals(c.getStatus())) {
        return Optional.of(
            new Failure(
                REASON_REPLICA_FAILURE,
                "pods cannot be created: " + Objects.toString(c.getMessage(), c.getReason())));
      }
    }
    Optional<Failure> pod =
        observed.pods().stream()
            .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
            .flatMap(
                p ->
                    failingContainers(p).stream()
                        .map(
                            cs ->
                                new Failure(
                                    cs.getState().getWaiting().getReason(),
                                    "pod "
                                        + p.getMetadata().getName()
                                        + ": container "
                                        + cs.getName()
                                        + " is "
                                        + cs.getState().getWaiting().getReason()
                                        + Optional.ofNullable(
                                                cs.getState().getWaiting().getMessage())
                                            .map(m -> ": " + m)
                                            .orElse(""))))
            .findFirst();
    if (pod.isPresent()) {
      return pod;
    }
    for (DeploymentCondition c : ds.getConditions()) {
      if ("Progressing".equals(c.getType())
          && "False".equals(c.getStatus())
          && REASON_PROGRESS_DEADLINE.equals(c.getReason())) {
        return Optional.of(
            new Failure(
                REASON_PROGRESS_DEADLINE,
                Objects.toString(c.getMessage(), "the rollout exceeded its progress deadline")));
      }
    }
    return Optional.empty();
  }

  /**
   * All the status reads from a pod: each failing container's name, waiting reason and message. A
   * pod event that leaves this unchanged cannot change the status.
   */
  static List<String> podFailures(Pod p) {
    return failingContainers(p).stream()
        .map(
            cs ->
                cs.getName()
                    + ": "
                    + cs.getState().getWaiting().getReason()
                    + ": "
                    + cs.getState().getWaiting().getMessage())
        .toList();
  }

  private static List<ContainerStatus> failingContainers(Pod p) {
    if (p.getStatus() == null) {
      return List.of();
    }
    List<ContainerStatus> all = new ArrayList<>(p.getStatus().getInitContainerStatuses());
    all.addAll(p.getStatus().getContainerStatuses());
    return all.stream()
        .filter(
            cs ->
                cs.getState() != null
                    && cs.getState().getWaiting() != null
                    && FAILING_CONTAINER_REASONS.contains(cs.getState().getWaiting().getReason()))
        .toList();
  }

  static String applyMessage(Map<String, String> errors) {
    StringBuilder sb = new StringBuilder();
    errors.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              if (sb.length() > 0) {
                sb.append("; ");
              }
              sb.append(e.getKey()).append(": ").append(e.getValue());
            });
    return sb.toString();
  }

  private static String externalUrl(EchoServiceModel model, Service service) {
    if (model.spec().service().type() != ServiceType.LoadBalancer
        || service == null
        || service.getStatus() == null
        || service.getStatus().getLoadBalancer() == null) {
      return null;
    }
    return service.getStatus().getLoadBalancer().getIngress().stream()
        .map(
            i ->
                i.getHostname() != null && !i.getHostname().isEmpty() ? i.getHostname() : i.getIp())
        .filter(Objects::nonNull)
        .findFirst()
        .map(
            host ->
                "http://"
                    + (host.contains(":") ? "[" + host + "]" : host)
                    + ":"
                    + model.spec().service().port())
        .orElse(null);
  }

  /** Keeps each condition's lastTransitionTime unless its status changed. */
  static List<Condition> keepTransitionTimes(
      List<Condition> conditions,
      EchoServiceStatus previous,
      EchoServiceStatus lastPublished,
      Instant now) {
    String nowText = now.truncatedTo(ChronoUnit.SECONDS).toString();
    return conditions.stream()
        .map(
            c ->
                sameStatusSince(c, previous)
                    .or(() -> sameStatusSince(c, lastPublished))
                    .map(c::withLastTransitionTime)
                    .orElseGet(() -> c.withLastTransitionTime(nowText)))
        .toList();
  }

  private static Optional<String> sameStatusSince(Condition c, EchoServiceStatus status) {
    return Optional.ofNullable(status)
        .flatMap(s -> s.condition(c.type()))
        .filter(old -> old.status().equals(c.status()) && old.lastTransitionTime() != null)
        .map(Condition::lastTransitionTime);
  }

  private static int orZero(Integer i) {
    return i == null ? 0 : i;
  }
}
