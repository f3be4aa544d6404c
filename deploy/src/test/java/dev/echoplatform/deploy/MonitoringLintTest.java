package dev.echoplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart's Grafana dashboards and alert rules: well-formed dashboards (JSON, panel ids, layout,
 * targets, variables), alerts with their annotations and runbooks, and every metric they read
 * documented as exported by echo-server (docs/echo-server.md, "Metrics") or by the operator
 * (docs/operator.md's metrics table and docs/deploy.md's "Metrics and alerts" table), or `up`.
 * deploy/monitoring/check.sh evaluates the same expressions against a real echo-server.
 */
class MonitoringLintTest {

  static final String RUNBOOK_BASE =
      "https://github.com/echo-platform/echo-operator/blob/main/docs/runbooks.md#";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /**
   * $name, ${name}, ${name:format}, [[name]]; $1 (a regex capture in label_replace) is no variable.
   */
  private static final Pattern VARIABLE_USE =
      Pattern.compile(
          "\\$\\{([A-Za-z_]\\w*)(?::[^}]*)?}|\\$([A-Za-z_]\\w*)|\\[\\[([A-Za-z_]\\w*)]]");

  private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
  private static final Pattern HEADING =
      Pattern.compile("^#{1,6}\\s+(.+?)\\s*$", Pattern.MULTILINE);

  static Stream<String> dashboards() {
    return Stream.of("echo-operator.json", "echo-fleet.json");
  }

  static Path dashboardFile(String name) {
    return Project.chartDir().resolve("files/dashboards").resolve(name);
  }

  static JsonNode dashboard(String name) {
    try {
      return JSON.readTree(Files.readString(dashboardFile(name)));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "dashboard " + name + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  /** Every panel, the ones inside collapsed rows included. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panels.add(panel);
      for (JsonNode inner : panel.path("panels")) {
        panels.add(inner);
      }
    }
    return panels;
  }

  static List<JsonNode> targets(JsonNode dashboard) {
    List<JsonNode> targets = new ArrayList<>();
    panels(dashboard).forEach(p -> p.path("targets").forEach(targets::add));
    return targets;
  }

  @Nested
  class Dashboards {

    @ParameterizedTest
    @MethodSource("dev.echoplatform.deploy.MonitoringLintTest#dashboards")
    void isValidJsonWithATitleAndUid(String name) {
      JsonNode dashboard = dashboard(name);
      assertThat(dashboard.isObject()).isTrue();
      assertThat(dashboard.path("title").asText()).isNotBlank();
      assertThat(dashboard.path("uid").asText()).isEqualTo(name.replace(".json", ""));
      assertThat(panels(dashboard)).isNotEmpty();
    }

    @ParameterizedTest
    @MethodSource("dev.echoplatform.deploy.MonitoringLintTest#dashboards")
    void panelIdsAreUnique(String name) {
      List<Integer> ids =
          panels(dashboard(name)).stream().map(p -> p.path("id").asInt(-1)).toList();
      assertThat(ids).as("panel ids of %s", name).doesNotContain(-1).doesNotHaveDuplicates();
    }

    @ParameterizedTest
    @MethodSource("dev.echoplatform.deploy.MonitoringLintTest#dashboards")
    void everyPanelHasAGridPosInsideTheGridAndNoneOverlap(String name) {
      List<int[]> boxes = new ArrayList<>();
      for (JsonNode panel : panels(dashboard(name))) {
        JsonNode pos = panel.path("gridPos");
        String what = name + " panel " + panel.path("id") + " " + panel.path("title");
        for (String field : List.of("x", "y", "w", "h")) {
          assertThat(pos.path(field).isInt()).as("gridPos.%s of %s", field, what).isTrue();
        }
        int x = pos.path("x").asInt(),
            y = pos.path("y").asInt(),
            w = pos.path("w").asInt(),
            h = pos.path("h").asInt();
        assertThat(x).as("gridPos.x of %s", what).isBetween(0, 23);
        assertThat(y).as("gridPos.y of %s", what).isNotNegative();
        assertThat(w).as("gridPos.w of %s", what).isPositive();
        assertThat(h).as("gridPos.h of %s", what).isPositive();
        assertThat(x + w).as("right edge of %s (24 columns)", what).isLessThanOrEqualTo(24);
        for (int[] other : boxes) {
          boolean overlaps =
              x < other[0] + other[2]
                  && other[0] < x + w
                  && y < other[1] + other[3]
                  && other[1] < y + h;
          assertThat(overlaps).as("%s overlaps panel %s", what, other[4]).isFalse();
        }
        boxes.add(new int[] {x, y, w, h, panel.path("id").asInt()});
      }
    }

    @ParameterizedTest
    @MethodSource("dev.echoplatform.deploy.MonitoringLintTest#dashboards")
    void everyTargetHasAnExprAndThePrometheusDatasourceVariable(String name) {
      JsonNode dashboard = dashboard(name);
      List<String> datasourceVariables = new ArrayList<>();
      for (JsonNode variable : dashboard.path("templating").path("list")) {
        if ("datasource".equals(variable.path("type").asText())
            && "prometheus".equals(variable.path("query").asText())) {
          datasourceVariables.add(variable.path("name").asText());
        }
      }
      assertThat(datasourceVariables).as("Prometheus datasource variables of %s", name).hasSize(1);
      Set<String> uids =
          Set.of("${" + datasourceVariables.get(0) + "}", "$" + datasourceVariables.get(0));
      for (JsonNode panel : panels(dashboard)) {
        if ("row".equals(panel.path("type").asText())) {
          continue;
        }
        String what = name + " panel " + panel.path("id") + " " + panel.path("title");
        assertThat(panel.path("targets").size()).as("targets of %s", what).isPositive();
        for (JsonNode target : panel.path("targets")) {
          String which = what + " target " + target.path("refId").asText();
          assertThat(target.path("expr").asText()).as("expr of %s", which).isNotBlank();
          assertThat(target.path("datasource").path("type").asText())
              .as("datasource type of %s", which)
              .isEqualTo("prometheus");
          assertThat(uids)
              .as("datasource uid of %s", which)
              .contains(target.path("datasource").path("uid").asText());
        }
        Set<String> refIds = new HashSet<>();
        panel
            .path("targets")
            .forEach(
                t ->
                    assertThat(refIds.add(t.path("refId").asText()))
                        .as("refId %s unique in %s", t.path("refId").asText(), what)
                        .isTrue());
      }
    }

    @ParameterizedTest
    @MethodSource("dev.echoplatform.deploy.MonitoringLintTest#dashboards")
    void everyVariableUsedIsDefinedInTemplating(String name) {
      JsonNode dashboard = dashboard(name);
      Set<String> defined = new HashSet<>();
      dashboard.path("templating").path("list").forEach(v -> defined.add(v.path("name").asText()));
      Set<String> undefined = new TreeSet<>();
      strings(dashboard)
          .forEach(
              text -> {
                Matcher m = VARIABLE_USE.matcher(text);
                while (m.find()) {
                  String variable =
                      m.group(1) != null
                          ? m.group(1)
                          : m.group(2) != null ? m.group(2) : m.group(3);
                  // Grafana's built-ins: $__rate_interval, $__interval, $__range, ...
                  if (!variable.startsWith("__") && !defined.contains(variable)) {
                    undefined.add("$" + variable + " in " + text);
                  }
                }
              });
      assertThat(undefined).as("variables of %s not defined in templating.list", name).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("dev.echoplatform.deploy.MonitoringLintTest#dashboards")
    void everyMetricIsOneEchoServerOrTheOperatorExports(String name) {
      JsonNode dashboard = dashboard(name);
      Map<String, String> unknown = new LinkedHashMap<>();
      for (JsonNode target : targets(dashboard)) {
        String expr = target.path("expr").asText();
        PromQl.metricNames(expr).stream()
            .filter(m -> !Metrics.documented(m))
            .forEach(m -> unknown.put(m, expr));
      }
      for (JsonNode variable : dashboard.path("templating").path("list")) {
        if ("query".equals(variable.path("type").asText())) {
          String query =
              variable.path("query").isTextual()
                  ? variable.path("query").asText()
                  : variable.path("query").path("query").asText();
          PromQl.variableQueryMetricNames(query).stream()
              .filter(m -> !Metrics.documented(m))
              .forEach(m -> unknown.put(m, query));
        }
      }
      assertThat(unknown)
          .as(
              "metrics of %s that neither echo-server nor the operator documents (%s)",
              name, Metrics.SOURCES)
          .isEmpty();
    }

    @Test
    void theFleetDashboardSelectsByNamespaceAndEchoService() {
      JsonNode dashboard = dashboard("echo-fleet.json");
      Map<String, JsonNode> variables = new LinkedHashMap<>();
      dashboard
          .path("templating")
          .path("list")
          .forEach(v -> variables.put(v.path("name").asText(), v));
      assertThat(variables).containsKeys("datasource", "namespace", "echoservice");
      assertThat(variables.get("namespace").path("query").asText())
          .startsWith("label_values(")
          .endsWith(", namespace)");
      assertThat(variables.get("echoservice").path("query").asText())
          .startsWith("label_values(")
          .contains("$namespace")
          .endsWith(", echoservice)");
      for (JsonNode target : targets(dashboard)) {
        assertThat(target.path("expr").asText())
            .as("expr of target %s", target.path("refId"))
            .contains("namespace=~\"$namespace\"", "echoservice=~\"$echoservice\"");
      }
      assertThat(dashboard("echo-operator.json").path("uid").asText())
          .isNotEqualTo(dashboard.path("uid").asText());
    }
  }

  @Nested
  class Rules {

    private final JsonNode fleetFile = Yaml.single(fleetRulesFile());

    private List<JsonNode> renderedRules() {
      List<JsonNode> rules = new ArrayList<>();
      renderedWithRules()
          .only("PrometheusRule")
          .path("spec")
          .path("groups")
          .forEach(g -> g.path("rules").forEach(rules::add));
      return rules;
    }

    @Test
    void theFleetFileIsOneGroupOfAlertsPerEchoService() {
      assertThat(fleetFile.path("groups"))
          .extracting(g -> g.path("name").asText())
          .containsExactly("echo-fleet");
      JsonNode rules = fleetFile.path("groups").get(0).path("rules");
      assertThat(rules)
          .extracting(r -> r.path("alert").asText())
          .containsExactly(
              "EchoServiceHighErrorRatio",
              "EchoServiceHighLatency",
              "EchoServicePodsDown",
              "EchoServicePodRestarts",
              "EchoServiceBodyBudgetSaturated",
              "EchoServiceRateLimitingHeavy");
      for (JsonNode rule : rules) {
        String expr = rule.path("expr").asText();
        assertThat(expr)
            .as("expr of %s", rule.path("alert"))
            .contains("sum by (namespace, echoservice", "echoservice!=\"\"")
            .doesNotContain("kube_");
      }
    }

    @Test
    void everyAlertHasASeveritySummaryDescriptionAndARunbookSection() throws IOException {
      Set<String> anchors = runbookAnchors();
      for (JsonNode rule : renderedRules()) {
        String alert = rule.path("alert").asText();
        assertThat(alert).as("every rule is an alert").isNotBlank();
        assertThat(rule.path("labels").path("severity").asText())
            .as("severity of %s", alert)
            .isIn("critical", "warning", "info");
        JsonNode annotations = rule.path("annotations");
        assertThat(annotations.path("summary").asText()).as("summary of %s", alert).isNotBlank();
        assertThat(annotations.path("description").asText())
            .as("description of %s", alert)
            .isNotBlank();
        assertThat(annotations.path("runbook_url").asText())
            .as("runbook_url of %s", alert)
            .isEqualTo(RUNBOOK_BASE + alert.toLowerCase());
        assertThat(anchors).as("sections of docs/runbooks.md").contains(alert.toLowerCase());
      }
    }

    @Test
    void everyRunbookSectionNamedLikeAnAlertIsOne() throws IOException {
      Set<String> alerts = new HashSet<>();
      renderedRules().forEach(r -> alerts.add(r.path("alert").asText().toLowerCase()));
      Set<String> alertSections = new TreeSet<>();
      runbookAnchors().stream().filter(a -> a.startsWith("echo")).forEach(alertSections::add);
      assertThat(alertSections).isEqualTo(new TreeSet<>(alerts));
    }

    @Test
    void everyMetricIsOneEchoServerOrTheOperatorExports() {
      Map<String, String> unknown = new LinkedHashMap<>();
      for (JsonNode rule : renderedRules()) {
        String expr = rule.path("expr").asText();
        PromQl.metricNames(expr).stream()
            .filter(m -> !Metrics.documented(m))
            .forEach(m -> unknown.put(m, expr));
      }
      fleetFile
          .path("groups")
          .forEach(
              g ->
                  g.path("rules")
                      .forEach(
                          rule -> {
                            String expr = rule.path("expr").asText();
                            PromQl.metricNames(expr).stream()
                                .filter(m -> !Metrics.documented(m))
                                .forEach(m -> unknown.put(m, expr));
                          }));
      assertThat(unknown)
          .as(
              "metrics of the alert rules that neither echo-server nor the operator documents (%s)",
              Metrics.SOURCES)
          .isEmpty();
    }

    @Test
    void deployDocListsEveryFleetAlertAndPanel() throws IOException {
      String doc = Files.readString(Project.root().resolve("docs/deploy.md"));
      List<String> missing = new ArrayList<>();
      fleetFile
          .path("groups")
          .get(0)
          .path("rules")
          .forEach(
              rule -> {
                if (!doc.contains("| `" + rule.path("alert").asText() + "` |")) {
                  missing.add("alert " + rule.path("alert").asText());
                }
              });
      for (JsonNode panel : panels(dashboard("echo-fleet.json"))) {
        if (!doc.contains("| " + panel.path("title").asText() + " |")) {
          missing.add("panel " + panel.path("title").asText());
        }
      }
      assertThat(missing).as("missing from the tables of docs/deploy.md").isEmpty();
    }
  }

  @Test
  void thePromQlScannerFindsMetricNamesOnly() {
    assertThat(
            PromQl.metricNames(
                "sum by (namespace, echoservice) (rate(http_server_requests_seconds_count{echoservice!=\"\", status=~\"5..\"}[5m]))"
                    + " / ignoring (type) group_left () sum(rate(echo_http_errors_total{type=\"x\"}[$__rate_interval] offset 5m))"
                    + " > 0.05 and on (pod) up == bool 1e3"))
        .containsExactly("http_server_requests_seconds_count", "echo_http_errors_total", "up");
    assertThat(
            PromQl.metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(x_bucket[1h:5m]))) or vector(0)"))
        .containsExactly("x_bucket");
    assertThat(PromQl.variableQueryMetricNames("label_values(up{echoservice!=\"\"}, namespace)"))
        .containsExactly("up");
    assertThat(Metrics.documented("http_server_requests_seconds_bucket")).isTrue();
    assertThat(Metrics.documented("echo_http_errors_total")).isTrue();
    assertThat(Metrics.documented("jvm_memory_used_bytes")).isTrue();
    assertThat(Metrics.documented("echo_operator_echoservice_ready")).isTrue();
    assertThat(Metrics.documented("kube_pod_status_ready")).isFalse();
    assertThat(Metrics.documented("container_spec_memory_limit_bytes")).isFalse();
    assertThat(Metrics.documented("echo_http_errors_total_bucket")).isFalse();
  }

  private static RenderedChart withRules;

  /** The chart with its PrometheusRule, rendered once. */
  static synchronized RenderedChart renderedWithRules() {
    if (withRules == null) {
      withRules =
          RenderedChart.render(
              """
          metrics:
            prometheusRule:
              enabled: true
          """);
    }
    return withRules;
  }

  static Path fleetRulesFile() {
    return Project.chartDir().resolve("files/rules/echo-fleet.rules.yaml");
  }

  /** GitHub's anchors of the headings of docs/runbooks.md. */
  static Set<String> runbookAnchors() throws IOException {
    String doc = Files.readString(Project.root().resolve("docs/runbooks.md"));
    Set<String> anchors = new LinkedHashSet<>();
    Matcher m = HEADING.matcher(doc);
    while (m.find()) {
      anchors.add(m.group(1).toLowerCase().replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
    }
    return anchors;
  }

  /** Every string value of a JSON tree. */
  private static List<String> strings(JsonNode node) {
    List<String> strings = new ArrayList<>();
    if (node.isTextual()) {
      strings.add(node.asText());
    }
    for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
      strings.addAll(strings(it.next()));
    }
    return strings;
  }

  /** The metric names the project documents as exported, from the metrics tables of the docs. */
  static final class Metrics {

    static final String SOURCES =
        "docs/echo-server.md \"Metrics\", docs/operator.md and docs/deploy.md metrics tables, up";
    private static final List<Pattern> PATTERNS = load();

    private Metrics() {}

    static boolean documented(String name) {
      return name.equals("up") || PATTERNS.stream().anyMatch(p -> p.matcher(name).matches());
    }

    private static List<Pattern> load() {
      List<Pattern> patterns = new ArrayList<>();
      patterns.addAll(table("docs/echo-server.md", "| Name | Type | Labels |"));
      patterns.addAll(table("docs/operator.md", "| Metric | Labels | Value |"));
      patterns.addAll(table("docs/deploy.md", "| Metric | Source | Meaning |"));
      return patterns;
    }

    /**
     * The names in the first column of the table under {@code header}; `jvm_*` matches any name
     * with that prefix, and a histogram or timer row also names its _bucket, _count and _sum
     * series.
     */
    private static List<Pattern> table(String doc, String header) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Project.root().resolve(doc));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      int start = lines.indexOf(header);
      assertThat(start).as("metrics table %s in %s", header, doc).isNotNegative();
      List<Pattern> patterns = new ArrayList<>();
      for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
        String[] cells = lines.get(i).split("\\|");
        String rest = String.join("|", List.of(cells).subList(2, cells.length)).toLowerCase();
        boolean histogram = rest.contains("histogram") || rest.contains("timer");
        Matcher m = BACKTICKED.matcher(cells[1]);
        while (m.find()) {
          String name = m.group(1).strip();
          String regex = Pattern.quote(name).replace("*", "\\E[a-zA-Z0-9_:]*\\Q");
          patterns.add(Pattern.compile(histogram ? regex + "(_bucket|_count|_sum)?" : regex));
        }
      }
      assertThat(patterns).as("metric names in the table %s of %s", header, doc).isNotEmpty();
      return patterns;
    }
  }
}
