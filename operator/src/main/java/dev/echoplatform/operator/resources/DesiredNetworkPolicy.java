package dev.echoplatform.operator.resources;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import java.util.Map;

/**
 * Desired NetworkPolicy: ingress only to port 8080 (from the configured peers, or from anywhere
 * when none are configured) and to the management port 8081 from the metrics peers (none by
 * default: only the pod's node, i.e. the kubelet's probes, reaches it, as NetworkPolicy always
 * allows), egress only DNS (UDP and TCP 53) to kube-dns in kube-system.
 */
public final class DesiredNetworkPolicy {

  public static final Map<String, String> DNS_NAMESPACE =
      Map.of("kubernetes.io/metadata.name", "kube-system");
  public static final Map<String, String> DNS_PODS = Map.of("k8s-app", "kube-dns");

  private DesiredNetworkPolicy() {}

  public static NetworkPolicy build(EchoServiceModel m) {
    var peers = m.spec().networkPolicy().ingressFrom();
    var metricsPeers = m.spec().networkPolicy().metricsFrom();
    var builder =
        new NetworkPolicyBuilder()
            .withMetadata(m.childMetadata())
            .withNewSpec()
            .withPodSelector(new LabelSelectorBuilder().withMatchLabels(m.selector()).build())
            .withPolicyTypes("Ingress", "Egress")
            .addNewIngress()
            .withFrom(peers)
            .withPorts(
                new NetworkPolicyPortBuilder()
                    .withProtocol("TCP")
                    .withPort(new IntOrString(EchoServiceModel.CONTAINER_PORT))
                    .build())
            .endIngress()
            .endSpec();
    if (!metricsPeers.isEmpty()) {
      builder
          .editSpec()
          .addNewIngress()
          .withFrom(metricsPeers)
          .withPorts(
              new NetworkPolicyPortBuilder()
                  .withProtocol("TCP")
                  .withPort(new IntOrString(EchoServiceModel.MANAGEMENT_PORT))
                  .build())
          .endIngress()
          .endSpec();
    }
    return builder
        .editSpec()
        .addNewEgress()
        .withTo(
            new NetworkPolicyPeerBuilder()
                .withNamespaceSelector(
                    new LabelSelectorBuilder().withMatchLabels(DNS_NAMESPACE).build())
                .withPodSelector(new LabelSelectorBuilder().withMatchLabels(DNS_PODS).build())
                .build())
        .withPorts(
            new NetworkPolicyPortBuilder()
                .withProtocol("UDP")
                .withPort(new IntOrString(53))
                .build(),
            new NetworkPolicyPortBuilder()
                .withProtocol("TCP")
                .withPort(new IntOrString(53))
                .build())
        .endEgress()
        .endSpec()
        .build();
  }
}
