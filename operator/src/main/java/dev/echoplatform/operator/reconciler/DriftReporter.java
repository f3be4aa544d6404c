package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the owner of an EchoService when the operator takes a child back from another field
 * manager: a Warning Event {@value #REASON} on the EchoService naming the child, the fields and who
 * set them ({@link Drift}), and the list entries it removes, and the same in the log. At most one
 * Event per child in {@link #WINDOW}: a fight with another controller that sets the same fields
 * again is reported once per window, with the number of reverts since the last Event, instead of on
 * every reconcile.
 */
final class DriftReporter {

  static final String REASON = "DriftReverted";
  static final Duration WINDOW = Duration.ofMinutes(5);

  private static final Logger log = LoggerFactory.getLogger(DriftReporter.class);

  private final Clock clock;
  private volatile EventRecorder events;

  /**
   * Per child (EchoService UID, kind, name): when its last Event was written, and reverts not
   * reported since.
   */
  private final Map<String, Window> windows =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
              return size() > 20_000;
            }
          });

  private record Window(Instant reported, int suppressed) {}

  DriftReporter(Clock clock) {
    this.clock = clock;
  }

  void recordTo(EventRecorder events) {
    this.events = events;
  }

  /**
   * Reports what updating {@code live} to {@code desired} takes back; nothing when nothing was
   * changed by another manager (the update only carries a new spec).
   *
   * @param foreignEntries list entries the update removes ({@link
   *     ChildDependentResource#foreignEntries})
   */
  void report(
      EchoService primary,
      HasMetadata live,
      HasMetadata desired,
      String ownManager,
      List<String> foreignEntries) {
    List<Drift.Field> fields = Drift.of(live, desired, ownManager);
    if (fields.isEmpty() && foreignEntries.isEmpty()) {
      return;
    }
    String child = live.getKind() + " " + live.getMetadata().getName();
    List<String> parts = new ArrayList<>(2);
    if (!fields.isEmpty()) {
      parts.add(
          "reverted "
              + fields.stream().map(Drift.Field::toString).collect(Collectors.joining(", ")));
    }
    if (!foreignEntries.isEmpty()) {
      parts.add(
          "removed list entries the EchoService does not declare: "
              + String.join(", ", foreignEntries));
    }
    String message = child + ": " + String.join("; ", parts);
    log.warn(
        "EchoService {}/{}: {}",
        primary.getMetadata().getNamespace(),
        primary.getMetadata().getName(),
        message);
    String key =
        primary.getMetadata().getUid() + "/" + live.getKind() + "/" + live.getMetadata().getName();
    Instant now = clock.instant();
    Window last = windows.get(key);
    if (last != null && now.isBefore(last.reported().plus(WINDOW))) {
      windows.put(key, new Window(last.reported(), last.suppressed() + 1));
      return;
    }
    windows.put(key, new Window(now, 0));
    EventRecorder recorder = events;
    if (recorder != null) {
      String more =
          last == null || last.suppressed() == 0
              ? ""
              : " (and "
                  + last.suppressed()
                  + " more revert"
                  + (last.suppressed() == 1 ? "" : "s")
                  + " of "
                  + child
                  + " since the last such Event)";
      recorder.warning(primary, REASON, message + more);
    }
  }

  /** Drops what is kept for a deleted EchoService. */
  void forget(EchoService primary) {
    String prefix = primary.getMetadata().getUid() + "/";
    synchronized (windows) {
      windows.keySet().removeIf(k -> k.startsWith(prefix));
    }
  }
}
