package dev.echoplatform.operator;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows whether this replica leads, and decides what losing the Lease means.
 *
 * <p>Losing the Lease while running means another replica may already reconcile: the process exits
 * (status 1) so that it is restarted as a standby and never reconciles in parallel with the new
 * leader. Giving up the Lease because the process is shutting down (SIGTERM) is expected and must
 * not exit: {@code System.exit} called from a shutdown hook, where java-operator-sdk reports the
 * stop of leading while the operator stops, blocks forever waiting for the hooks to finish.
 */
public final class Leadership {

  /** Exit status when the Lease is lost while running. */
  public static final int LOST_LEASE_EXIT_STATUS = 1;

  private static final Logger log = LoggerFactory.getLogger(Leadership.class);

  private final AtomicBoolean leading;
  private final AtomicBoolean shuttingDown = new AtomicBoolean();
  private final IntConsumer exit;

  /**
   * @param leading whether this replica leads from the start (true without leader election)
   * @param exit ends the process with the given status; called at most once, never while shutting
   *     down
   */
  public Leadership(boolean leading, IntConsumer exit) {
    this.leading = new AtomicBoolean(leading);
    this.exit = exit;
  }

  /** A process exit that does not block the caller (a leader-election thread). */
  public static IntConsumer systemExit() {
    return status -> {
      Thread t = new Thread(() -> System.exit(status), "lost-lease-exit");
      t.start();
    };
  }

  public boolean isLeading() {
    return leading.get();
  }

  /**
   * Called (through the leader-election callbacks) with {@code true} on start, {@code false} on
   * stop.
   */
  public void leadershipChanged(boolean isLeader) {
    if (isLeader) {
      leading.set(true);
      log.info("leading: reconciling EchoServices");
      return;
    }
    boolean wasLeading = leading.getAndSet(false);
    if (shuttingDown.get()) {
      log.info("stopped leading: shutting down");
    } else {
      // Also when the election ends before this replica ever led: a standby that no longer
      // competes for the Lease could never take over.
      log.error(
          "{} while running; exiting with status {} to restart as a standby",
          wasLeading ? "lost the leader Lease" : "leader election ended",
          LOST_LEASE_EXIT_STATUS);
      exit.accept(LOST_LEASE_EXIT_STATUS);
    }
  }

  /** Marks the start of an orderly shutdown: from now on stopping to lead is expected. */
  public void shuttingDown() {
    shuttingDown.set(true);
  }
}
