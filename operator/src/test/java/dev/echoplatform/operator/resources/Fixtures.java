package dev.echoplatform.operator.resources;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** EchoServices for tests, written as the user would write them. */
public final class Fixtures {

  public static final String DEFAULT_IMAGE = "ghcr.io/echo-platform/echo-server:0.1.0";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Fixtures() {}

  /**
   * An EchoService named {@code name} in namespace {@code ns} with the given spec (YAML, indented
   * 2).
   */
  public static EchoService echoService(String ns, String name, String specYaml) {
    String yaml =
        """
        apiVersion: echo.platform.dev/v1alpha1
        kind: EchoService
        metadata:
          name: %s
          namespace: %s
          generation: 1
        spec:
        %s
        """
            .formatted(name, ns, specYaml.isBlank() ? "  {}" : specYaml.stripTrailing().indent(2));
    return SERIALIZATION.unmarshal(yaml, EchoService.class);
  }

  public static EchoServiceModel model(String specYaml) {
    return EchoServiceModel.of(echoService("team-a", "echo", specYaml), DEFAULT_IMAGE);
  }
}
