#!/usr/bin/env python3
"""Turns a PodMonitor (monitoring.coreos.com/v1, JSON on stdin, as `kubectl get podmonitor -o json` prints it) into a
Prometheus configuration that scrapes what it selects the way the Prometheus Operator's generated configuration
does: Kubernetes pod discovery in the PodMonitor's namespace, `keep` on each matchLabels entry and on the container
port name, the labels namespace, container, pod, job (<namespace>/<name>) and endpoint, then the PodMonitor's own
relabelings. Used by the e2e, where the Prometheus Operator itself does not run, so that the fleet dashboard is
checked against series labelled exactly as the PodMonitor says. Standard library only; prints JSON (which is YAML).

    podmonitor-scrape-config.py --kubeconfig <file> --rules <rule file> < podmonitor.json > prometheus.yml
"""

import argparse
import json
import re
import sys


def sanitize(label):
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)


def relabeling(r):
    """A PodMonitor RelabelConfig (camelCase) as a Prometheus relabel_config (snake_case)."""
    names = {"sourceLabels": "source_labels", "targetLabel": "target_label", "regex": "regex",
             "replacement": "replacement", "separator": "separator", "modulus": "modulus", "action": "action"}
    unknown = set(r) - set(names)
    if unknown:
        sys.exit(f"podmonitor-scrape-config: relabeling fields not handled: {sorted(unknown)}")
    out = {names[k]: v for k, v in r.items()}
    if "action" in out:
        out["action"] = out["action"].lower()
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--rules", required=True)
    args = parser.parse_args()
    pm = json.load(sys.stdin)
    ns, name = pm["metadata"]["namespace"], pm["metadata"]["name"]
    spec = pm["spec"]
    selector = spec.get("selector", {})
    if selector.get("matchExpressions"):
        sys.exit("podmonitor-scrape-config: matchExpressions are not handled")
    jobs = []
    for i, endpoint in enumerate(spec["podMetricsEndpoints"]):
        relabel = []
        for key, value in sorted(selector.get("matchLabels", {}).items()):
            relabel.append({
                "action": "keep",
                "source_labels": [f"__meta_kubernetes_pod_label_{sanitize(key)}",
                                  f"__meta_kubernetes_pod_labelpresent_{sanitize(key)}"],
                "regex": f"({re.escape(value)});true"})
        relabel.append({"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"],
                        "regex": endpoint["port"]})
        relabel += [
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
            {"target_label": "job", "replacement": f"{ns}/{name}"},
            {"target_label": "endpoint", "replacement": endpoint["port"]},
        ]
        relabel += [relabeling(r) for r in endpoint.get("relabelings", [])]
        job = {
            "job_name": f"podMonitor/{ns}/{name}/{i}",
            "metrics_path": endpoint.get("path", "/metrics"),
            "kubernetes_sd_configs": [{"role": "pod", "kubeconfig_file": args.kubeconfig,
                                       "namespaces": {"names": [ns]}}],
            "relabel_configs": relabel,
        }
        if "interval" in endpoint:
            job["scrape_interval"] = endpoint["interval"]
            job["scrape_timeout"] = endpoint["interval"]
        jobs.append(job)
    json.dump({"global": {"evaluation_interval": "1s"}, "rule_files": [args.rules], "scrape_configs": jobs},
              sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
