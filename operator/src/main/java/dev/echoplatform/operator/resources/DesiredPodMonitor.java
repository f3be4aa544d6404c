package dev.echoplatform.operator.resources;

import dev.echoplatform.operator.api.monitoring.PodMonitor;
import dev.echoplatform.operator.api.v1alpha1.MonitoringSettings;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Desired PodMonitor (monitoring.coreos.com/v1): the pods' management port {@code /metrics} at the
 * EchoService's interval, with the label {@code echoservice} (the pods' instance label) on every
 * series, which the chart's fleet alerts and dashboard group by; Prometheus adds {@code namespace}
 * and {@code pod}.
 */
public final class DesiredPodMonitor {

  /** The label the series carry: the EchoService's name. */
  public static final String ECHOSERVICE_LABEL = "echoservice";

  private DesiredPodMonitor() {}

  public static PodMonitor build(EchoServiceModel m) {
    MonitoringSettings monitoring = m.spec().monitoring();
    PodMonitor pm = new PodMonitor();
    pm.setMetadata(m.childMetadata());
    Map<String, String> labels = new TreeMap<>(monitoring.labels());
    labels.putAll(pm.getMetadata().getLabels());
    pm.getMetadata().setLabels(labels);
    Map<String, Object> endpoint =
        Map.of(
            "port",
            EchoServiceModel.MANAGEMENT_PORT_NAME,
            "path",
            "/metrics",
            "interval",
            monitoring.interval(),
            "relabelings",
            List.of(
                Map.of(
                    "action",
                    "replace",
                    "sourceLabels",
                    List.of("__meta_kubernetes_pod_label_app_kubernetes_io_instance"),
                    "targetLabel",
                    ECHOSERVICE_LABEL)));
    pm.setAdditionalProperty(
        "spec",
        Map.of(
            "selector", Map.of("matchLabels", m.selector()),
            "podMetricsEndpoints", List.of(endpoint)));
    return pm;
  }
}
