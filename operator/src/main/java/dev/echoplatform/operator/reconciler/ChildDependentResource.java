package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.resources.EchoServiceModel;
import dev.echoplatform.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child of an EchoService, applied with server-side apply and matched with JOSDK's SSA matcher
 * (only the fields this operator manages are compared). Owned by the EchoService (garbage collected
 * with it); its informer only sees objects labelled as managed by this operator.
 *
 * @param <R> the child's type
 */
public class ChildDependentResource<R extends HasMetadata>
    extends CRUDKubernetesDependentResource<R, EchoService> {

  /**
   * Objects per page when an informer lists (at start and after a watch expires): a large cluster's
   * list then arrives in pages instead of one response held whole in memory (client-go's default).
   */
  public static final long LIST_PAGE_SIZE = 500;

  private static final Logger log = LoggerFactory.getLogger(ChildDependentResource.class);

  private final Function<EchoServiceModel, R> builder;
  private final String defaultImage;
  private final boolean trimCache;
  private volatile DriftReporter drift;

  /**
   * @param trimCache whether the informer caches the children trimmed ({@link TrimmedItemStore}),
   *     which is only possible with one informer per kind ({@link TrimmedItemStore#usable})
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public ChildDependentResource(
      Class<R> type,
      String name,
      Function<EchoServiceModel, R> builder,
      String defaultImage,
      boolean trimCache) {
    super(type, name);
    this.builder = builder;
    this.defaultImage = defaultImage;
    this.trimCache = trimCache;
    var informer =
        InformerConfiguration.builder(type)
            .withLabelSelector(Labels.MANAGED_SELECTOR)
            .withNamespacesInheritedFromController()
            .withInformerListLimit(LIST_PAGE_SIZE);
    if (trimCache) {
      informer.withItemStore(TrimmedItemStore.children(EchoServiceReconciler.FIELD_MANAGER));
    }
    configureWith(
        new KubernetesDependentResourceConfigBuilder()
            // A child the informer does not see (e.g. someone removed its managed-by label) is
            // applied over, which restores it, instead of failing forever with "already exists".
            .withCreateResourceOnlyIfNotExistingWithSSA(false)
            .withKubernetesDependentInformerConfig(informer.build())
            .build());
  }

  @Override
  protected R desired(EchoService primary, Context<EchoService> context) {
    return builder.apply(model(primary));
  }

  /**
   * Owner reference to the EchoService as the managing controller; deleting the EchoService deletes
   * the child (foreground deletion waits for it).
   */
  @Override
  protected void addReferenceHandlingMetadata(R desired, EchoService primary) {
    desired
        .getMetadata()
        .setOwnerReferences(
            new java.util.ArrayList<>(
                java.util.List.of(
                    new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                        .withApiVersion(primary.getApiVersion())
                        .withKind(primary.getKind())
                        .withName(primary.getMetadata().getName())
                        .withUid(primary.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())));
  }

  /**
   * Server-side apply merges a list by its key (a Service's ports by port and protocol, containers
   * by name, their ports by containerPort and protocol, env by name): an entry a person changed or
   * added is another entry beside the operator's, which the apply keeps (another manager owns it),
   * and which may make every apply fail ("Duplicate value") or break the pods. JOSDK's matcher
   * compares only the fields the operator's own entries list, so it would not even notice an added
   * entry. The lists the operator owns are therefore checked here: with foreign entries the child
   * does not match, and {@link #update} replaces those lists whole, with a JSON merge patch of the
   * desired lists, before the apply (which goes on from the patched object's resourceVersion).
   *
   * @return the entries of {@code actual} that are not desired, described for the log; none by
   *     default
   */
  protected List<String> foreignEntries(R actual, R desired) {
    return List.of();
  }

  /** The JSON merge patch setting the lists {@link #foreignEntries} checks to the desired ones. */
  protected Map<String, Object> listsPatch(R desired) {
    return Map.of();
  }

  @Override
  public Matcher.Result<R> match(
      R actual, R desired, EchoService primary, Context<EchoService> context) {
    if (!foreignEntries(actual, desired).isEmpty()) {
      return Matcher.Result.computed(false, desired);
    }
    return super.match(actual, desired, primary, context);
  }

  /** Where the fields an update takes back from other field managers are reported. */
  void reportDriftTo(DriftReporter drift) {
    this.drift = drift;
  }

  @Override
  public R update(R actual, R desired, EchoService primary, Context<EchoService> context) {
    List<String> foreign = foreignEntries(actual, desired);
    reportDrift(actual, desired, primary, context, foreign);
    if (!foreign.isEmpty()) {
      actual =
          context
              .getClient()
              .resource(actual)
              .patch(
                  PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(listsPatch(desired)));
    }
    return super.update(actual, desired, primary, context);
  }

  /**
   * Reports what this update takes back ({@link DriftReporter}, which also logs it). A trimmed
   * cache keeps only this operator's managedFields, so the child is read once from the API server
   * then ({@link #live}): an update is rare (a spec change or an edit to revert), and a read is
   * cheap beside the apply that follows.
   */
  private void reportDrift(
      R actual,
      R desired,
      EchoService primary,
      Context<EchoService> context,
      List<String> foreign) {
    DriftReporter reporter = drift;
    if (reporter == null) {
      return;
    }
    reporter.report(
        primary, live(actual, context), desired, EchoServiceReconciler.FIELD_MANAGER, foreign);
  }

  /**
   * The child with every manager's managedFields: the cached one, or read from the API server when
   * the cache keeps only this operator's entries. A failed read falls back to the cached one, which
   * still tells the list entries the update removes.
   */
  private R live(R actual, Context<EchoService> context) {
    if (!trimCache) {
      return actual;
    }
    try {
      R live = context.getClient().resource(actual).get();
      return live != null ? live : actual;
    } catch (RuntimeException e) {
      log.debug(
          "could not read {} {}/{} to report drift",
          actual.getKind(),
          actual.getMetadata().getNamespace(),
          actual.getMetadata().getName(),
          e);
      return actual;
    }
  }

  protected EchoServiceModel model(EchoService primary) {
    return EchoServiceModel.of(primary, defaultImage);
  }
}
