package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Default;
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
// echo-server's heap is 32 % of the container's memory limit and refuses to start when request bodies
// (maxInflightBodyBytes) could take more than 45 % of it; the JVM needs about 60 MiB outside the heap.
// Both are refused at admission rather than as pods that exit at start or are OOM-killed.
@ValidationRule(
    value = "quantity(has(self.resources) && has(self.resources.limits) ? self.resources.limits.memory"
        + " : '128Mi').compareTo(quantity('128Mi')) >= 0",
    message = "spec.resources.limits.memory must be at least 128Mi: echo-server's JVM needs about 60Mi besides"
        + " its heap")
@ValidationRule(
    value = "quantity(has(self.resources) && has(self.resources.limits) ? self.resources.limits.memory"
        + " : '128Mi').asApproximateFloat() >= 8.0 * double(has(self.settings)"
        + " && has(self.settings.maxInflightBodyBytes) ? self.settings.maxInflightBodyBytes : 16777216)",
    message = "spec.resources.limits.memory must be at least 8 x spec.settings.maxInflightBodyBytes (default"
        + " 16777216, i.e. 128Mi): request bodies may take at most 45 % of echo-server's heap, which is 32 % of"
        + " the memory limit")
public record EchoServiceSpec(
    @JsonPropertyDescription(
            "Container image of echo-server. Empty means the image of the operator's own release "
                + "(the operator's ECHO_SERVER_IMAGE setting).")
        @io.fabric8.generator.annotation.Pattern("^$|^[^\\s]+$")
        String image,
    @JsonPropertyDescription("Image pull policy of the echo-server container.")
        @Default("IfNotPresent")
        ImagePullPolicy imagePullPolicy,
    @JsonPropertyDescription("Names of Secrets in the same namespace used to pull the image.")
        List<@io.fabric8.generator.annotation.Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String>
            imagePullSecrets,
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
    @JsonPropertyDescription("The Service in front of the pods.")
        ServiceSettings service,
    @JsonPropertyDescription("The NetworkPolicy isolating the pods.")
        NetworkPolicySettings networkPolicy,
    @JsonPropertyDescription("The PodDisruptionBudget protecting the pods during voluntary disruptions.")
        DisruptionBudgetSettings podDisruptionBudget,
    @JsonPropertyDescription("Horizontal autoscaling (autoscaling/v2 HorizontalPodAutoscaler).")
        AutoscalingSettings autoscaling,
    @JsonPropertyDescription("Where the pods may run and how they spread.")
        SchedulingSettings scheduling,
    @JsonPropertyDescription(
            "Extra labels set on every object the operator creates and on the pods (e.g. "
                + "environment, team, cost-center). Keys under app.kubernetes.io/ are reserved.")
        Map<String, String> labels,
    @JsonPropertyDescription(
            "Extra annotations set on every object the operator creates and on the pods (e.g. "
                + "description, owner, contact, documentation, incident-channel).")
        Map<String, String> annotations,
    @JsonPropertyDescription("Annotations set on the pods only (e.g. Dapr or service-mesh annotations).")
        Map<String, String> podAnnotations) {

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
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    podAnnotations = podAnnotations == null ? Map.of() : Map.copyOf(podAnnotations);
  }

  /** A spec with every field at its default. */
  public static EchoServiceSpec defaults() {
    return new EchoServiceSpec(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** Pull policies of the echo-server container. */
  public enum ImagePullPolicy {
    Always,
    IfNotPresent,
    Never
  }
}
