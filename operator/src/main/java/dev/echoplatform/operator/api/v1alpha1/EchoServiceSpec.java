package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.echoplatform.config.ServerConfig;
import dev.echoplatform.config.Setting;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.List;
import java.util.Map;

/**
 * Desired state of an EchoService. Missing values take the documented defaults, both in the schema
 * (applied by the API server) and here (so the operator behaves the same on objects stored before a
 * default existed).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.labels) || self.labels.all(k, !k.startsWith('app.kubernetes.io/'))",
    fieldPath = ".labels",
    message = "spec.labels must not set app.kubernetes.io/ keys: the operator sets them")
// echo-server's heap is 32 % of the container's memory limit and refuses to start when request
// bodies
// (maxInflightBodyBytes) could take more than 45 % of it; the JVM needs about 60 MiB outside the
// heap.
// Both are refused at admission rather than as pods that exit at start or are OOM-killed.
@ValidationRule(
    value =
        "!isQuantity("
            + EchoServiceSpec.MEMORY_LIMIT
            + ") || quantity("
            + EchoServiceSpec.MEMORY_LIMIT
            + ").compareTo(quantity('"
            + ResourceSettings.DEFAULT_MEMORY
            + "')) >= 0",
    message =
        "spec.resources.limits.memory must be at least 128Mi: echo-server's JVM needs about 60Mi besides"
            + " its heap")
@ValidationRule(
    value =
        "!isQuantity("
            + EchoServiceSpec.MEMORY_LIMIT
            + ") || quantity("
            + EchoServiceSpec.MEMORY_LIMIT
            + ").asApproximateFloat() >= 8.0 * double(has(self.settings)"
            + " && has(self.settings.maxInflightBodyBytes) ? self.settings.maxInflightBodyBytes : "
            + Setting.DEFAULT_MAX_INFLIGHT_BODY_BYTES
            + ")",
    message =
        "spec.resources.limits.memory must be at least 8 x spec.settings.maxInflightBodyBytes (default "
            + Setting.DEFAULT_MAX_INFLIGHT_BODY_BYTES
            + ", i.e. 128Mi): request bodies may take at most "
            + ServerConfig.BUDGET_PERCENT_OF_HEAP
            + " % of echo-server's heap, which is 32 % of the memory limit")
@ValidationRule(
    value = "!has(self.image) || self.image.matches(r'^[^\\s]*$')",
    fieldPath = ".image",
    message =
        "spec.image must not contain whitespace, e.g. ghcr.io/echo-platform/echo-server:0.1.0")
@ValidationRule(
    value =
        "!has(self.imagePullSecrets) || self.imagePullSecrets.all(n, n.matches(r'^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'))",
    fieldPath = ".imagePullSecrets",
    message =
        "spec.imagePullSecrets entries must each be a Secret name: lower-case letters, digits, '-' and '.',"
            + " starting and ending with a letter or digit")
public record EchoServiceSpec(
    @JsonPropertyDescription(
            "Container image of echo-server. Empty means the image of the operator's own release "
                + "(the operator's ECHO_SERVER_IMAGE setting).")
        @Size(max = 1024)
        String image,
    @JsonPropertyDescription("Image pull policy of the echo-server container.")
        @Default("IfNotPresent")
        ImagePullPolicy imagePullPolicy,
    @JsonPropertyDescription("Names of Secrets in the same namespace used to pull the image.")
        @Size(max = 32)
        List<@Size(max = 253) String> imagePullSecrets,
    @JsonPropertyDescription(
            "Number of echo-server pods. Ignored while autoscaling is enabled (the "
                + "HorizontalPodAutoscaler owns the replica count then).")
        @Default("2")
        @Min(0)
        @Max(1000)
        @SpecReplicas
        Integer replicas,
    @JsonPropertyDescription("echo-server settings, passed to the server as environment variables.")
        ServerSettings settings,
    @JsonPropertyDescription("CPU and memory requests and limits of the echo-server container.")
        ResourceSettings resources,
    // Defaulted to {} so that its own defaults (type, port) are applied and stored: kubectl get -o
    // wide
    // prints spec.service.type.
    @JsonPropertyDescription("The Service in front of the pods.") @Default("{}")
        ServiceSettings service,
    @JsonPropertyDescription("The NetworkPolicy isolating the pods.")
        NetworkPolicySettings networkPolicy,
    @JsonPropertyDescription(
            "The PodDisruptionBudget protecting the pods during voluntary disruptions.")
        DisruptionBudgetSettings podDisruptionBudget,
    @JsonPropertyDescription("Horizontal autoscaling (autoscaling/v2 HorizontalPodAutoscaler).")
        AutoscalingSettings autoscaling,
    @JsonPropertyDescription("Where the pods may run and how they spread.")
        SchedulingSettings scheduling,
    @JsonPropertyDescription(
            "Scraping of the pods' metrics by the Prometheus Operator (a PodMonitor).")
        MonitoringSettings monitoring,
    @JsonPropertyDescription(
            "Extra labels set on every object the operator creates and on the pods (e.g. "
                + "environment, team, cost-center). Keys under app.kubernetes.io/ are reserved.")
        Map<String, String> labels,
    @JsonPropertyDescription(
            "Extra annotations set on every object the operator creates and on the pods (e.g. "
                + "description, owner, contact, documentation, incident-channel).")
        Map<String, String> annotations,
    @JsonPropertyDescription(
            "Annotations set on the pods only (e.g. Dapr or service-mesh annotations).")
        Map<String, String> podAnnotations) {

  /** CEL: the memory limit the pods get, as a string (the default when unset). */
  static final String MEMORY_LIMIT =
      "(has(self.resources) && has(self.resources.limits)"
          + " && has(self.resources.limits.memory) ? string(self.resources.limits.memory) : '"
          + ResourceSettings.DEFAULT_MEMORY
          + "')";

  public static final int DEFAULT_REPLICAS = 2;

  public EchoServiceSpec {
    imagePullPolicy = imagePullPolicy == null ? ImagePullPolicy.IfNotPresent : imagePullPolicy;
    imagePullSecrets = imagePullSecrets == null ? List.of() : List.copyOf(imagePullSecrets);
    replicas = replicas == null ? DEFAULT_REPLICAS : replicas;
    settings = settings == null ? ServerSettings.defaults() : settings;
    resources = resources == null ? ResourceSettings.defaults() : resources;
    service = service == null ? ServiceSettings.defaults() : service;
    networkPolicy = networkPolicy == null ? NetworkPolicySettings.defaults() : networkPolicy;
    podDisruptionBudget =
        podDisruptionBudget == null ? DisruptionBudgetSettings.defaults() : podDisruptionBudget;
    autoscaling = autoscaling == null ? AutoscalingSettings.defaults() : autoscaling;
    scheduling = scheduling == null ? SchedulingSettings.defaults() : scheduling;
    monitoring = monitoring == null ? MonitoringSettings.defaults() : monitoring;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    podAnnotations = podAnnotations == null ? Map.of() : Map.copyOf(podAnnotations);
  }

  /** A spec with every field at its default. */
  public static EchoServiceSpec defaults() {
    return new EchoServiceSpec(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** Pull policies of the echo-server container. */
  public enum ImagePullPolicy {
    Always,
    IfNotPresent,
    Never
  }
}
