package dev.echoplatform.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The operator's permissions as "group/resource" -> verbs, the form in which the tests compare RBAC
 * rules. EXPECTED is the contract (team conventions, "Operator RBAC"): the chart must grant exactly
 * this.
 */
final class Rbac {

  private static final Set<String> CRUD =
      Set.of("get", "list", "watch", "create", "update", "patch", "delete");

  /**
   * What the operator needs in every namespace it watches (cluster-wide when it watches all of
   * them).
   */
  static final Map<String, Set<String>> EXPECTED =
      Map.ofEntries(
          Map.entry(
              "echo.platform.dev/echoservices", Set.of("get", "list", "watch", "patch", "update")),
          Map.entry("echo.platform.dev/echoservices/status", Set.of("get", "patch", "update")),
          Map.entry("echo.platform.dev/echoservices/finalizers", Set.of("update")),
          Map.entry("/configmaps", CRUD),
          Map.entry("/services", CRUD),
          Map.entry("apps/deployments", CRUD),
          Map.entry("networking.k8s.io/networkpolicies", CRUD),
          Map.entry("policy/poddisruptionbudgets", CRUD),
          Map.entry("autoscaling/horizontalpodautoscalers", CRUD),
          Map.entry("monitoring.coreos.com/podmonitors", CRUD),
          Map.entry("/pods", Set.of("get", "list", "watch")),
          Map.entry("/events", Set.of("create", "patch")),
          Map.entry("events.k8s.io/events", Set.of("create", "patch")));

  /**
   * Leader election in the release namespace: the conventions' get/create/update plus patch, which
   * fabric8's LeaderElector (7.5.x) uses to renew the Lease (a 403 on PATCH when the operator ran
   * with the chart's ServiceAccount against a real API server).
   */
  static final Map<String, Set<String>> EXPECTED_LEASES =
      Map.of("coordination.k8s.io/leases", Set.of("get", "create", "update", "patch"));

  private Rbac() {}

  /** Union of the verbs per group/resource granted by the rules of a Role or ClusterRole. */
  static Map<String, Set<String>> permissions(JsonNode role) {
    Map<String, Set<String>> permissions = new TreeMap<>();
    for (JsonNode rule : role.path("rules")) {
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          Set<String> verbs =
              permissions.computeIfAbsent(
                  group.asText() + "/" + resource.asText(), k -> new TreeSet<>());
          rule.path("verbs").forEach(v -> verbs.add(v.asText()));
        }
      }
    }
    return permissions;
  }

  /**
   * Every "*" anywhere in the rules (apiGroups, resources, verbs, resourceNames, nonResourceURLs).
   */
  static boolean hasWildcard(JsonNode role) {
    for (JsonNode rule : role.path("rules")) {
      for (String field :
          new String[] {"apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"}) {
        for (JsonNode value : rule.path(field)) {
          if (value.asText().contains("*")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  static Map<String, Set<String>> sorted(Map<String, Set<String>> permissions) {
    Map<String, Set<String>> sorted = new TreeMap<>();
    permissions.forEach((k, v) -> sorted.put(k, new TreeSet<>(v)));
    return sorted;
  }
}
