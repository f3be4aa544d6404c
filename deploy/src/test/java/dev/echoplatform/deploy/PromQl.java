package dev.echoplatform.deploy;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found without a full parser: string literals, label
 * matchers, range and subquery brackets, grouping clauses and template variables are removed, and
 * what remains of the identifiers that are not followed by "(" (functions, aggregations) and are
 * not keywords are metric names.
 */
final class PromQl {

  private static final Pattern STRING =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+|\\[\\[\\w+]]");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^{}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\[\\]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");

  /** An identifier not glued to a number (1e3, 5m after offset) or to another name. */
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])[A-Za-z_:][\\w:]*");

  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "offset",
          "inf",
          "nan",
          "start",
          "end");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("^\\s*label_values\\((.*),\\s*\\w+\\s*\\)\\s*$");

  private PromQl() {}

  static Set<String> metricNames(String expr) {
    String s = STRING.matcher(expr).replaceAll("\"\"");
    s = VARIABLE.matcher(s).replaceAll("");
    s = MATCHERS.matcher(s).replaceAll("");
    // Subqueries ([1h:5m]) and ranges; repeated in case a range follows a removed matcher.
    s = RANGE.matcher(s).replaceAll("");
    s = GROUPING.matcher(s).replaceAll("");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      String name = m.group();
      String rest = s.substring(m.end()).stripLeading();
      if (rest.startsWith("(") || KEYWORDS.contains(name.toLowerCase())) {
        continue;
      }
      names.add(name);
    }
    return names;
  }

  /**
   * The metric names of a Grafana query variable: label_values(selector, label), or a plain
   * expression.
   */
  static Set<String> variableQueryMetricNames(String query) {
    Matcher m = LABEL_VALUES.matcher(query);
    if (m.matches()) {
      return metricNames(m.group(1));
    }
    return metricNames(query);
  }
}
