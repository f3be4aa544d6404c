package dev.echoplatform.operator.reconciler;

import dev.echoplatform.operator.resources.DesiredService;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Service child. Server-side apply merges {@code spec.ports} by port and protocol: when a
 * person changes a port (e.g. {@code kubectl patch svc --type merge} to port 81), the operator's
 * port 80 is a second entry beside the person's, both named {@code http}, and every apply is
 * refused ("Duplicate value"), so the edit would never be reverted. The operator owns the whole
 * list: ports that are not the desired ones are removed first ({@link
 * ChildDependentResource#foreignEntries}; the API server keeps an allocated nodePort for a port it
 * still has), then the apply runs as usual. Nothing is written while the list holds only the
 * desired ports.
 */
public class ServiceDependentResource extends ChildDependentResource<Service> {

  public ServiceDependentResource(String defaultImage, boolean trimCache) {
    super(Service.class, "service", DesiredService::build, defaultImage, trimCache);
  }

  @Override
  protected List<String> foreignEntries(Service actual, Service desired) {
    return foreignPorts(actual, desired).stream().map(p -> "port " + key(p)).toList();
  }

  @Override
  protected Map<String, Object> listsPatch(Service desired) {
    return Map.of("spec", Map.of("ports", desired.getSpec().getPorts()));
  }

  /** Ports of {@code actual} whose port and protocol (the list's merge key) are not desired. */
  static List<ServicePort> foreignPorts(Service actual, Service desired) {
    if (actual.getSpec() == null || actual.getSpec().getPorts() == null) {
      return List.of();
    }
    Set<String> wanted =
        desired.getSpec().getPorts().stream()
            .map(ServiceDependentResource::key)
            .collect(Collectors.toSet());
    return actual.getSpec().getPorts().stream().filter(p -> !wanted.contains(key(p))).toList();
  }

  private static String key(ServicePort p) {
    return p.getPort() + "/" + (p.getProtocol() == null ? "TCP" : p.getProtocol());
  }
}
