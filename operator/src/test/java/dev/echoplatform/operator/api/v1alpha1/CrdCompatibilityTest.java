package dev.echoplatform.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The CRD stays compatible with the last released one (crds/released/, committed at each release):
 * no version or field removed, no type changed, no enum value dropped, no bound narrowed, no field
 * newly required. Objects stored under the released CRD must still be served, and manifests written
 * for it still accepted. A change that must break this is a new API version, not an edit of
 * v1alpha1. After a release, copy the released CRD there as the new baseline. (Narrower CEL rules
 * are not compared; the API tests refuse and admit named examples instead.)
 */
class CrdCompatibilityTest {

  static final Path RELEASED =
      Path.of("..", "crds", "released", "echoservices.echo.platform.dev-0.1.0.yml");

  @Test
  void theCrdIsCompatibleWithTheLastReleasedOne() throws IOException {
    assertThat(incompatibilities(load(RELEASED), load(CrdSchemaTest.COMMITTED))).isEmpty();
  }

  @Test
  void theGateNoticesEachKindOfBreakingChange() throws IOException {
    CustomResourceDefinition released = load(RELEASED);
    CustomResourceDefinition changed = load(CrdSchemaTest.COMMITTED);
    JSONSchemaProps spec =
        changed
            .getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    spec.getProperties().remove("podAnnotations");
    spec.getProperties().get("replicas").setType("string");
    spec.getProperties().get("service").getProperties().get("port").setMaximum(100.0);
    spec.getProperties().get("imagePullPolicy").getEnum().remove(0);
    spec.setRequired(List.of("image"));
    assertThat(incompatibilities(released, changed))
        .containsExactlyInAnyOrder(
            "v1alpha1: spec.podAnnotations was removed",
            "v1alpha1: spec.replicas changed type from integer to string",
            "v1alpha1: spec.service.port maximum narrowed from 65535.0 to 100.0",
            "v1alpha1: spec.imagePullPolicy no longer accepts \"Always\"",
            "v1alpha1: spec.image is newly required");
  }

  static CustomResourceDefinition load(Path file) throws IOException {
    return new KubernetesSerialization()
        .unmarshal(Files.readString(file), CustomResourceDefinition.class);
  }

  static List<String> incompatibilities(
      CustomResourceDefinition released, CustomResourceDefinition current) {
    List<String> out = new ArrayList<>();
    for (CustomResourceDefinitionVersion was : released.getSpec().getVersions()) {
      var is =
          current.getSpec().getVersions().stream()
              .filter(v -> v.getName().equals(was.getName()))
              .findFirst();
      if (is.isEmpty() || !Boolean.TRUE.equals(is.get().getServed())) {
        out.add(was.getName() + " is no longer served");
        continue;
      }
      compare(
          was.getName() + ": ",
          "",
          was.getSchema().getOpenAPIV3Schema(),
          is.get().getSchema().getOpenAPIV3Schema(),
          out);
    }
    return out;
  }

  private static void compare(
      String prefix, String path, JSONSchemaProps was, JSONSchemaProps is, List<String> out) {
    String where = prefix + (path.isEmpty() ? "the root" : path);
    if (!Objects.equals(was.getType(), is.getType())) {
      out.add(where + " changed type from " + was.getType() + " to " + is.getType());
      return;
    }
    if (was.getEnum() != null && !was.getEnum().isEmpty()) {
      Set<String> now =
          is.getEnum() == null
              ? null
              : is.getEnum().stream().map(Object::toString).collect(Collectors.toSet());
      if (now != null) {
        was.getEnum().stream()
            .map(Object::toString)
            .filter(v -> !now.contains(v))
            .forEach(v -> out.add(where + " no longer accepts " + v));
      }
    } else if (is.getEnum() != null && !is.getEnum().isEmpty()) {
      out.add(where + " became an enum");
    }
    narrowed(where, "minimum", was.getMinimum(), is.getMinimum(), true, out);
    narrowed(where, "maximum", was.getMaximum(), is.getMaximum(), false, out);
    narrowed(where, "minLength", was.getMinLength(), is.getMinLength(), true, out);
    narrowed(where, "maxLength", was.getMaxLength(), is.getMaxLength(), false, out);
    narrowed(where, "minItems", was.getMinItems(), is.getMinItems(), true, out);
    narrowed(where, "maxItems", was.getMaxItems(), is.getMaxItems(), false, out);
    if (is.getPattern() != null && !is.getPattern().equals(was.getPattern())) {
      out.add(where + " has a new pattern");
    }
    Set<String> required = new HashSet<>(is.getRequired() == null ? List.of() : is.getRequired());
    required.removeAll(was.getRequired() == null ? List.of() : was.getRequired());
    required.forEach(
        r -> out.add(prefix + (path.isEmpty() ? "" : path + ".") + r + " is newly required"));
    if (was.getProperties() != null) {
      was.getProperties()
          .forEach(
              (name, child) -> {
                String p = path.isEmpty() ? name : path + "." + name;
                JSONSchemaProps now =
                    is.getProperties() == null ? null : is.getProperties().get(name);
                if (now == null) {
                  if (!Boolean.TRUE.equals(is.getXKubernetesPreserveUnknownFields())) {
                    out.add(prefix + p + " was removed");
                  }
                } else {
                  compare(prefix, p, child, now, out);
                }
              });
    }
    if (was.getItems() != null
        && was.getItems().getSchema() != null
        && is.getItems() != null
        && is.getItems().getSchema() != null) {
      compare(prefix, path + "[]", was.getItems().getSchema(), is.getItems().getSchema(), out);
    }
    if (was.getAdditionalProperties() != null
        && was.getAdditionalProperties().getSchema() != null
        && is.getAdditionalProperties() != null
        && is.getAdditionalProperties().getSchema() != null) {
      compare(
          prefix,
          path + "{}",
          was.getAdditionalProperties().getSchema(),
          is.getAdditionalProperties().getSchema(),
          out);
    }
  }

  private static <N extends Comparable<N>> void narrowed(
      String where, String bound, N was, N is, boolean lower, List<String> out) {
    if (is == null) {
      return;
    }
    if (was == null || (lower ? is.compareTo(was) > 0 : is.compareTo(was) < 0)) {
      out.add(where + " " + bound + " narrowed from " + (was == null ? "none" : was) + " to " + is);
    }
  }
}
