package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.api.v1alpha1.EchoService;
import dev.echoplatform.operator.resources.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Service child. Server-side apply merges {@code spec.ports} by port and protocol: when a person
 * changes a port (e.g. {@code kubectl patch svc --type merge} to port 81), the operator's port 80 is
 * a second entry beside the person's, both named {@code http}, and every apply is refused ("Duplicate
 * value"), so the edit would never be reverted. The operator owns the whole list: ports that are not
 * the desired ones are removed first (a JSON merge patch with the desired list; the API server keeps
 * an allocated nodePort for a port it still has), then the apply runs as usual. Nothing is written
 * while the list holds only the desired ports.
 */
public class ServiceDependentResource extends ChildDependentResource<Service> {

  private static final Logger log = LoggerFactory.getLogger(ServiceDependentResource.class);

  public ServiceDependentResource(String defaultImage, boolean trimCache) {
    super(Service.class, "service", ServiceBuilder::build, defaultImage, trimCache);
  }

  @Override
  public Service update(
      Service actual, Service desired, EchoService primary, Context<EchoService> context) {
    List<ServicePort> foreign = foreignPorts(actual, desired);
    if (!foreign.isEmpty()) {
      log.warn("Service {}/{} has ports the EchoService does not declare ({}): replacing the list",
          actual.getMetadata().getNamespace(), actual.getMetadata().getName(),
          foreign.stream().map(ServiceDependentResource::key).collect(Collectors.joining(", ")));
      String patch = Serialization.asJson(
          Map.of("spec", Map.of("ports", desired.getSpec().getPorts())));
      // The apply below goes on from the patched object (its resourceVersion), not a stale one.
      actual = context.getClient().services().inNamespace(actual.getMetadata().getNamespace())
          .withName(actual.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }
    return super.update(actual, desired, primary, context);
  }

  /** Ports of {@code actual} whose port and protocol (the list's merge key) are not desired. */
  static List<ServicePort> foreignPorts(Service actual, Service desired) {
    if (actual.getSpec() == null || actual.getSpec().getPorts() == null) {
      return List.of();
    }
    Set<String> wanted = desired.getSpec().getPorts().stream()
        .map(ServiceDependentResource::key).collect(Collectors.toSet());
    return actual.getSpec().getPorts().stream().filter(p -> !wanted.contains(key(p))).toList();
  }

  private static String key(ServicePort p) {
    return p.getPort() + "/" + (p.getProtocol() == null ? "TCP" : p.getProtocol());
  }
}
