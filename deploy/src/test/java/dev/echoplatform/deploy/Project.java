package dev.echoplatform.deploy;

import dev.echoplatform.operator.SchemaValidator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locations and coordinates of the project, handed to the tests by the Maven build (surefire system
 * properties).
 */
final class Project {

  private Project() {}

  /** The Maven project version: chart version, appVersion and every image tag. */
  static String version() {
    return required("project.version");
  }

  /** Registry and organisation of the project's images. */
  static String imageRegistry() {
    return required("image.registry");
  }

  /** The repository root. */
  static Path root() {
    Path root = Path.of(required("repo.root")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("pom.xml"))) {
      throw new IllegalStateException("repo.root " + root + " has no pom.xml");
    }
    return root;
  }

  static Path chartDir() {
    return root().resolve("deploy/helm/echo-operator");
  }

  static Path crdFile() {
    return root().resolve("crds/echoservices.echo.platform.dev-v1.yml");
  }

  /**
   * The CRD's schema and CEL rules, checked as the API server checks them (the operator's
   * validator).
   */
  static SchemaValidator crdSchema() throws IOException {
    return new SchemaValidator(
        new KubernetesSerialization()
            .unmarshal(Files.readString(crdFile()), CustomResourceDefinition.class),
        "v1alpha1");
  }

  static Path chartCrdFile() {
    return chartDir().resolve("files/crds/echoservices.echo.platform.dev-v1.yml");
  }

  static Path examplesDir() {
    return root().resolve("deploy/examples");
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          "system property "
              + property
              + " is not set: run the tests through Maven (mvn -pl deploy verify)");
    }
    return value;
  }
}
