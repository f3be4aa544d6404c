package dev.echoplatform.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An informer store that trims each object, in place, before caching it: the informers' caches hold
 * every EchoService, child and pod the operator watches, and most of a full object is never read.
 * At a thousand EchoServices the managed fields of other managers and the pods' specs are most of
 * the cache (docs/operator-scale.md).
 *
 * <p>What is kept is exactly what the operator reads:
 *
 * <ul>
 *   <li>{@link #children}: everything but the managedFields entries of other field managers.
 *       JOSDK's server-side-apply matcher compares only the fields this operator's own entry lists,
 *       and {@link DeploymentDependentResource} reads only that entry too.
 *   <li>{@link #primaries}: everything but managedFields, except the entries written through the
 *       scale subresource, which tell {@link StatusCalculator} of a {@code kubectl scale} (the
 *       status is patched with a fresh apply that carries none).
 *   <li>{@link #pods}: the metadata without managedFields, no spec, and of the status only the
 *       phase and each container's name, readiness, restarts and waiting reason and message, which
 *       is what {@link StatusCalculator} reads.
 * </ul>
 *
 * <p>The object is trimmed in place, so the event handlers of the informer see the same trimmed
 * object the cache holds. A store must serve a single informer: java-operator-sdk hands the same
 * store to the informer of every watched namespace, and an informer re-listing its namespace
 * removes the keys it did not list, other namespaces' included. {@link #usable} says when trimming
 * stores can be installed.
 */
public final class TrimmedItemStore<R extends HasMetadata> extends BasicItemStore<R> {

  private final Consumer<R> trim;

  private TrimmedItemStore(Consumer<R> trim) {
    super(Cache::metaNamespaceKeyFunc);
    this.trim = trim;
  }

  /** Whether one informer per kind is created: all namespaces watched, or exactly one. */
  public static boolean usable(java.util.Set<String> watchNamespaces) {
    return watchNamespaces.size() <= 1;
  }

  /** A store for a child kind, keeping only {@code fieldManager}'s managedFields entries. */
  public static <R extends HasMetadata> TrimmedItemStore<R> children(String fieldManager) {
    return new TrimmedItemStore<>(r -> keepManagedFieldsOf(r, fieldManager));
  }

  /**
   * A store for the primary resource (EchoService), without managedFields but the scale
   * subresource's.
   */
  public static <R extends HasMetadata> TrimmedItemStore<R> primaries() {
    return new TrimmedItemStore<>(TrimmedItemStore::keepScaleEntries);
  }

  static void keepScaleEntries(HasMetadata resource) {
    List<ManagedFieldsEntry> entries = resource.getMetadata().getManagedFields();
    if (entries == null || entries.isEmpty()) {
      return;
    }
    List<ManagedFieldsEntry> kept =
        entries.stream().filter(e -> "scale".equals(e.getSubresource())).toList();
    resource.getMetadata().setManagedFields(kept.isEmpty() ? null : new ArrayList<>(kept));
  }

  /** A store for pods, keeping only what status reporting reads. */
  public static TrimmedItemStore<Pod> pods() {
    return new TrimmedItemStore<>(TrimmedItemStore::trimPod);
  }

  @Override
  public R put(String key, R obj) {
    if (obj != null && obj.getMetadata() != null) {
      trim.accept(obj);
    }
    return super.put(key, obj);
  }

  static void keepManagedFieldsOf(HasMetadata resource, String fieldManager) {
    List<ManagedFieldsEntry> entries = resource.getMetadata().getManagedFields();
    if (entries == null || entries.isEmpty()) {
      return;
    }
    List<ManagedFieldsEntry> kept = new ArrayList<>(1);
    for (ManagedFieldsEntry e : entries) {
      if (fieldManager.equals(e.getManager())) {
        kept.add(e);
      }
    }
    if (kept.size() != entries.size()) {
      resource.getMetadata().setManagedFields(kept);
    }
  }

  static void trimPod(Pod pod) {
    pod.getMetadata().setManagedFields(null);
    pod.setSpec(null);
    PodStatus status = pod.getStatus();
    if (status != null) {
      PodStatus slim = new PodStatus();
      slim.setPhase(status.getPhase());
      slim.setContainerStatuses(trimContainers(status.getContainerStatuses()));
      slim.setInitContainerStatuses(trimContainers(status.getInitContainerStatuses()));
      pod.setStatus(slim);
    }
  }

  private static List<ContainerStatus> trimContainers(List<ContainerStatus> statuses) {
    List<ContainerStatus> slim = new ArrayList<>(statuses == null ? 0 : statuses.size());
    if (statuses == null) {
      return slim;
    }
    for (ContainerStatus cs : statuses) {
      ContainerStatus s = new ContainerStatus();
      s.setName(cs.getName());
      s.setReady(cs.getReady());
      s.setRestartCount(cs.getRestartCount());
      ContainerStateWaiting waiting = cs.getState() == null ? null : cs.getState().getWaiting();
      if (waiting != null) {
        ContainerState state = new ContainerState();
        state.setWaiting(new ContainerStateWaiting(waiting.getMessage(), waiting.getReason()));
        s.setState(state);
      }
      slim.add(s);
    }
    return slim;
  }
}
