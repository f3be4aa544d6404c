package dev.echoplatform.operator.resources;

import dev.echoplatform.operator.api.v1alpha1.ServiceSettings;
import dev.echoplatform.operator.api.v1alpha1.ServiceSettings.ServiceType;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.TreeMap;

/** Desired Service: the configured port to the pods' port 8080. */
public final class DesiredService {

  private DesiredService() {}

  public static Service build(EchoServiceModel m) {
    ServiceSettings s = m.spec().service();
    ObjectMeta metadata = m.childMetadata();
    TreeMap<String, String> annotations = new TreeMap<>(m.annotations());
    annotations.putAll(s.annotations());
    metadata.setAnnotations(annotations);
    return new ServiceBuilder()
        .withMetadata(metadata)
        .withNewSpec()
        .withType(s.type().name())
        .withSelector(m.selector())
        .addNewPort()
        .withName(EchoServiceModel.PORT_NAME)
        .withProtocol("TCP")
        .withPort(s.port())
        .withTargetPort(new IntOrString(EchoServiceModel.PORT_NAME))
        .withNodePort(s.type() == ServiceType.NodePort ? s.nodePort() : null)
        .endPort()
        .withLoadBalancerSourceRanges(
            s.type() == ServiceType.LoadBalancer && !s.loadBalancerSourceRanges().isEmpty()
                ? s.loadBalancerSourceRanges()
                : java.util.List.of())
        .withExternalTrafficPolicy(
            s.externalTrafficPolicy() == null ? null : s.externalTrafficPolicy().name())
        .withInternalTrafficPolicy(
            s.internalTrafficPolicy() == null ? null : s.internalTrafficPolicy().name())
        .endSpec()
        .build();
  }
}
