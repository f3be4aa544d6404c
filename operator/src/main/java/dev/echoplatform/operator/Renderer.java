package dev.echoplatform.operator;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.resources.DesiredConfigMap;
import dev.echoplatform.operator.resources.DesiredDeployment;
import dev.echoplatform.operator.resources.DesiredHorizontalPodAutoscaler;
import dev.echoplatform.operator.resources.DesiredNetworkPolicy;
import dev.echoplatform.operator.resources.DesiredPodDisruptionBudget;
import dev.echoplatform.operator.resources.DesiredPodMonitor;
import dev.echoplatform.operator.resources.DesiredService;
import dev.echoplatform.operator.resources.EchoServiceModel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code --render}: the children the operator would apply for the given EchoServices, as YAML,
 * rendered by the same builders (no cluster needed). Owner references are left out: they need the
 * EchoService's UID, which only the API server assigns.
 */
public final class Renderer {

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String EXPECTED_API_VERSION = EchoService.GROUP + "/" + EchoService.VERSION;

  private Renderer() {}

  /**
   * The children of every EchoService in {@code yaml} (one or more documents). Documents of other
   * kinds (the Namespace each example starts with) are skipped, as the operator would never see
   * them. Each EchoService is first checked against the CRD's schema and rules as the API server
   * would check it on create (see {@link SchemaValidator}) and rendered as the API server would
   * store it (unknown fields pruned, defaults applied). An invalid EchoService, an EchoService of
   * another API version, a document that is not a Kubernetes object, or an input without any
   * EchoService is an error; the exception's message lists every error of every document, one a
   * line.
   */
  public static List<HasMetadata> children(String yaml, String defaultImage) {
    List<HasMetadata> out = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    int index = 0;
    int echoServices = 0;
    for (String doc : DOCUMENT_SEPARATOR.split(yaml)) {
      index++;
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      Object parsed;
      try {
        parsed = SchemaValidator.normalize(SERIALIZATION.unmarshal(doc, Map.class));
      } catch (RuntimeException e) {
        errors.add("document " + index + " is not valid YAML: " + e.getMessage());
        continue;
      }
      if (!(parsed instanceof Map<?, ?> raw)
          || raw.get("kind") == null
          || raw.get("apiVersion") == null) {
        errors.add("document " + index + " is not a Kubernetes object (no apiVersion or kind)");
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> object = (Map<String, Object>) raw;
      if (!"EchoService".equals(object.get("kind"))) {
        continue;
      }
      if (!EXPECTED_API_VERSION.equals(object.get("apiVersion"))) {
        errors.add(
            "document "
                + index
                + " is an EchoService of "
                + object.get("apiVersion")
                + "; this operator serves "
                + EXPECTED_API_VERSION);
        continue;
      }
      Map<?, ?> metadata = object.get("metadata") instanceof Map<?, ?> m ? m : Map.of();
      if (!(metadata.get("name") instanceof String name)) {
        errors.add("document " + index + " has no metadata.name");
        continue;
      }
      String namespace = metadata.get("namespace") instanceof String ns ? ns : "default";
      List<String> invalid = Schema.VALIDATOR.validate(object);
      if (!invalid.isEmpty()) {
        String prefix = "document " + index + " (EchoService " + namespace + "/" + name + "): ";
        invalid.forEach(e -> errors.add(prefix + e));
        continue;
      }
      EchoService es;
      try {
        es = SERIALIZATION.convertValue(object, EchoService.class);
      } catch (RuntimeException e) {
        errors.add("document " + index + " is not an EchoService: " + e.getMessage());
        continue;
      }
      es.getMetadata().setNamespace(namespace);
      out.addAll(children(EchoServiceModel.of(es, defaultImage)));
      echoServices++;
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", errors));
    }
    if (echoServices == 0) {
      throw new IllegalArgumentException(
          "no EchoService (" + EXPECTED_API_VERSION + ") in the input");
    }
    return out;
  }

  /** The EchoService schema of the CRD the build generated, loaded on first use. */
  static final class Schema {
    static final String CRD = "META-INF/fabric8/" + EchoService.CRD_NAME + "-v1.yml";
    static final SchemaValidator VALIDATOR =
        SchemaValidator.fromClasspath(CRD, EchoService.VERSION);

    private Schema() {}
  }

  static List<HasMetadata> children(EchoServiceModel m) {
    List<HasMetadata> out = new ArrayList<>();
    out.add(DesiredConfigMap.build(m));
    out.add(DesiredDeployment.build(m));
    out.add(DesiredService.build(m));
    if (m.spec().networkPolicy().enabled()) {
      out.add(DesiredNetworkPolicy.build(m));
    }
    if (m.spec().podDisruptionBudget().enabled()) {
      out.add(DesiredPodDisruptionBudget.build(m));
    }
    if (m.autoscaling()) {
      out.add(DesiredHorizontalPodAutoscaler.build(m));
    }
    // Applied only where the Prometheus Operator's CRDs are installed.
    if (m.spec().monitoring().enabled()) {
      out.add(DesiredPodMonitor.build(m));
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
