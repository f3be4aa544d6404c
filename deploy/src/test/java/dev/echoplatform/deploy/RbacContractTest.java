package dev.echoplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC follows operator/RBAC.md, where the operator documents every rule it needs and
 * why: each group/resource listed there is granted with exactly the listed verbs, and the chart
 * grants nothing else apart from what the team conventions list on top (events.k8s.io events).
 */
class RbacContractTest {

  private static final Pattern ROW =
      Pattern.compile("^\\|\\s*([^|]+?)\\s*\\|\\s*([^|]+?)\\s*\\|\\s*([^|]+?)\\s*\\|");
  private static final Pattern RESOURCE = Pattern.compile("`([a-z/.-]+)`");
  private static final Set<String> GRANTED_BY_CONVENTIONS_ONLY = Set.of("events.k8s.io/events");

  @Test
  void chartGrantsExactlyWhatOperatorRbacMdLists() throws IOException {
    Map<String, Set<String>> documented = parse(Project.root().resolve("operator/RBAC.md"));
    assertThat(documented).as("rules parsed from operator/RBAC.md").isNotEmpty();

    RenderedChart chart = RenderedChart.render("");
    Map<String, Set<String>> granted =
        new TreeMap<>(Rbac.permissions(chart.get("ClusterRole", RenderedChart.FULLNAME)));
    Rbac.permissions(chart.get("Role", RenderedChart.FULLNAME + "-leader-election"))
        .forEach(
            (k, v) ->
                granted.merge(
                    k,
                    v,
                    (a, b) -> {
                      Set<String> union = new TreeSet<>(a);
                      union.addAll(b);
                      return union;
                    }));

    Map<String, Set<String>> grantedAsDocumented = new TreeMap<>(granted);
    GRANTED_BY_CONVENTIONS_ONLY.forEach(grantedAsDocumented::remove);
    assertThat(grantedAsDocumented).isEqualTo(documented);
  }

  /**
   * "group/resource" -> verbs of the table rows of RBAC.md ("core" is the empty group; ** emphasis
   * ignored).
   */
  static Map<String, Set<String>> parse(Path rbacMd) throws IOException {
    assertThat(rbacMd).as("the operator's RBAC contract").isRegularFile();
    Map<String, Set<String>> rules = new LinkedHashMap<>();
    for (String line : Files.readAllLines(rbacMd)) {
      Matcher row = ROW.matcher(line);
      if (!row.find() || line.contains("---") || row.group(1).equalsIgnoreCase("API group")) {
        continue;
      }
      String group = row.group(1).replace("`", "").trim();
      group = group.equals("core") ? "" : group;
      Set<String> verbs = new TreeSet<>();
      for (String verb : row.group(3).replace("*", "").trim().split("\\s+")) {
        verbs.add(verb);
      }
      Matcher resources = RESOURCE.matcher(row.group(2));
      Map<String, Set<String>> fromRow = new HashMap<>();
      while (resources.find()) {
        fromRow.put(group + "/" + resources.group(1), verbs);
      }
      assertThat(fromRow).as("resources of RBAC.md row: %s", line).isNotEmpty();
      rules.putAll(fromRow);
    }
    return new TreeMap<>(rules);
  }
}
