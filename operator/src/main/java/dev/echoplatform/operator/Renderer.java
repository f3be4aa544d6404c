package dev.echoplatform.operator;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.resources.ConfigMapBuilder;
import dev.echoplatform.operator.resources.DeploymentBuilder;
import dev.echoplatform.operator.resources.EchoServiceModel;
import dev.echoplatform.operator.resources.HorizontalPodAutoscalerBuilder;
import dev.echoplatform.operator.resources.NetworkPolicyBuilder;
import dev.echoplatform.operator.resources.PodDisruptionBudgetBuilder;
import dev.echoplatform.operator.resources.ServiceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code --render}: the children the operator would apply for the given EchoServices, as YAML,
 * rendered by the same builders (no cluster needed). Owner references are left out: they need
 * the EchoService's UID, which only the API server assigns.
 */
public final class Renderer {

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String EXPECTED_API_VERSION = EchoService.GROUP + "/" + EchoService.VERSION;

  private Renderer() {}

  /**
   * The children of every EchoService in {@code yaml} (one or more documents). Documents of other
   * kinds (the Namespace each example starts with) are skipped, as the operator would never see
   * them; an EchoService of another API version, a document that is not a Kubernetes object, or an
   * input without any EchoService is an error.
   */
  public static List<HasMetadata> children(String yaml, String defaultImage) {
    List<HasMetadata> out = new ArrayList<>();
    int index = 0;
    int echoServices = 0;
    for (String doc : DOCUMENT_SEPARATOR.split(yaml)) {
      index++;
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      EchoService es;
      try {
        GenericKubernetesResource generic = SERIALIZATION.unmarshal(doc, GenericKubernetesResource.class);
        if (generic.getKind() == null || generic.getApiVersion() == null) {
          throw new IllegalArgumentException("document " + index
              + " is not a Kubernetes object (no apiVersion or kind)");
        }
        if (!"EchoService".equals(generic.getKind())) {
          continue;
        }
        if (!EXPECTED_API_VERSION.equals(generic.getApiVersion())) {
          throw new IllegalArgumentException("document " + index + " is an EchoService of "
              + generic.getApiVersion() + "; this operator serves " + EXPECTED_API_VERSION);
        }
        es = SERIALIZATION.unmarshal(doc, EchoService.class);
      } catch (IllegalArgumentException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("document " + index + " is not an EchoService: "
            + e.getMessage(), e);
      }
      if (es.getMetadata() == null || es.getMetadata().getName() == null) {
        throw new IllegalArgumentException("document " + index + " has no metadata.name");
      }
      if (es.getMetadata().getNamespace() == null) {
        es.getMetadata().setNamespace("default");
      }
      out.addAll(children(EchoServiceModel.of(es, defaultImage)));
      echoServices++;
    }
    if (echoServices == 0) {
      throw new IllegalArgumentException("no EchoService (" + EXPECTED_API_VERSION
          + ") in the input");
    }
    return out;
  }

  static List<HasMetadata> children(EchoServiceModel m) {
    List<HasMetadata> out = new ArrayList<>();
    out.add(ConfigMapBuilder.build(m));
    out.add(DeploymentBuilder.build(m));
    out.add(ServiceBuilder.build(m));
    if (m.spec().networkPolicy().enabled()) {
      out.add(NetworkPolicyBuilder.build(m));
    }
    if (m.spec().podDisruptionBudget().enabled()) {
      out.add(PodDisruptionBudgetBuilder.build(m));
    }
    if (m.autoscaling()) {
      out.add(HorizontalPodAutoscalerBuilder.build(m));
    }
    return out;
  }

  public static String toYaml(List<HasMetadata> objects) {
    StringBuilder sb = new StringBuilder();
    for (HasMetadata o : objects) {
      String yaml = SERIALIZATION.asYaml(o);
      sb.append(yaml.startsWith("---") ? yaml : "---\n" + yaml);
      if (!yaml.endsWith("\n")) {
        sb.append('\n');
      }
    }
    return sb.toString();
  }
}
