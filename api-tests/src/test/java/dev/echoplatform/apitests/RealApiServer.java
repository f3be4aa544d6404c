package dev.echoplatform.apitests;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the API tests: one real kube-apiserver + etcd per test class, started by kube-api-test
 * from the binaries that {@code deploy/local/build-control-plane.sh} lays out under {@code
 * ~/.kubeapitest}. Offline mode is set through the builder (the {@code KUBE_API_TEST_OFFLINE_MODE}
 * variable breaks kube-api-test 7.5.2), so a missing binary fails the start instead of triggering a
 * download.
 */
abstract class RealApiServer {

  static final String CRD_NAME = "echoservices.echo.platform.dev";

  static KubeAPIServer server;
  static KubernetesClient client;

  /**
   * The Kubernetes version the tests run on ({@code -Dkube-api.version}, passed on by the build):
   * 1.36.3 or the oldest version the chart supports (the version matrix, docs/e2e.md).
   */
  static final String KUBE_API_VERSION = System.getProperty("echo.kube-api.version", "1.36.3");

  @BeforeAll
  static void startApiServer() {
    server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withApiServerVersion(KUBE_API_VERSION)
                .build());
    server.start();
    client = clientBuilder().build();
    // The binary laid out for the version is that release (a wrong symlink would prove nothing
    // about the version).
    String served = client.getKubernetesVersion().getGitVersion();
    if (!served.equals("v" + KUBE_API_VERSION)) {
      throw new IllegalStateException(
          "kube-apiserver laid out for " + KUBE_API_VERSION + " reports " + served);
    }
    System.out.println("api-tests on kube-apiserver " + served);
  }

  /** A client builder for the API server of the class. */
  static KubernetesClientBuilder clientBuilder() {
    return new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml()));
  }

  @AfterAll
  static void stopApiServer() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  /** The repository root (set by the build; the module directory's parent otherwise). */
  static Path repoRoot() {
    return Path.of(System.getProperty("echo.repo.root", "..")).toAbsolutePath().normalize();
  }

  static Path committedCrd() {
    return repoRoot().resolve("crds").resolve(CRD_NAME + "-v1.yml");
  }

  /** Creates the committed CRD and waits until the API server reports it Established. */
  static CustomResourceDefinition installCrd() {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(committedCrd())) {
      crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client.resource(crd).serverSideApply();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                established(
                    client
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(CRD_NAME)
                        .get()));
    return client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get();
  }

  static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static void createNamespace(String name) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
  }

  /**
   * An EchoService as an untyped resource, so that invalid values reach the API server as written.
   */
  static GenericKubernetesResource echoService(String namespace, String name, String specYaml) {
    String yaml =
        """
        apiVersion: echo.platform.dev/v1alpha1
        kind: EchoService
        metadata:
          name: %s
          namespace: %s
        spec:
        %s
        """
            .formatted(name, namespace, specYaml.indent(2));
    return client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
  }

  static <T extends HasMetadata> T createResource(T resource) {
    return client.resource(resource).create();
  }
}
