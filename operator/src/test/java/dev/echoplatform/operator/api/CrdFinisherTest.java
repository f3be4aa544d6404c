package dev.echoplatform.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CrdFinisherTest {

  static final Path COMMITTED = Path.of("..", "crds", "echoservices.echo.platform.dev-v1.yml");
  static final Path DESCRIPTIONS = Path.of("src", "main", "crd", "k8s-descriptions.json");
  static final KubernetesDescriptions UPSTREAM = load();

  @Test
  void columnsArePrintedInTheOrderPeopleReadWithAgeLastAndTheWideOnesAfterIt() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(columnNames(crd))
        .containsExactly(
            "Ready",
            "Replicas",
            "Version",
            "URL",
            "Age",
            "Image",
            "Service",
            "Autoscaling",
            "Paused");
  }

  @Test
  void scalarDescriptionsStateTheirDefaultRangeAndValues() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(description(crd, "spec", "replicas")).endsWith("Default: 2. From 0 to 1000.");
    assertThat(description(crd, "spec", "settings", "readTimeout")).endsWith("Default: 5s.");
    assertThat(description(crd, "spec", "service", "type"))
        .endsWith("Default: ClusterIP. One of: ClusterIP, LoadBalancer, NodePort.");
    assertThat(description(crd, "spec", "service", "nodePort")).endsWith("From 30000 to 32767.");
  }

  @Test
  void finishingTwiceChangesNothing() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(CrdFinisher.finish(crd, UPSTREAM)).isEqualTo(crd);
  }

  @Test
  void embeddedKubernetesFieldsCarryTheUpstreamDescriptions() throws IOException {
    String crd = Files.readString(COMMITTED);
    // Verbatim from the OpenAPI documents of k8s.io/kubernetes v1.36.3.
    assertThat(node(crd, "spec.networkPolicy.ingressFrom.items.ipBlock.cidr").getDescription())
        .isEqualTo(
            "cidr is a string representing the IPBlock Valid examples are \"192.168.1.0/24\" or"
                + " \"2001:db8::/64\"");
    assertThat(node(crd, "spec.networkPolicy.ingressFrom.items.ipBlock").getDescription())
        .isEqualTo(
            "ipBlock defines policy on a particular IPBlock. If this field is set then neither of the other"
                + " fields can be.");
    assertThat(
            node(crd, "spec.networkPolicy.metricsFrom.items.namespaceSelector.matchLabels")
                .getDescription())
        .startsWith("matchLabels is a map of {key,value} pairs.");
    assertThat(node(crd, "spec.scheduling.affinity.nodeAffinity").getDescription())
        .isEqualTo("Describes node affinity scheduling rules for the pod.");
    assertThat(node(crd, "spec.scheduling.tolerations.items.tolerationSeconds").getDescription())
        .startsWith("TolerationSeconds represents the period of time the toleration");
    // Array items carry their type's description, which kubectl explain prints after the field's,
    // as for a Pod.
    assertThat(node(crd, "spec.networkPolicy.ingressFrom.items").getDescription())
        .isEqualTo(
            "NetworkPolicyPeer describes a peer to allow traffic to/from. Only certain combinations of fields"
                + " are allowed");
    assertThat(node(crd, "spec.scheduling.tolerations.items").getDescription())
        .startsWith("The pod this Toleration is attached to tolerates any taint");
  }

  @Test
  void theProjectsOwnDescriptionsAreKept() throws IOException {
    String crd = Files.readString(COMMITTED);
    assertThat(node(crd, "spec.scheduling.affinity").getDescription())
        .isEqualTo("Node and pod affinity of the pods.");
    assertThat(node(crd, "spec.networkPolicy.ingressFrom").getDescription())
        .startsWith("Sources allowed to reach port 8080.");
    assertThat(node(crd, "spec.resources.limits.memory").getDescription())
        .startsWith("Memory as a Kubernetes quantity, e.g. 64Mi or 1Gi.");

    // As the generator writes it: nothing described inside the embedded types, but for one field
    // the project chose.
    CustomResourceDefinition generated =
        new KubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class);
    JSONSchemaProps spec =
        generated
            .getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    JSONSchemaProps affinity =
        spec.getProperties().get("scheduling").getProperties().get("affinity");
    JSONSchemaProps peers =
        spec.getProperties().get("networkPolicy").getProperties().get("ingressFrom");
    clearDescriptions(affinity);
    clearDescriptions(peers.getItems().getSchema());
    affinity.setDescription("Chosen by the project.");
    JSONSchemaProps ipBlock = peers.getItems().getSchema().getProperties().get("ipBlock");
    ipBlock.getProperties().get("cidr").setDescription("A CIDR, chosen by the project.");

    String finished = CrdFinisher.finish(new KubernetesSerialization().asYaml(generated), UPSTREAM);
    assertThat(node(finished, "spec.scheduling.affinity").getDescription())
        .isEqualTo("Chosen by the project.");
    assertThat(node(finished, "spec.networkPolicy.ingressFrom.items.ipBlock.cidr").getDescription())
        .isEqualTo("A CIDR, chosen by the project.");
    assertThat(
            node(finished, "spec.networkPolicy.ingressFrom.items.ipBlock.except").getDescription())
        .startsWith("except is a slice of CIDRs");
    assertThat(node(finished, "spec.scheduling.affinity.podAntiAffinity").getDescription())
        .startsWith("Describes pod anti-affinity scheduling rules");
    // Everything else cleared is filled in again, exactly as committed.
    CustomResourceDefinition restored =
        new KubernetesSerialization().unmarshal(finished, CustomResourceDefinition.class);
    JSONSchemaProps restoredSpec =
        restored
            .getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    restoredSpec
        .getProperties()
        .get("scheduling")
        .getProperties()
        .get("affinity")
        .setDescription(node(crd, "spec.scheduling.affinity").getDescription());
    restoredSpec
        .getProperties()
        .get("networkPolicy")
        .getProperties()
        .get("ingressFrom")
        .getItems()
        .getSchema()
        .getProperties()
        .get("ipBlock")
        .getProperties()
        .get("cidr")
        .setDescription(
            node(crd, "spec.networkPolicy.ingressFrom.items.ipBlock.cidr").getDescription());
    assertThat(restored)
        .isEqualTo(new KubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class));
  }

  @Test
  void fabric8ModelClassesMapToTheirKubernetesDefinitions() {
    assertThat(UPSTREAM.definitionOf(io.fabric8.kubernetes.api.model.Affinity.class))
        .isEqualTo("io.k8s.api.core.v1.Affinity");
    assertThat(UPSTREAM.definitionOf(io.fabric8.kubernetes.api.model.LabelSelector.class))
        .isEqualTo("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector");
    assertThat(UPSTREAM.definitionOf(io.fabric8.kubernetes.api.model.Quantity.class))
        .isEqualTo("io.k8s.apimachinery.pkg.api.resource.Quantity");
    assertThat(
            UPSTREAM.definitionOf(
                io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer.class))
        .isEqualTo("io.k8s.api.networking.v1.NetworkPolicyPeer");
    assertThatThrownBy(
            () ->
                UPSTREAM.definitionOf(
                    io.fabric8.kubernetes.api.model.apps.DeploymentStrategy.class))
        .hasMessageContaining("io.fabric8.kubernetes.api.model.apps.DeploymentStrategy")
        .hasMessageContaining("[io.k8s.api.apps.v1]")
        .hasMessageContaining("add it to ROOTS in k8s-descriptions.py");
  }

  /** The descriptions are those of the API server the project builds and tests against. */
  @Test
  void theDescriptionsAreThoseOfTheKubernetesReleaseOfTheControlPlane() throws IOException {
    String goMod = Files.readString(Path.of("..", "deploy", "local", "control-plane", "go.mod"));
    Matcher pinned = Pattern.compile("(?m)^\\s*k8s\\.io/kubernetes (v\\S+)").matcher(goMod);
    assertThat(pinned.find()).as("k8s.io/kubernetes in control-plane/go.mod").isTrue();
    JsonNode document = new ObjectMapper().readTree(Files.readString(DESCRIPTIONS));
    assertThat(document.path("kubernetesVersion").asText())
        .as(
            "%s was generated from the Kubernetes release the control plane pins: run"
                + " operator/src/main/crd/k8s-descriptions.py",
            DESCRIPTIONS)
        .isEqualTo(pinned.group(1));
    assertThat(document.path("source").asText())
        .startsWith("k8s.io/kubernetes@" + pinned.group(1) + " ");
  }

  private static void clearDescriptions(JSONSchemaProps schema) {
    schema.setDescription(null);
    if (schema.getProperties() != null) {
      schema.getProperties().values().forEach(CrdFinisherTest::clearDescriptions);
    }
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      clearDescriptions(schema.getItems().getSchema());
    }
  }

  private static KubernetesDescriptions load() {
    try {
      return KubernetesDescriptions.load(DESCRIPTIONS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The schema node at a path of property names, items standing for an array's items:
   * spec.x.items.y.
   */
  static JSONSchemaProps node(String yaml, String path) {
    JSONSchemaProps s = version(yaml).getSchema().getOpenAPIV3Schema();
    for (String key : path.split("\\.")) {
      s = key.equals("items") ? s.getItems().getSchema() : s.getProperties().get(key);
      assertThat(s).as("schema node %s", path).isNotNull();
    }
    return s;
  }

  static List<String> columnNames(String yaml) {
    return version(yaml).getAdditionalPrinterColumns().stream()
        .map(CustomResourceColumnDefinition::getName)
        .toList();
  }

  /** The description of a property given by its path below the version's schema root. */
  static String description(String yaml, String... path) {
    return node(yaml, String.join(".", path)).getDescription();
  }

  private static CustomResourceDefinitionVersion version(String yaml) {
    return new KubernetesSerialization()
        .unmarshal(yaml, CustomResourceDefinition.class)
        .getSpec()
        .getVersions()
        .get(0);
  }
}
