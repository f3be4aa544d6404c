#!/usr/bin/env python3
"""Evaluates every expression of the fleet dashboard and of the fleet alert rules against a running Prometheus.

Run by deploy/monitoring/check.sh once that Prometheus has scraped a real echo-server (labels namespace="ci",
echoservice="echo", pod="echo-0", as the per-EchoService PodMonitor sets them) and loaded the fleet rule file.
Standard library only.

    promql-check.py <prometheus base URL> <dashboard.json> <namespace> <echoservice>

Dashboard expressions are evaluated with the template variables substituted; alert expressions are the rule's
expression without its final threshold (`... > 0.05` becomes `...`), as Prometheus reports it in /api/v1/rules. Every
one must return at least one sample with a number (not NaN): NaN means the expression found its series but no
traffic in its window. The rules must also be loaded and evaluate without error. Exit status 1 on any failure.
"""

import json
import math
import re
import sys
import urllib.parse
import urllib.request

# What Grafana substitutes for its built-in variables, sized for a 1 s scrape interval and a run of a minute.
BUILTINS = {
    "__rate_interval": "30s",
    "__interval": "5s",
    "__range": "5m",
}
# A trailing comparison with a number: the alert's threshold.
THRESHOLD = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*(bool\s+)?[-+]?[0-9.]+(e[-+]?[0-9]+)?\s*$", re.IGNORECASE)


def get(base, path, params=None):
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=10) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise RuntimeError(f"{path}: {body}")
    return body["data"]


def substitute(expr, variables):
    def replace(match):
        name = match.group(1) or match.group(2)
        if name not in variables:
            raise KeyError(f"unknown variable ${name} in {expr}")
        return variables[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", replace, expr)


def numbers(result):
    values = []
    for sample in result.get("result", []):
        if result["resultType"] == "vector":
            values.append(float(sample["value"][1]))
        elif result["resultType"] == "matrix":
            values.extend(float(v[1]) for v in sample["values"])
    if result.get("resultType") == "scalar":
        values.append(float(result["result"][1]))
    return [v for v in values if not math.isnan(v)]


def main():
    base, dashboard_file, namespace, echoservice = sys.argv[1:5]
    with open(dashboard_file, encoding="utf-8") as f:
        dashboard = json.load(f)
    variables = dict(BUILTINS, namespace=namespace, echoservice=echoservice, datasource="prometheus")
    failures = []

    # The template variables' own queries: label_values(<selector>, <label>) through the series API.
    variable_queries = 0
    for variable in dashboard["templating"]["list"]:
        if variable.get("type") != "query":
            continue
        query = substitute(variable["query"], variables)
        match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
        if not match:
            failures.append(f"variable {variable['name']}: not label_values(selector, label): {query}")
            continue
        values = get(base, f"/api/v1/label/{match.group(2)}/values", {"match[]": match.group(1)})
        variable_queries += 1
        expected = variables[variable["name"]]
        if expected not in values:
            failures.append(f"variable {variable['name']}: {query} returned {values}, not {expected!r}")

    dashboard_exprs = 0
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = substitute(target["expr"], variables)
            dashboard_exprs += 1
            values = numbers(get(base, "/api/v1/query", {"query": expr}))
            if not values:
                failures.append(f"panel {panel['id']} \"{panel['title']}\" target {target['refId']}: no data: {expr}")

    alert_exprs = 0
    groups = get(base, "/api/v1/rules")["groups"]
    for group in groups:
        for rule in group["rules"]:
            if rule.get("health") != "ok":
                failures.append(f"rule {rule.get('name')}: health {rule.get('health')}: {rule.get('lastError')}")
            if rule["type"] != "alerting":
                continue
            expr = THRESHOLD.sub("", rule["query"])
            alert_exprs += 1
            values = numbers(get(base, "/api/v1/query", {"query": expr}))
            if not values:
                failures.append(f"alert {rule['name']}: no data: {expr}")
    if alert_exprs == 0:
        failures.append("Prometheus loaded no alert rules")

    for failure in failures:
        print("promql: FAIL " + failure)
    states = sorted(f"{r['name']}={r['state']}" for g in groups for r in g["rules"] if r.get("state") != "inactive")
    if states:
        print("promql: pending or firing on this traffic (which is made to trip them): " + ", ".join(states))
    if failures:
        print(f"promql: {len(failures)} failed, of {dashboard_exprs} dashboard expressions, {alert_exprs} alert "
              f"expressions and {variable_queries} variable queries")
        return 1
    print(f"promql: {dashboard_exprs} dashboard expressions, {alert_exprs} alert expressions, "
          f"{variable_queries} variable queries, all returned data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
