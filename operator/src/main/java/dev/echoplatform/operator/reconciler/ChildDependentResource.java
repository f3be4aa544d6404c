package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.resources.EchoServiceModel;
import dev.echoplatform.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import java.util.function.Function;

/**
 * A child of an EchoService, applied with server-side apply and matched with JOSDK's SSA matcher
 * (only the fields this operator manages are compared). Owned by the EchoService (garbage
 * collected with it); its informer only sees objects labelled as managed by this operator.
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

  private final Function<EchoServiceModel, R> builder;
  private final String defaultImage;

  /**
   * @param trimCache whether the informer caches the children trimmed ({@link TrimmedItemStore}),
   *     which is only possible with one informer per kind ({@link TrimmedItemStore#usable})
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public ChildDependentResource(Class<R> type, String name, Function<EchoServiceModel, R> builder,
      String defaultImage, boolean trimCache) {
    super(type, name);
    this.builder = builder;
    this.defaultImage = defaultImage;
    var informer = InformerConfiguration.builder(type)
        .withLabelSelector(Labels.MANAGED_SELECTOR)
        .withNamespacesInheritedFromController()
        .withInformerListLimit(LIST_PAGE_SIZE);
    if (trimCache) {
      informer.withItemStore(TrimmedItemStore.children(EchoServiceReconciler.FIELD_MANAGER));
    }
    configureWith(new KubernetesDependentResourceConfigBuilder()
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
   * Owner reference to the EchoService as the managing controller; deleting the EchoService
   * deletes the child (foreground deletion waits for it).
   */
  @Override
  protected void addReferenceHandlingMetadata(R desired, EchoService primary) {
    desired.getMetadata().setOwnerReferences(new java.util.ArrayList<>(java.util.List.of(
        new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
            .withApiVersion(primary.getApiVersion())
            .withKind(primary.getKind())
            .withName(primary.getMetadata().getName())
            .withUid(primary.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .build())));
  }

  protected EchoServiceModel model(EchoService primary) {
    return EchoServiceModel.of(primary, defaultImage);
  }
}
