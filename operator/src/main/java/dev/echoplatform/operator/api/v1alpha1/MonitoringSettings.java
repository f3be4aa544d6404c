package dev.echoplatform.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** Scraping of the pods by the Prometheus Operator: a PodMonitor per EchoService. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.interval) || self.interval.matches(r'^[1-9][0-9]*(ms|s|m|h)$')",
    message = "spec.monitoring.interval must be a Prometheus duration such as 15s, 30s or 1m",
    fieldPath = ".interval")
public record MonitoringSettings(
    @JsonPropertyDescription(
            "Whether the operator creates a PodMonitor (monitoring.coreos.com/v1) for the pods' management port. It "
                + "is created only where the Prometheus Operator's CRDs are installed; elsewhere nothing is "
                + "created and nothing is reported. The pods also carry prometheus.io/scrape annotations.")
        @Default("true")
        Boolean enabled,
    @JsonPropertyDescription("Scrape interval of the PodMonitor.") @Default("30s") @Size(max = 16)
        String interval,
    @JsonPropertyDescription(
            "Extra labels on the PodMonitor, e.g. the release label your Prometheus selects PodMonitors by.")
        Map<String, String> labels) {

  public MonitoringSettings {
    enabled = enabled == null || enabled;
    interval = interval == null ? "30s" : interval;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  public static MonitoringSettings defaults() {
    return new MonitoringSettings(null, null, null);
  }
}
