package dev.echoplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * values.yaml is documented line by line, and docs/deploy.md's values reference lists every value.
 */
class ValuesDocumentationTest {

  private static final Pattern KEY_LINE = Pattern.compile("^(\\s*)([A-Za-z_][\\w./-]*):.*$");

  /**
   * Kubernetes objects given whole as values: their inner keys are Kubernetes fields, not chart
   * values.
   */
  private static final Set<String> OPAQUE =
      Set.of("seccompProfile", "capabilities", "namespaceSelector", "podSelector");

  @Test
  void everyKeyOfValuesYamlHasACommentAboveIt() throws IOException {
    List<String> lines = Files.readAllLines(Project.chartDir().resolve("values.yaml"));
    List<String> undocumented = new ArrayList<>();
    String previous = "";
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (KEY_LINE.matcher(line).matches() && !previous.strip().startsWith("#")) {
        undocumented.add((i + 1) + ": " + line.strip());
      }
      if (!line.isBlank()) {
        previous = line;
      }
    }
    assertThat(undocumented).as("keys of values.yaml without a comment line above them").isEmpty();
  }

  @Test
  void deployDocListsEveryValue() throws IOException {
    String doc = Files.readString(Project.root().resolve("docs/deploy.md"));
    List<String> missing = new ArrayList<>();
    for (String path : valuePaths(Yaml.single(Project.chartDir().resolve("values.yaml")), "")) {
      if (!doc.contains("| `" + path + "` |")) {
        missing.add(path);
      }
    }
    assertThat(missing).as("values missing from the values reference of docs/deploy.md").isEmpty();
  }

  @Test
  void everyTopLevelValueIsDeclaredInTheSchema() {
    JsonNode schema = Yaml.single(Project.chartDir().resolve("values.schema.json"));
    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    Yaml.single(Project.chartDir().resolve("values.yaml"))
        .fieldNames()
        .forEachRemaining(
            key ->
                assertThat(schema.path("properties").has(key))
                    .as("schema declares %s", key)
                    .isTrue());
  }

  /** Paths of the leaves, and of lists, empty maps and opaque Kubernetes objects, as documented. */
  private static List<String> valuePaths(JsonNode node, String prefix) {
    List<String> paths = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String path = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject() && !value.isEmpty() && !OPAQUE.contains(field.getKey())) {
        paths.addAll(valuePaths(value, path));
      } else {
        paths.add(path);
      }
    }
    return paths;
  }
}
