package dev.echoplatform.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/operator.md carries a field reference generated from the CRD. This test fails when it is out
 * of date; run with {@code -Ddocs.update=true} to rewrite that section.
 */
class FieldReferenceDocTest {

  static final Path DOC = Path.of("..", "docs", "operator.md");
  static final String BEGIN =
      "<!-- BEGIN FIELD REFERENCE (generated from the CRD by FieldReferenceDocTest) -->";
  static final String END = "<!-- END FIELD REFERENCE -->";

  @Test
  void fieldReferenceMatchesTheCrd() throws IOException {
    CrdSchemaTest.load();
    JSONSchemaProps root = CrdSchemaTest.version.getSchema().getOpenAPIV3Schema();
    String generated =
        BEGIN
            + "\n"
            + table("spec", root.getProperties().get("spec"))
            + "\n"
            + table("status", root.getProperties().get("status"))
            + END;
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    int b = doc.indexOf(BEGIN);
    int e = doc.indexOf(END);
    assertThat(b).as("%s has the %s marker", DOC, BEGIN).isNotNegative();
    assertThat(e).as("%s has the %s marker", DOC, END).isGreaterThan(b);
    String current = doc.substring(b, e + END.length());
    if (Boolean.getBoolean("docs.update") && !current.equals(generated)) {
      Files.writeString(
          DOC,
          doc.substring(0, b) + generated + doc.substring(e + END.length()),
          StandardCharsets.UTF_8);
      current = generated;
    }
    assertThat(current)
        .as(
            "the field reference in %s is out of date: run 'mvn -pl operator test "
                + "-Dtest=FieldReferenceDocTest -Ddocs.update=true'",
            DOC)
        .isEqualTo(generated);
  }

  static String table(String root, JSONSchemaProps node) {
    List<String> rows = new ArrayList<>();
    rows.add("| Field | Type | Default | Validation | Description |");
    rows.add("|---|---|---|---|---|");
    walk(root, node, rows);
    String rules =
        node.getXKubernetesValidations() == null
            ? ""
            : node.getXKubernetesValidations().stream()
                    .filter(r -> r.getFieldPath() == null)
                    .map(r -> "Rule on `" + root + "`: " + r.getMessage() + ".\n")
                    .collect(Collectors.joining())
                + "\n";
    return rules + String.join("\n", rows) + "\n";
  }

  static void walk(String path, JSONSchemaProps node, List<String> rows) {
    if (node.getProperties() == null) {
      return;
    }
    node.getProperties()
        .forEach(
            (name, child) -> {
              String p = path + "." + name;
              rows.add(
                  "| `"
                      + p
                      + "` | "
                      + type(child)
                      + " | "
                      + dflt(child)
                      + " | "
                      + validation(node, name, child)
                      + " | "
                      + cell(child.getDescription())
                      + " |");
              if (!CrdSchemaTest.EMBEDDED_KUBERNETES_TYPES.contains(name)) {
                walk(p, child, rows);
                if (child.getItems() != null && child.getItems().getSchema() != null) {
                  walk(p + "[]", child.getItems().getSchema(), rows);
                }
              }
            });
  }

  static String type(JSONSchemaProps s) {
    if (Boolean.TRUE.equals(s.getXKubernetesIntOrString())) {
      return "integer or string";
    }
    if ("array".equals(s.getType()) && s.getItems() != null && s.getItems().getSchema() != null) {
      return "array of " + s.getItems().getSchema().getType();
    }
    if ("object".equals(s.getType())
        && s.getAdditionalProperties() != null
        && s.getAdditionalProperties().getSchema() != null) {
      return "map of " + s.getAdditionalProperties().getSchema().getType();
    }
    return s.getType();
  }

  static String dflt(JSONSchemaProps s) {
    return s.getDefault() == null ? "" : "`" + s.getDefault() + "`";
  }

  static String validation(JSONSchemaProps parent, String name, JSONSchemaProps s) {
    List<String> v = new ArrayList<>();
    if (s.getEnum() != null && !s.getEnum().isEmpty()) {
      v.add(
          "one of " + s.getEnum().stream().map(x -> x.asText()).collect(Collectors.joining(", ")));
    }
    if (s.getMinimum() != null) {
      v.add("min " + s.getMinimum().longValue());
    }
    if (s.getMaximum() != null) {
      v.add("max " + s.getMaximum().longValue());
    }
    if (s.getPattern() != null) {
      v.add("pattern `" + s.getPattern() + "`");
    }
    if (s.getMaxLength() != null) {
      v.add("at most " + s.getMaxLength() + " characters");
    }
    if (s.getMaxItems() != null) {
      v.add("at most " + s.getMaxItems() + " items");
    }
    if (s.getRequired() != null && !s.getRequired().isEmpty()) {
      v.add("requires " + String.join(", ", s.getRequired()));
    }
    if (s.getXKubernetesValidations() != null) {
      // A rule naming one field (fieldPath) is listed on that field's row.
      s.getXKubernetesValidations().stream()
          .filter(r -> r.getFieldPath() == null)
          .forEach(r -> v.add("rule: " + r.getMessage()));
    }
    if (parent != null && parent.getXKubernetesValidations() != null) {
      parent.getXKubernetesValidations().stream()
          .filter(r -> ("." + name).equals(r.getFieldPath()))
          .forEach(r -> v.add("rule: " + r.getMessage()));
    }
    return cell(String.join("; ", v));
  }

  static String cell(String text) {
    return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
  }
}
