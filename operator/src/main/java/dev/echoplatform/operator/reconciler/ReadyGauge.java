package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.Condition;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.api.v1alpha1.EchoServiceStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gauge {@code echo_operator_echoservice_ready{namespace, name}}: 1 while the EchoService's
 * {@code Ready} condition is {@code True}, else 0. One series per existing EchoService: it is set
 * whenever the status is computed and removed when the EchoService is deleted, so deleted
 * EchoServices leave no stale series behind.
 */
public final class ReadyGauge {

  /** Micrometer name; Prometheus exposes it as {@code echo_operator_echoservice_ready}. */
  public static final String NAME = "echo.operator.echoservice.ready";

  /** How many deleted UIDs are remembered, so that a reconcile finishing late cannot revive one. */
  private static final int DELETED_UIDS_KEPT = 10_000;

  private record Series(String uid, AtomicInteger value, Gauge gauge) {}

  private final MeterRegistry registry;
  private final Map<String, Series> series = new HashMap<>();
  private final Map<String, Boolean> deletedUids =
      new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > DELETED_UIDS_KEPT;
        }
      };

  public ReadyGauge(MeterRegistry registry) {
    this.registry = registry;
  }

  static boolean isReady(EchoServiceStatus status) {
    return status != null
        && status
            .condition(Condition.READY)
            .map(c -> Condition.TRUE.equals(c.status()))
            .orElse(false);
  }

  /** Records the readiness of {@code es} as computed in {@code status}. */
  public synchronized void update(EchoService es, EchoServiceStatus status) {
    String uid = es.getMetadata().getUid();
    if (uid != null && deletedUids.containsKey(uid)) {
      return;
    }
    String key = key(es);
    Series s = series.get(key);
    if (s != null && !java.util.Objects.equals(s.uid(), uid)) {
      // Same name, new object (deleted and re-created): the series continues under the new UID.
      s = new Series(uid, s.value(), s.gauge());
      series.put(key, s);
    }
    if (s == null) {
      AtomicInteger value = new AtomicInteger();
      Gauge gauge =
          Gauge.builder(NAME, value, AtomicInteger::get)
              .description("1 while the EchoService's Ready condition is True, else 0")
              .tag("namespace", es.getMetadata().getNamespace())
              .tag("name", es.getMetadata().getName())
              .register(registry);
      s = new Series(uid, value, gauge);
      series.put(key, s);
    }
    s.value().set(isReady(status) ? 1 : 0);
  }

  /** Removes the series of a deleted EchoService (unless a newer object of that name owns it). */
  public synchronized void remove(EchoService es) {
    String uid = es.getMetadata().getUid();
    if (uid != null) {
      deletedUids.put(uid, Boolean.TRUE);
    }
    String key = key(es);
    Series s = series.get(key);
    if (s != null && (uid == null || uid.equals(s.uid()))) {
      series.remove(key);
      registry.remove(s.gauge());
    }
  }

  private static String key(EchoService es) {
    return es.getMetadata().getNamespace() + "/" + es.getMetadata().getName();
  }
}
