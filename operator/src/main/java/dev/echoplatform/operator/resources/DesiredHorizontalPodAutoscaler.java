package dev.echoplatform.operator.resources;

import dev.echoplatform.operator.api.v1alpha1.AutoscalingSettings;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicyBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * Desired autoscaling/v2 HorizontalPodAutoscaler: a CPU utilisation target (and a memory one when
 * the EchoService sets it, see {@link AutoscalingSettings}), scale up fast (no stabilisation;
 * double or add 4 pods every 15 s, whichever is more), scale down slowly (the configured
 * stabilisation window, default 300 s).
 */
public final class DesiredHorizontalPodAutoscaler {

  private DesiredHorizontalPodAutoscaler() {}

  public static HorizontalPodAutoscaler build(EchoServiceModel m) {
    AutoscalingSettings a = m.spec().autoscaling();
    return new HorizontalPodAutoscalerBuilder()
        .withMetadata(m.childMetadata())
        .withNewSpec()
        .withNewScaleTargetRef()
        .withApiVersion("apps/v1")
        .withKind("Deployment")
        .withName(m.name())
        .endScaleTargetRef()
        .withMinReplicas(a.minReplicas())
        .withMaxReplicas(a.maxReplicas())
        .withMetrics(metrics(a))
        .withNewBehavior()
        .withNewScaleUp()
        .withStabilizationWindowSeconds(0)
        .withSelectPolicy("Max")
        .withPolicies(
            new HPAScalingPolicyBuilder()
                .withType("Percent")
                .withValue(100)
                .withPeriodSeconds(15)
                .build(),
            new HPAScalingPolicyBuilder()
                .withType("Pods")
                .withValue(4)
                .withPeriodSeconds(15)
                .build())
        .endScaleUp()
        .withNewScaleDown()
        .withStabilizationWindowSeconds(a.scaleDownStabilizationWindowSeconds())
        .withSelectPolicy("Max")
        .withPolicies(
            new HPAScalingPolicyBuilder()
                .withType("Percent")
                .withValue(100)
                .withPeriodSeconds(15)
                .build())
        .endScaleDown()
        .endBehavior()
        .endSpec()
        .build();
  }

  static List<MetricSpec> metrics(AutoscalingSettings a) {
    List<MetricSpec> metrics = new ArrayList<>();
    metrics.add(utilisation("cpu", a.targetCPUUtilizationPercentage()));
    if (a.targetMemoryUtilizationPercentage() != null) {
      metrics.add(utilisation("memory", a.targetMemoryUtilizationPercentage()));
    }
    return metrics;
  }

  static MetricSpec utilisation(String resource, int percent) {
    return new MetricSpecBuilder()
        .withType("Resource")
        .withNewResource()
        .withName(resource)
        .withNewTarget()
        .withType("Utilization")
        .withAverageUtilization(percent)
        .endTarget()
        .endResource()
        .build();
  }
}
