package dev.echoplatform.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Validates custom resources against a CRD version's structural openAPIV3Schema the way the API server's schema
 * validation does (types, enums, patterns, minimum/maximum, required) plus strict field validation (unknown fields
 * rejected, as `kubectl apply --validate=strict`, the default, does). CEL rules (x-kubernetes-validations) need a real
 * API server and are not evaluated here.
 */
final class CrdSchemaValidator {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final JsonSchema schema;
  private final String group;
  private final String version;
  private final String kind;

  private CrdSchemaValidator(JsonSchema schema, String group, String version, String kind) {
    this.schema = schema;
    this.group = group;
    this.version = version;
    this.kind = kind;
  }

  /** A validator for the served version {@code version} of the CRD. */
  static CrdSchemaValidator forCrd(JsonNode crd, String version) {
    JsonNode crdVersion = null;
    for (JsonNode v : crd.path("spec").path("versions")) {
      if (version.equals(v.path("name").asText())) {
        crdVersion = v;
      }
    }
    if (crdVersion == null) {
      throw new IllegalArgumentException("the CRD has no version " + version);
    }
    JsonNode openApi = crdVersion.path("schema").path("openAPIV3Schema");
    if (!openApi.isObject()) {
      throw new IllegalArgumentException("version " + version + " of the CRD has no openAPIV3Schema");
    }
    ObjectNode root = toJsonSchema(openApi);
    // apiVersion, kind and metadata are implicit in every CRD schema.
    ObjectNode properties = root.with("properties");
    properties.putObject("apiVersion").put("type", "string");
    properties.putObject("kind").put("type", "string");
    properties.putObject("metadata").put("type", "object");
    root.put("$schema", "http://json-schema.org/draft-07/schema#");

    SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().build();
    JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(root, config);
    return new CrdSchemaValidator(schema, crd.path("spec").path("group").asText(), version,
        crd.path("spec").path("names").path("kind").asText());
  }

  /** Every problem of the resource, each naming the offending field; empty when it is valid. */
  List<String> validate(JsonNode resource) {
    List<String> problems = new ArrayList<>();
    String expectedApiVersion = group + "/" + version;
    if (!expectedApiVersion.equals(resource.path("apiVersion").asText())) {
      problems.add("apiVersion is " + resource.path("apiVersion") + ", expected " + expectedApiVersion);
    }
    if (!kind.equals(resource.path("kind").asText())) {
      problems.add("kind is " + resource.path("kind") + ", expected " + kind);
    }
    if (resource.path("metadata").path("name").asText().isEmpty()) {
      problems.add("metadata.name is missing");
    }
    for (ValidationMessage message : schema.validate(resource)) {
      problems.add(message.getMessage());
    }
    return problems;
  }

  /**
   * Converts a structural OpenAPI v3 schema (Kubernetes dialect) into JSON Schema draft 7: objects with properties
   * reject unknown fields unless x-kubernetes-preserve-unknown-fields is set, int-or-string becomes an anyOf,
   * nullable adds "null" to the type, and the x-kubernetes-* extensions are dropped.
   */
  static ObjectNode toJsonSchema(JsonNode openApi) {
    ObjectNode out = NODES.objectNode();
    boolean preserveUnknown = openApi.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    boolean intOrString = openApi.path("x-kubernetes-int-or-string").asBoolean(false);
    for (Iterator<Map.Entry<String, JsonNode>> it = openApi.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      switch (key) {
        case "properties" -> {
          ObjectNode properties = out.putObject("properties");
          value.fields().forEachRemaining(p -> properties.set(p.getKey(), toJsonSchema(p.getValue())));
        }
        case "items", "additionalProperties", "not" -> out.set(key, value.isObject() ? toJsonSchema(value) : value);
        case "allOf", "anyOf", "oneOf" -> {
          ArrayNode schemas = out.putArray(key);
          value.forEach(s -> schemas.add(toJsonSchema(s)));
        }
        case "nullable", "description", "example", "externalDocs", "default" -> { }
        default -> {
          if (!key.startsWith("x-kubernetes-")) {
            out.set(key, value);
          }
        }
      }
    }
    if (intOrString) {
      out.remove("type");
      if (!out.has("anyOf")) {
        out.putArray("anyOf").add(NODES.objectNode().put("type", "integer")).add(NODES.objectNode().put("type", "string"));
      }
    } else if (openApi.path("nullable").asBoolean(false) && out.path("type").isTextual()) {
      out.putArray("type").add(out.path("type").asText()).add("null");
    }
    boolean isObject = "object".equals(openApi.path("type").asText());
    if (isObject && openApi.has("properties") && !openApi.has("additionalProperties") && !preserveUnknown) {
      out.put("additionalProperties", false);
    }
    // Inside anyOf/allOf the Kubernetes dialect only restricts values; types come from the enclosing schema.
    return out;
  }
}
