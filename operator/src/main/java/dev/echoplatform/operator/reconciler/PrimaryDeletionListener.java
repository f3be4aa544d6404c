package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Tells the reconciler when an EchoService is gone, so it can drop what it keeps per EchoService.
 *
 * <p>java-operator-sdk broadcasts the controller informer's events to every event source that is
 * {@link ResourceEventAware}; this source only listens (it produces no events and no secondary
 * resources). Unlike a {@code Cleaner} it needs no finalizer, so deleting an EchoService never
 * waits for the operator; an EchoService deleted while no operator runs leaves nothing behind
 * either, because the state it would clear lives only in the operator's memory.
 */
final class PrimaryDeletionListener extends AbstractEventSource<Void, EchoService>
    implements ResourceEventAware<EchoService> {

  static final String NAME = "echoservice-deletions";

  private final Consumer<EchoService> onDeleted;

  PrimaryDeletionListener(Consumer<EchoService> onDeleted) {
    super(Void.class, NAME);
    this.onDeleted = onDeleted;
  }

  @Override
  public void onResourceDeleted(EchoService resource) {
    onDeleted.accept(resource);
  }

  @Override
  public Set<Void> getSecondaryResources(EchoService primary) {
    return Set.of();
  }
}
