package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the API server serves a kind that not every cluster has (the Prometheus Operator's
 * PodMonitor), asked through API discovery every {@link #RECHECK}, which every authenticated client
 * may read, so no rule on CustomResourceDefinitions is needed. When the answer changes (the CRDs
 * installed or removed) every EchoService is reconciled at once, so existing ones get their
 * PodMonitor without waiting for a change or the resync. {@link ApiPresentCondition} reads the
 * answer; this source produces events only, no secondary resources.
 */
final class ApiDiscoverySource extends AbstractEventSource<Void, EchoService> {

  static final Duration RECHECK = Duration.ofSeconds(15);

  private static final Logger log = LoggerFactory.getLogger(ApiDiscoverySource.class);

  private final String kind;
  private final Duration recheck;
  private volatile BooleanSupplier probe;
  private volatile Supplier<Stream<ResourceID>> primaries;
  private volatile Boolean present;
  private ScheduledExecutorService timer;

  ApiDiscoverySource(String kind, Duration recheck) {
    super(Void.class, "api-discovery-" + kind.toLowerCase(java.util.Locale.ROOT));
    this.kind = kind;
    this.recheck = recheck;
  }

  /** What to ask (discovery) and whom to reconcile on a change (the EchoServices in the cache). */
  void bind(BooleanSupplier probe, Supplier<Stream<ResourceID>> primaries) {
    this.probe = probe;
    this.primaries = primaries;
  }

  /** The last answer; asked now when there is none yet (a reconcile before the first check). */
  boolean present() {
    Boolean known = present;
    return known != null ? known : check();
  }

  /**
   * Asks discovery; on a change of the answer (not the first one, which the initial reconcile of
   * every EchoService already sees) reconciles every EchoService. A failed question keeps the
   * previous answer.
   */
  synchronized boolean check() {
    Boolean was = present;
    boolean now;
    try {
      now = probe.getAsBoolean();
    } catch (RuntimeException e) {
      log.debug("API discovery for {} failed, keeping the previous answer", kind, e);
      return was != null && was;
    }
    present = now;
    if (was != null && was != now) {
      log.info(
          "The API server {} serves {}: reconciling every EchoService",
          now ? "now" : "no longer",
          kind);
      if (getEventHandler() != null) {
        primaries.get().forEach(id -> getEventHandler().handleEvent(new Event(id)));
      }
    }
    return now;
  }

  @Override
  public synchronized void start() throws OperatorException {
    if (probe == null) {
      throw new IllegalStateException("ApiDiscoverySource for " + kind + " started before bind()");
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name());
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(() -> check(), 0, recheck.toMillis(), TimeUnit.MILLISECONDS);
    super.start();
  }

  @Override
  public synchronized void stop() throws OperatorException {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
    super.stop();
  }

  @Override
  public Set<Void> getSecondaryResources(EchoService primary) {
    return Set.of();
  }
}
