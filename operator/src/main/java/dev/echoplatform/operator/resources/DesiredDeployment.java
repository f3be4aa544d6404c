package dev.echoplatform.operator.resources;

import dev.echoplatform.config.ServerConfig;
import dev.echoplatform.operator.api.v1alpha1.AutoscalingSettings;
import dev.echoplatform.operator.api.v1alpha1.EchoServiceSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Desired Deployment of echo-server. */
public final class DesiredDeployment {

  /** Seconds of grace beyond the server's own drain (shutdown delay + timeout). */
  public static final long TERMINATION_GRACE_MARGIN_SECONDS = 5;

  public static final long RUN_AS_ID = 10001L;

  private DesiredDeployment() {}

  /**
   * The replica count a new Deployment starts with while autoscaling is on: {@code spec.replicas}
   * within the autoscaler's bounds. Without it the API server's default of 1 would serve until the
   * autoscaler's first sync, and an EchoService asking for at least 3 pods would report Ready on 1.
   */
  public static int startingReplicas(EchoServiceModel m) {
    AutoscalingSettings a = m.spec().autoscaling();
    return Math.max(a.minReplicas(), Math.min(a.maxReplicas(), m.spec().replicas()));
  }

  /**
   * The conventional scrape annotations, read by Prometheus set-ups that discover pods by
   * annotation (the kubernetes-pods job of the Prometheus Helm chart and many others): the metrics
   * are on the management port. An EchoService's annotations or podAnnotations may override them
   * (e.g. {@code prometheus.io/scrape: "false"}).
   */
  static final Map<String, String> SCRAPE_ANNOTATIONS =
      Map.of(
          "prometheus.io/scrape", "true",
          "prometheus.io/port", Integer.toString(EchoServiceModel.MANAGEMENT_PORT),
          "prometheus.io/path", "/metrics");

  public static Deployment build(EchoServiceModel m) {
    EchoServiceSpec spec = m.spec();
    Map<String, String> podAnnotations = new TreeMap<>(SCRAPE_ANNOTATIONS);
    podAnnotations.putAll(m.annotations());
    podAnnotations.putAll(spec.podAnnotations());
    podAnnotations.put(EchoServiceModel.CONFIG_HASH_ANNOTATION, m.configHash());

    return new DeploymentBuilder()
        .withMetadata(m.childMetadata())
        .withNewSpec()
        // With autoscaling on, the HorizontalPodAutoscaler owns replicas: leave the field out.
        .withReplicas(m.autoscaling() ? null : spec.replicas())
        .withSelector(new LabelSelectorBuilder().withMatchLabels(m.selector()).build())
        .withNewStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxSurge(new IntOrString(1))
        .withMaxUnavailable(new IntOrString(0))
        .endRollingUpdate()
        .endStrategy()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(new TreeMap<>(m.labels()))
        .withAnnotations(podAnnotations)
        .endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(terminationGracePeriodSeconds(m.server()))
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(RUN_AS_ID)
        .withRunAsGroup(RUN_AS_ID)
        .withFsGroup(RUN_AS_ID)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withImagePullSecrets(
            spec.imagePullSecrets().stream().map(LocalObjectReference::new).toList())
        .withContainers(container(m))
        .addNewVolume()
        .withName("tmp")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .withNodeSelector(new TreeMap<>(spec.scheduling().nodeSelector()))
        .withTolerations(spec.scheduling().tolerations())
        .withAffinity(spec.scheduling().affinity())
        .withTopologySpreadConstraints(topologySpread(m))
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  static Container container(EchoServiceModel m) {
    EchoServiceSpec spec = m.spec();
    var resources = spec.resources();
    return new ContainerBuilder()
        .withName(EchoServiceModel.CONTAINER_NAME)
        .withImage(m.image())
        .withImagePullPolicy(spec.imagePullPolicy().name())
        .addNewPort()
        .withName(EchoServiceModel.PORT_NAME)
        .withContainerPort(EchoServiceModel.CONTAINER_PORT)
        .withProtocol("TCP")
        .endPort()
        .addNewPort()
        .withName(EchoServiceModel.MANAGEMENT_PORT_NAME)
        .withContainerPort(EchoServiceModel.MANAGEMENT_PORT)
        .withProtocol("TCP")
        .endPort()
        .addNewEnvFrom()
        .withNewConfigMapRef()
        .withName(m.name())
        .endConfigMapRef()
        .endEnvFrom()
        .withNewResources()
        .addToRequests("cpu", resources.requests().cpu())
        .addToRequests("memory", resources.requests().memory())
        .addToLimits("cpu", resources.limits().cpu())
        .addToLimits("memory", resources.limits().memory())
        .endResources()
        .withLivenessProbe(probe("/healthz", 10, 10, 3, 3))
        .withReadinessProbe(probe("/readyz", 5, 5, 2, 3))
        // Up to 60 s to start before liveness applies; slow starts are not killed.
        .withStartupProbe(probe("/healthz", 0, 2, 2, 30))
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withRunAsUser(RUN_AS_ID)
        .withRunAsGroup(RUN_AS_ID)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount()
        .build();
  }

  static Probe probe(String path, int initialDelay, int period, int timeout, int failures) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        // The management port: client traffic on the serving port (its connections, its rate-limit
        // buckets) can never make a probe fail.
        .withPort(new IntOrString(EchoServiceModel.MANAGEMENT_PORT_NAME))
        .withScheme("HTTP")
        .endHttpGet()
        // 0 is the default and the API server omits a zero initialDelaySeconds (not a pointer in
        // the API): stating it would make every later server-side-apply comparison see a
        // difference.
        .withInitialDelaySeconds(initialDelay == 0 ? null : initialDelay)
        .withPeriodSeconds(period)
        .withTimeoutSeconds(timeout)
        .withFailureThreshold(failures)
        .withSuccessThreshold(1)
        .build();
  }

  /**
   * Longer than the server's drain (shutdown delay + shutdown timeout), rounded up, plus margin.
   */
  public static long terminationGracePeriodSeconds(ServerConfig server) {
    Duration drain = server.shutdownDelay().plus(server.shutdownTimeout());
    long seconds = drain.getSeconds() + (drain.getNano() > 0 ? 1 : 0);
    return seconds + TERMINATION_GRACE_MARGIN_SECONDS;
  }

  static List<TopologySpreadConstraint> topologySpread(EchoServiceModel m) {
    List<TopologySpreadConstraint> configured = m.spec().scheduling().topologySpreadConstraints();
    if (configured.isEmpty()) {
      return List.of(
          new TopologySpreadConstraintBuilder()
              .withMaxSkew(1)
              .withTopologyKey("kubernetes.io/hostname")
              .withWhenUnsatisfiable("ScheduleAnyway")
              .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(m.selector()).build())
              .build());
    }
    return configured.stream()
        .map(
            c ->
                c.getLabelSelector() != null
                    ? c
                    : new TopologySpreadConstraintBuilder(c)
                        .withLabelSelector(
                            new LabelSelectorBuilder().withMatchLabels(m.selector()).build())
                        .build())
        .toList();
  }
}
