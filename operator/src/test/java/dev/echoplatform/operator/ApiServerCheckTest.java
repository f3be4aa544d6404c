package dev.echoplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient
class ApiServerCheckTest {

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void namesTheServerTheVersionAndTheIdentity() throws Exception {
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .andReturn(
            201,
            new SelfSubjectReviewBuilder()
                .withNewStatus()
                .withNewUserInfo()
                .withUsername("system:serviceaccount:echo-system:echo-operator")
                .endUserInfo()
                .endStatus()
                .build())
        .once();
    ApiServerCheck.Found found = ApiServerCheck.check(client.getConfiguration());
    assertThat(found.version()).isNotBlank(); // the mock server's own /version
    assertThat(found.user()).isEqualTo("system:serviceaccount:echo-system:echo-operator");
    assertThat(found.toString())
        .startsWith("Kubernetes API server " + client.getConfiguration().getMasterUrl())
        .endsWith(", as system:serviceaccount:echo-system:echo-operator");
  }

  @Test
  void anUnreachableServerIsNamedAtOnceWithItsCause() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    Config config =
        new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:" + port).build();
    long start = System.nanoTime();
    assertThatThrownBy(() -> ApiServerCheck.check(config))
        .isInstanceOf(ApiServerCheck.Unreachable.class)
        .hasMessageStartingWith(
            "cannot reach the Kubernetes API server at https://127.0.0.1:" + port)
        .hasMessageContaining("ConnectException")
        .hasMessageEndingWith("check KUBECONFIG or the in-cluster service account");
    assertThat((System.nanoTime() - start) / 1_000_000).as("no retries").isLessThan(8_000);
  }

  @Test
  void refusedCredentialsAreNamed() {
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .andReturn(
            401,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                + "\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}")
        .once();
    assertThatThrownBy(() -> ApiServerCheck.check(client.getConfiguration()))
        .isInstanceOf(ApiServerCheck.Unreachable.class)
        .hasMessageContaining("HTTP 401: Unauthorized");
  }
}
