package dev.echoplatform.operator.resources;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** Desired ConfigMap: echo-server's settings as its environment variables. */
public final class ConfigMapBuilder {

  private ConfigMapBuilder() {}

  public static ConfigMap build(EchoServiceModel m) {
    return new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withMetadata(metadata(m))
        .withData(new java.util.TreeMap<>(m.configData()))
        .build();
  }

  /**
   * Metadata shared by every child: name, namespace, standard and user labels, user annotations.
   */
  static ObjectMeta metadata(EchoServiceModel m) {
    return new ObjectMetaBuilder()
        .withName(m.name())
        .withNamespace(m.namespace())
        .withLabels(new java.util.TreeMap<>(m.labels()))
        .withAnnotations(new java.util.TreeMap<>(m.annotations()))
        .build();
  }
}
