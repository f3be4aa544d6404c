package dev.echoplatform.operator.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.echoplatform.config.ServerConfig;
import dev.echoplatform.config.Setting;
import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.api.v1alpha1.EchoServiceSpec;
import dev.echoplatform.operator.api.v1alpha1.ServerSettings;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An EchoService resolved against the operator's defaults: everything the desired-state builders
 * need, computed once. Pure: no client calls.
 *
 * @param name the EchoService name (also the name of every child)
 * @param namespace its namespace
 * @param spec the spec with defaults applied
 * @param image the image to run (the spec's, or the operator's default)
 * @param version the version label value derived from the image
 * @param labels standard and user labels for every child
 * @param annotations user annotations for every child
 * @param configData the ConfigMap data (echo-server environment)
 * @param configHash hash of {@code configData}, put on the pod template
 * @param server {@code configData} as echo-server reads it (its own parser): what the pods will run
 */
public record EchoServiceModel(
    String name,
    String namespace,
    EchoServiceSpec spec,
    String image,
    String version,
    Map<String, String> labels,
    Map<String, String> annotations,
    Map<String, String> configData,
    String configHash,
    ServerConfig server) {

  /** Pod template annotation carrying the hash of the server configuration. */
  public static final String CONFIG_HASH_ANNOTATION = "echo.platform.dev/config-hash";

  public static final int CONTAINER_PORT = 8080;
  public static final String CONTAINER_NAME = "echo-server";
  public static final String PORT_NAME = "http";

  /**
   * echo-server's management port: /healthz, /readyz and /metrics with their own connection and
   * rate limits, for the kubelet's probes and for Prometheus. Not exposed by the Service.
   */
  public static final int MANAGEMENT_PORT = 8081;

  public static final String MANAGEMENT_PORT_NAME = "management";

  private static final ObjectMapper JSON = new ObjectMapper();

  public static EchoServiceModel of(EchoService echoService, String defaultImage) {
    String name = echoService.getMetadata().getName();
    String namespace = echoService.getMetadata().getNamespace();
    EchoServiceSpec spec =
        echoService.getSpec() == null ? EchoServiceSpec.defaults() : echoService.getSpec();
    String image = spec.image() == null || spec.image().isBlank() ? defaultImage : spec.image();
    String version = Labels.toLabelValue(imageVersion(image));
    Map<String, String> configData = new TreeMap<>(configData(spec.settings()));
    // Every log line of the pods names the service and its environment (the label the examples
    // set).
    configData.put(Setting.SERVICE_NAME.env(), name);
    String environment =
        spec.labels()
            .getOrDefault(
                "environment",
                echoService.getMetadata().getLabels() == null
                    ? ""
                    : echoService.getMetadata().getLabels().getOrDefault("environment", ""));
    // What echo-server accepts (a label value); anything else is left out: the pods must start.
    configData.put(
        Setting.ENVIRONMENT.env(), Setting.ENVIRONMENT.accepts(environment) ? environment : "");
    configData = Map.copyOf(configData);
    return new EchoServiceModel(
        name,
        namespace,
        spec,
        image,
        version,
        Map.copyOf(Labels.standard(name, version, spec.labels())),
        Map.copyOf(new TreeMap<>(spec.annotations())),
        configData,
        hash(configData),
        // Refuses, naming the variable, what the pods would refuse at start: nothing is applied.
        ServerConfig.fromEnv(configData));
  }

  /** The tag of an image reference, the digest when pinned by digest, else {@code latest}. */
  public static String imageVersion(String image) {
    int at = image.indexOf('@');
    if (at >= 0) {
      return image.substring(at + 1).replace(':', '-');
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    return colon > slash ? image.substring(colon + 1) : "latest";
  }

  /**
   * echo-server's environment for the given settings, from the server's table: each variable that a
   * field of {@code spec.settings} sets, with the table's default where the CRD defaults the field
   * and it is unset (objects not defaulted by an API server: tests, {@code --render}).
   */
  static Map<String, String> configData(ServerSettings settings) {
    JsonNode values = JSON.valueToTree(settings);
    Map<String, String> data = new TreeMap<>();
    data.put(Setting.PORT.env(), Integer.toString(CONTAINER_PORT));
    data.put(Setting.MANAGEMENT_PORT.env(), Integer.toString(MANAGEMENT_PORT));
    for (Setting s : Setting.values()) {
      if (s.field().name() == null) {
        continue;
      }
      JsonNode value = values.get(s.field().name());
      if (value != null && !value.isNull()) {
        data.put(s.env(), text(value));
      } else if (s.field().defaulted()) {
        data.put(s.env(), s.defaultValue());
      }
    }
    return Map.copyOf(data);
  }

  /** A field's value as the server reads it: a list is comma-separated. */
  private static String text(JsonNode value) {
    if (!value.isArray()) {
      return value.asText();
    }
    List<String> entries = new ArrayList<>();
    value.forEach(v -> entries.add(v.asText()));
    return String.join(",", entries);
  }

  static String hash(Map<String, String> data) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      new TreeMap<>(data)
          .forEach(
              (k, v) -> {
                digest.update(k.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(v.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
              });
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  public Map<String, String> selector() {
    return Labels.selector(name);
  }

  public boolean autoscaling() {
    return Boolean.TRUE.equals(spec.autoscaling().enabled());
  }

  /**
   * Metadata shared by every child: name, namespace, standard and user labels, user annotations.
   */
  public ObjectMeta childMetadata() {
    return new ObjectMetaBuilder()
        .withName(name())
        .withNamespace(namespace())
        .withLabels(new java.util.TreeMap<>(labels()))
        .withAnnotations(new java.util.TreeMap<>(annotations()))
        .build();
  }
}
