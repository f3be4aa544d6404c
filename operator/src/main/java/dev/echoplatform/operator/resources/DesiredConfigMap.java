package dev.echoplatform.operator.resources;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;

/** Desired ConfigMap: echo-server's settings as its environment variables. */
public final class DesiredConfigMap {

  private DesiredConfigMap() {}

  public static ConfigMap build(EchoServiceModel m) {
    return new ConfigMapBuilder()
        .withMetadata(m.childMetadata())
        .withData(new java.util.TreeMap<>(m.configData()))
        .build();
  }
}
