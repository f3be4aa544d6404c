package dev.echoplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart installs the CRD generated in crds/ (copied into the chart by the build) as a template,
 * so that `helm upgrade` applies a changed CRD: Helm never upgrades CRDs placed in a chart's crds/
 * folder.
 */
class CrdInChartTest {

  private static final String CRD_NAME = "echoservices.echo.platform.dev";

  /** Equal JSON trees, numbers compared by value (Helm renders the generator's 1000.0 as 1000). */
  private static final Comparator<JsonNode> NUMERIC_AWARE =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
      };

  @Test
  void chartCopyIsByteForByteTheGeneratedCrd() throws IOException {
    assertThat(Project.crdFile()).as("the generated CRD").isRegularFile();
    assertThat(Project.chartCrdFile())
        .as(
            "the chart's copy of the CRD (copied by the deploy module's build, never edited by hand)")
        .hasSameBinaryContentAs(Project.crdFile());
  }

  @Test
  void chartHasNoCrdsFolderHelmWouldNeverUpgrade() {
    assertThat(Project.chartDir().resolve("crds")).doesNotExist();
  }

  @Test
  void renderedCrdIsTheGeneratedCrdPlusTheChartsLabelsAndKeepPolicy() {
    JsonNode rendered = RenderedChart.render("").get("CustomResourceDefinition", CRD_NAME);
    JsonNode generated = Yaml.single(Project.crdFile());

    JsonNode metadata = rendered.path("metadata");
    assertThat(metadata.path("annotations").path("helm.sh/resource-policy").asText())
        .isEqualTo("keep");
    assertThat(metadata.path("labels").path("app.kubernetes.io/version").asText())
        .isEqualTo(Project.version());
    assertThat(
            withoutChartMetadata(rendered).equals(NUMERIC_AWARE, withoutChartMetadata(generated)))
        .as(
            "rendered CRD equals crds/%s apart from the chart's labels and annotations",
            Project.crdFile().getFileName())
        .isTrue();
    assertThat(rendered.path("spec").path("names").path("kind").asText()).isEqualTo("EchoService");
    assertThat(rendered.path("spec").path("scope").asText()).isEqualTo("Namespaced");
  }

  @Test
  void withoutKeepPolicyTheCrdIsRemovedByUninstall() {
    JsonNode rendered =
        RenderedChart.render("crds: {keep: false}").get("CustomResourceDefinition", CRD_NAME);
    assertThat(rendered.path("metadata").path("annotations").has("helm.sh/resource-policy"))
        .isFalse();
  }

  /**
   * The upgrade path: a chart whose CRD changed renders the new CRD as an ordinary manifest, which
   * `helm upgrade` applies like any other object of the release.
   */
  @Test
  void aChangedCrdIsRenderedByTheNewChart(@TempDir Path temp) throws IOException {
    Path chart = copyChart(temp.resolve("echo-operator"));
    Path crd = chart.resolve("files/crds/echoservices.echo.platform.dev-v1.yml");
    ObjectNode changed = (ObjectNode) Yaml.single(crd);
    ObjectNode specProperties =
        (ObjectNode)
            changed
                .path("spec")
                .path("versions")
                .get(0)
                .path("schema")
                .path("openAPIV3Schema")
                .path("properties")
                .path("spec")
                .path("properties");
    specProperties
        .putObject("addedInANewRelease")
        .put("type", "string")
        .put("description", "A field of the next CRD.");
    Files.writeString(crd, Yaml.MAPPER.writeValueAsString(changed));

    JsonNode rendered = RenderedChart.render(chart, "").get("CustomResourceDefinition", CRD_NAME);
    assertThat(
            rendered
                .path("spec")
                .path("versions")
                .get(0)
                .path("schema")
                .path("openAPIV3Schema")
                .path("properties")
                .path("spec")
                .path("properties")
                .path("addedInANewRelease")
                .path("type")
                .asText())
        .isEqualTo("string");
  }

  @Test
  void aChartBuiltWithoutTheCrdFailsWithAClearMessage(@TempDir Path temp) throws IOException {
    Path chart = copyChart(temp.resolve("echo-operator"));
    Files.delete(chart.resolve("files/crds/echoservices.echo.platform.dev-v1.yml"));
    assertThatThrownBy(() -> RenderedChart.render(chart, ""))
        .hasMessageContaining(
            "files/crds/echoservices.echo.platform.dev-v1.yml is missing from the chart");
    assertThat(
            RenderedChart.render(chart, "crds: {install: false}").all("CustomResourceDefinition"))
        .isEmpty();
  }

  private static ObjectNode withoutChartMetadata(JsonNode crd) {
    ObjectNode copy = crd.deepCopy();
    ObjectNode metadata = (ObjectNode) copy.path("metadata");
    metadata.remove("labels");
    metadata.remove("annotations");
    return copy;
  }

  private static Path copyChart(Path target) throws IOException {
    Path source = Project.chartDir();
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path destination = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(destination);
        } else {
          Files.copy(file, destination);
        }
      }
    }
    return target;
  }
}
