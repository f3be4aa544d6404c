package dev.echoplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The objects of one `helm template` run of the chart, parsed, with look-ups by kind and name. */
final class RenderedChart {

  static final String RELEASE = "echo-operator";
  static final String NAMESPACE = "echo-system";

  /** Full name of the objects: the release name, as it contains the chart name. */
  static final String FULLNAME = "echo-operator";

  /**
   * Kubernetes version the chart is rendered for (the chart needs >= 1.29; helm-java defaults to
   * 1.20).
   */
  static final String KUBE_VERSION = "v1.33.0";

  final List<JsonNode> objects;

  private RenderedChart(List<JsonNode> objects) {
    this.objects = objects;
  }

  /**
   * Renders the chart at {@code chartDir} with the default values plus the given values YAML (may
   * be empty).
   */
  static RenderedChart render(Path chartDir, String valuesYaml) {
    try {
      Path values = Files.createTempFile("echo-operator-values", ".yaml");
      try {
        Files.writeString(values, valuesYaml);
        String manifest =
            new Helm(chartDir)
                .template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION)
                .withValuesFile(values)
                .call();
        return new RenderedChart(Yaml.documents(manifest));
      } finally {
        Files.deleteIfExists(values);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static RenderedChart render(String valuesYaml) {
    return render(Project.chartDir(), valuesYaml);
  }

  List<JsonNode> all(String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  Optional<JsonNode> find(String kind, String name) {
    return objects.stream()
        .filter(
            o ->
                kind.equals(o.path("kind").asText())
                    && name.equals(o.path("metadata").path("name").asText()))
        .findFirst();
  }

  JsonNode get(String kind, String name) {
    return find(kind, name)
        .orElseThrow(
            () ->
                new AssertionError(
                    "no "
                        + kind
                        + " named "
                        + name
                        + " in the rendered chart; rendered: "
                        + summary()));
  }

  JsonNode only(String kind) {
    List<JsonNode> found = all(kind);
    assertThat(found).as("objects of kind %s", kind).hasSize(1);
    return found.get(0);
  }

  JsonNode deployment() {
    return get("Deployment", FULLNAME);
  }

  JsonNode operatorContainer() {
    JsonNode containers =
        deployment().path("spec").path("template").path("spec").path("containers");
    assertThat(containers.size()).as("containers of the operator pod").isEqualTo(1);
    return containers.get(0);
  }

  /** Value of an env var of the operator container, or null when absent. */
  JsonNode env(String name) {
    for (JsonNode env : operatorContainer().path("env")) {
      if (name.equals(env.path("name").asText())) {
        return env;
      }
    }
    return null;
  }

  String envValue(String name) {
    JsonNode env = env(name);
    assertThat(env).as("env var %s of the operator container", name).isNotNull();
    return env.path("value").asText();
  }

  String summary() {
    return names().toString();
  }

  /** kind/namespace/name of every rendered object. */
  List<String> names() {
    return objects.stream()
        .map(
            o ->
                o.path("kind").asText()
                    + "/"
                    + o.path("metadata").path("namespace").asText("")
                    + "/"
                    + o.path("metadata").path("name").asText())
        .toList();
  }
}
