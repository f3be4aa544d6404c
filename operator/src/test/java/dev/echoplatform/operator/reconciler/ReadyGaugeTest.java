package dev.echoplatform.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoplatform.operator.api.v1alpha1.Condition;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.api.v1alpha1.EchoServiceStatus;
import dev.echoplatform.operator.resources.Fixtures;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReadyGaugeTest {

  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final ReadyGauge gauge = new ReadyGauge(registry);

  static EchoService es(String ns, String name, String uid) {
    EchoService es = Fixtures.echoService(ns, name, "");
    es.getMetadata().setUid(uid);
    return es;
  }

  static EchoServiceStatus ready(String status) {
    return new EchoServiceStatus(
        1L,
        0,
        0,
        0,
        "0/0",
        null,
        null,
        null,
        null,
        null,
        null,
        List.of(
            new Condition(
                Condition.READY, status, "Reason", "message", "2026-01-01T00:00:00Z", 1L)));
  }

  /** The value scraped for the series, empty when the series is absent. */
  static OptionalDouble scraped(PrometheusMeterRegistry registry, String ns, String name) {
    Matcher m =
        Pattern.compile(
                "(?m)^echo_operator_echoservice_ready\\{name=\""
                    + Pattern.quote(name)
                    + "\",namespace=\""
                    + Pattern.quote(ns)
                    + "\"} (\\S+)$")
            .matcher(registry.scrape());
    return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
  }

  @Test
  void oneWhileReadyIsTrueElseZero() {
    EchoService a = es("team-a", "echo", "uid-a");
    gauge.update(a, null);
    assertThat(scraped(registry, "team-a", "echo")).hasValue(0.0);
    gauge.update(a, ready("True"));
    assertThat(scraped(registry, "team-a", "echo")).hasValue(1.0);
    gauge.update(a, ready("Unknown"));
    assertThat(scraped(registry, "team-a", "echo")).hasValue(0.0);
    gauge.update(a, ready("False"));
    assertThat(scraped(registry, "team-a", "echo")).hasValue(0.0);
    assertThat(registry.scrape()).contains("# TYPE echo_operator_echoservice_ready gauge");
  }

  @Test
  void deletionRemovesOnlyThatSeriesForGood() {
    EchoService a = es("team-a", "echo", "uid-a");
    EchoService b = es("team-b", "echo", "uid-b");
    gauge.update(a, ready("True"));
    gauge.update(b, ready("True"));

    gauge.remove(a);
    assertThat(scraped(registry, "team-a", "echo")).isEmpty();
    assertThat(scraped(registry, "team-b", "echo")).hasValue(1.0);
    assertThat(registry.find(ReadyGauge.NAME).gauges()).hasSize(1);

    // A reconcile of the deleted object that finishes after the delete event does not revive it.
    gauge.update(a, ready("False"));
    assertThat(scraped(registry, "team-a", "echo")).isEmpty();
  }

  @Test
  void aRecreatedEchoServiceKeepsItsSeriesWhenTheOldOnesDeleteArrivesLate() {
    EchoService old = es("team-a", "echo", "uid-old");
    EchoService recreated = es("team-a", "echo", "uid-new");
    gauge.update(old, ready("True"));
    gauge.update(recreated, ready("False"));
    gauge.remove(old);
    assertThat(scraped(registry, "team-a", "echo")).hasValue(0.0);
    gauge.remove(recreated);
    assertThat(scraped(registry, "team-a", "echo")).isEmpty();
    assertThat(registry.find(ReadyGauge.NAME).gauges()).isEmpty();
  }

  @Test
  void readyMeansTheReadyConditionIsTrue() {
    assertThat(ReadyGauge.isReady(ready("True"))).isTrue();
    assertThat(ReadyGauge.isReady(ready("False"))).isFalse();
    assertThat(ReadyGauge.isReady(null)).isFalse();
    assertThat(
            ReadyGauge.isReady(
                new EchoServiceStatus(
                    1L, 0, 0, 0, "0/0", null, null, null, null, null, null, List.of())))
        .isFalse();
  }
}
