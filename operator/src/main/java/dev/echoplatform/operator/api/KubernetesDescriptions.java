package dev.echoplatform.operator.api;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The upstream descriptions of the Kubernetes types the CRD embeds (fabric8 model classes such as
 * {@code Affinity} or {@code NetworkPolicyPeer}, for which the CRD generator writes no
 * description), read from {@code src/main/crd/k8s-descriptions.json}. That file is written from the
 * OpenAPI documents of the Kubernetes release the project runs on by {@code
 * src/main/crd/k8s-descriptions.py}; see its header.
 *
 * <p>{@link #describe} walks a CRD schema alongside the Java type it was generated from. Where a
 * record component is a fabric8 model class, the walk continues in that class's Kubernetes
 * definition, by property name, through the definitions' references, array items and map values;
 * every schema node there without a description gets the upstream one: the property's own, else
 * (array items, a property the upstream leaves undescribed) its type's, as {@code kubectl explain}
 * shows a built-in type. A description already present (the project's) is never replaced.
 */
final class KubernetesDescriptions {

  private static final String FABRIC8_MODEL = "io.fabric8.kubernetes.api.model";

  /**
   * Where fabric8 puts the types of Kubernetes packages without a group: core/v1 and
   * apimachinery's.
   */
  private static final List<String> UNGROUPED =
      List.of(
          "io.k8s.api.core.v1",
          "io.k8s.apimachinery.pkg.apis.meta.v1",
          "io.k8s.apimachinery.pkg.api.resource",
          "io.k8s.apimachinery.pkg.util.intstr",
          "io.k8s.apimachinery.pkg.runtime");

  private static final Pattern VERSION = Pattern.compile("v\\d+((alpha|beta)\\d+)?");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path file;
  private final String version;
  private final JsonNode definitions;

  private KubernetesDescriptions(Path file, JsonNode document) {
    this.file = file;
    this.version = document.path("kubernetesVersion").asText();
    this.definitions = document.path("definitions");
    if (version.isEmpty() || !definitions.isObject() || definitions.isEmpty()) {
      throw new IllegalStateException(file + " has no kubernetesVersion or no definitions");
    }
  }

  static KubernetesDescriptions load(Path file) throws IOException {
    return new KubernetesDescriptions(file, MAPPER.readTree(Files.readString(file)));
  }

  /** Where the descriptions come from, e.g. Kubernetes v1.36.3. */
  String source() {
    return "Kubernetes " + version;
  }

  /**
   * Fills in the missing descriptions of {@code schema}, generated from {@code type}, and below it.
   */
  void describe(JSONSchemaProps schema, JavaType type) {
    walkJava(schema, type);
  }

  private void walkJava(JSONSchemaProps schema, JavaType type) {
    if (schema == null) {
      return;
    }
    if (type.isCollectionLikeType() || type.isArrayType()) {
      walkJava(items(schema), type.getContentType());
    } else if (type.isMapLikeType()) {
      walkJava(values(schema), type.getContentType());
    } else if (type.getRawClass().getPackageName().startsWith(FABRIC8_MODEL)) {
      walkUpstream(schema, MAPPER.createObjectNode().put("ref", definitionOf(type.getRawClass())));
    } else if (schema.getProperties() != null) {
      for (BeanPropertyDefinition property :
          MAPPER.getSerializationConfig().introspect(type).findProperties()) {
        walkJava(schema.getProperties().get(property.getName()), property.getPrimaryType());
      }
    }
  }

  /** {@code upstream} is the node of the upstream schema at the same place as {@code schema}. */
  private void walkUpstream(JSONSchemaProps schema, JsonNode upstream) {
    if (schema == null || upstream == null) {
      return;
    }
    JsonNode definition = upstream.has("ref") ? definition(upstream.get("ref").asText()) : null;
    if (schema.getDescription() == null || schema.getDescription().isBlank()) {
      JsonNode text =
          upstream.has("description")
              ? upstream.get("description")
              : definition == null ? null : definition.get("description");
      if (text != null) {
        schema.setDescription(text.asText());
      }
    }
    JsonNode shape = definition != null ? definition : upstream;
    if (schema.getProperties() != null) {
      schema
          .getProperties()
          .forEach((name, child) -> walkUpstream(child, shape.path("properties").get(name)));
    }
    walkUpstream(items(schema), shape.get("items"));
    walkUpstream(values(schema), shape.get("additionalProperties"));
  }

  private JsonNode definition(String name) {
    JsonNode definition = definitions.get(name);
    if (definition == null) {
      throw new IllegalStateException(name + " is referenced but not defined in " + file);
    }
    return definition;
  }

  /**
   * The Kubernetes definition of a fabric8 model class. fabric8 puts core/v1's and apimachinery's
   * types in {@code io.fabric8.kubernetes.api.model}, every other group's in {@code
   * io.fabric8.kubernetes.api.model.<package>} followed by the version ({@code networking.v1};
   * {@code apps} and {@code rbac} without their v1), as the Kubernetes Go packages {@code
   * io.k8s.api.<package>.<version>}.
   */
  String definitionOf(Class<?> model) {
    String sub = model.getPackageName().substring(FABRIC8_MODEL.length());
    List<String> packages;
    if (sub.isEmpty()) {
      packages = UNGROUPED;
    } else {
      String last = sub.substring(sub.lastIndexOf('.') + 1);
      packages = List.of("io.k8s.api" + sub + (VERSION.matcher(last).matches() ? "" : ".v1"));
    }
    List<String> known =
        packages.stream()
            .map(p -> p + "." + model.getSimpleName())
            .filter(definitions::has)
            .toList();
    if (known.size() != 1) {
      throw new IllegalStateException(
          "the API embeds "
              + model.getName()
              + ", whose Kubernetes definition is "
              + (known.isEmpty() ? "not" : "ambiguous")
              + " in "
              + file
              + " (looked for "
              + model.getSimpleName()
              + " in "
              + packages
              + "): add it to ROOTS in k8s-descriptions.py and run that script");
    }
    return known.get(0);
  }

  private static JSONSchemaProps items(JSONSchemaProps schema) {
    return schema.getItems() == null ? null : schema.getItems().getSchema();
  }

  private static JSONSchemaProps values(JSONSchemaProps schema) {
    return schema.getAdditionalProperties() == null
        ? null
        : schema.getAdditionalProperties().getSchema();
  }
}
