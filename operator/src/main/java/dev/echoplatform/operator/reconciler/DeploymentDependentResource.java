package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.resources.DesiredDeployment;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Deployment child. With autoscaling on, the desired Deployment has no {@code spec.replicas}:
 * the HorizontalPodAutoscaler owns it. Dropping a field from a server-side apply removes it when no
 * other manager owns it, which would reset the Deployment to 1 replica. So before the first apply
 * without replicas, the current count is handed over to a separate field manager (the documented
 * SSA ownership transfer); the HPA then takes the field over when it next scales. A Deployment
 * created while autoscaling is on starts at {@link DesiredDeployment#startingReplicas} (applied by
 * the operator, so the next reconcile hands it over as above) instead of the API server's default
 * of 1. Without server-side apply (an update replaces the whole spec) the current count is kept.
 */
public class DeploymentDependentResource extends ChildDependentResource<Deployment> {

  /** Field manager that holds spec.replicas between the operator and the HPA. */
  public static final String REPLICAS_HANDOFF_MANAGER = "echo-operator-replicas-handoff";

  private static final Logger log = LoggerFactory.getLogger(DeploymentDependentResource.class);

  public DeploymentDependentResource(String defaultImage, boolean trimCache) {
    super(Deployment.class, "deployment", DesiredDeployment::build, defaultImage, trimCache);
  }

  @Override
  public Deployment create(Deployment desired, EchoService primary, Context<EchoService> context) {
    if (desired.getSpec().getReplicas() == null) {
      desired.getSpec().setReplicas(DesiredDeployment.startingReplicas(model(primary)));
    }
    return super.create(desired, primary, context);
  }

  @Override
  public Deployment update(
      Deployment actual, Deployment desired, EchoService primary, Context<EchoService> context) {
    String manager = context.getControllerConfiguration().fieldManager();
    if (useSSA(context)
        && desired.getSpec().getReplicas() == null
        && appliesReplicas(actual, manager)
        && actual.getSpec().getReplicas() != null) {
      log.info(
          "Handing spec.replicas={} of Deployment {}/{} over to the autoscaler",
          actual.getSpec().getReplicas(),
          actual.getMetadata().getNamespace(),
          actual.getMetadata().getName());
      Deployment handoff =
          new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
              .withNewMetadata()
              .withName(actual.getMetadata().getName())
              .withNamespace(actual.getMetadata().getNamespace())
              .endMetadata()
              .withNewSpec()
              .withReplicas(actual.getSpec().getReplicas())
              .endSpec()
              .build();
      context
          .getClient()
          .resource(handoff)
          .fieldManager(REPLICAS_HANDOFF_MANAGER)
          .forceConflicts()
          .serverSideApply();
    }
    if (!useSSA(context) && desired.getSpec().getReplicas() == null && actual.getSpec() != null) {
      // An update (not an apply) replaces the whole spec: keep the autoscaler's count.
      desired.getSpec().setReplicas(actual.getSpec().getReplicas());
    }
    return super.update(actual, desired, primary, context);
  }

  /** Whether {@code manager}'s server-side apply currently owns spec.replicas. */
  static boolean appliesReplicas(Deployment actual, String manager) {
    return actual.getMetadata().getManagedFields().stream()
        .filter(entry -> manager.equals(entry.getManager()) && "Apply".equals(entry.getOperation()))
        .anyMatch(DeploymentDependentResource::ownsSpecReplicas);
  }

  /**
   * Whether a managedFields entry lists spec.replicas (of a Deployment, or of an EchoService's
   * scale).
   */
  static boolean ownsSpecReplicas(ManagedFieldsEntry entry) {
    return entry.getFieldsV1() != null
        && entry.getFieldsV1().getAdditionalProperties().get("f:spec") instanceof Map<?, ?> spec
        && spec.containsKey("f:replicas");
  }

  /**
   * Entries of the pod template's lists that the operator does not declare: containers and init
   * containers by name, and in the operator's container its ports (by containerPort and protocol)
   * and env variables (by name). {@code kubectl set env} or a changed containerPort would otherwise
   * stay beside the operator's entries (ConfigMap settings overridden, ports named twice).
   */
  @Override
  protected List<String> foreignEntries(Deployment actual, Deployment desired) {
    return foreignInPodTemplate(actual, desired);
  }

  @Override
  protected Map<String, Object> listsPatch(Deployment desired) {
    return containersPatch(desired);
  }

  static List<String> foreignInPodTemplate(Deployment actual, Deployment desired) {
    if (actual.getSpec() == null
        || actual.getSpec().getTemplate() == null
        || actual.getSpec().getTemplate().getSpec() == null) {
      return List.of();
    }
    PodSpec is = actual.getSpec().getTemplate().getSpec();
    PodSpec wanted = desired.getSpec().getTemplate().getSpec();
    List<String> foreign = new ArrayList<>();
    Map<String, Container> declared = new HashMap<>();
    wanted.getContainers().forEach(c -> declared.put(c.getName(), c));
    for (Container c : is.getContainers()) {
      Container w = declared.get(c.getName());
      if (w == null) {
        foreign.add("container " + c.getName());
        continue;
      }
      Set<String> ports = new HashSet<>();
      w.getPorts().forEach(p -> ports.add(portKey(p)));
      c.getPorts().stream()
          .filter(p -> !ports.contains(portKey(p)))
          .forEach(p -> foreign.add("container " + c.getName() + " port " + portKey(p)));
      Set<String> env = new HashSet<>();
      w.getEnv().forEach(e -> env.add(e.getName()));
      c.getEnv().stream()
          .filter(e -> !env.contains(e.getName()))
          .forEach(e -> foreign.add("container " + c.getName() + " env " + e.getName()));
    }
    Set<String> initDeclared = new HashSet<>();
    wanted.getInitContainers().forEach(c -> initDeclared.add(c.getName()));
    is.getInitContainers().stream()
        .filter(c -> !initDeclared.contains(c.getName()))
        .forEach(c -> foreign.add("init container " + c.getName()));
    return foreign;
  }

  /** The JSON merge patch setting the pod template's container lists to the desired ones. */
  static Map<String, Object> containersPatch(Deployment desired) {
    PodSpec wanted = desired.getSpec().getTemplate().getSpec();
    Map<String, Object> podSpec = new HashMap<>();
    podSpec.put("containers", wanted.getContainers());
    // null removes the list in a merge patch
    podSpec.put(
        "initContainers", wanted.getInitContainers().isEmpty() ? null : wanted.getInitContainers());
    return Map.of("spec", Map.of("template", Map.of("spec", podSpec)));
  }

  private static String portKey(ContainerPort p) {
    return p.getContainerPort() + "/" + (p.getProtocol() == null ? "TCP" : p.getProtocol());
  }
}
