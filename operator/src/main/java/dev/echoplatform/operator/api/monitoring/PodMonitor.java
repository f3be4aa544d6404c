package dev.echoplatform.operator.api.monitoring;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The Prometheus Operator's PodMonitor (monitoring.coreos.com/v1), as far as the operator writes
 * it: the type names the resource for the client and the informer, the spec stays a map (only the
 * fields DesiredPodMonitor sets). Not a CustomResource, so the CRD generator leaves it alone: its
 * CRD is the Prometheus Operator's.
 */
@Group(PodMonitor.GROUP)
@Version(PodMonitor.VERSION)
@Kind(PodMonitor.KIND)
@Plural("podmonitors")
public class PodMonitor extends GenericKubernetesResource implements Namespaced {

  public static final String GROUP = "monitoring.coreos.com";
  public static final String VERSION = "v1";
  public static final String KIND = "PodMonitor";

  public PodMonitor() {
    setApiVersion(GROUP + "/" + VERSION);
    setKind(KIND);
  }
}
