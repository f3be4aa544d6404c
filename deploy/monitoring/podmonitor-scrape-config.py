#!/usr/bin/env python3
"""Turns a PodMonitor (monitoring.coreos.com/v1, JSON on stdin, as `kubectl get podmonitor -o json` prints it) into a
Prometheus configuration that scrapes what it selects the way the Prometheus Operator's generated configuration
does: `keep` on each matchLabels entry and on the container port name, the labels namespace, container, pod, job
(<namespace>/<name>) and endpoint, then the PodMonitor's own relabelings. Used by the e2e, where the Prometheus
Operator itself does not run, so that the fleet dashboard is checked against series labelled exactly as the
PodMonitor says. Standard library only; prints JSON (which is YAML).

The targets: Debian's Prometheus is built without Kubernetes service discovery, so the pods of the PodMonitor's
namespace (`kubectl get pods -o json`, --pods) are written to a file_sd file (--targets) with the meta labels
Prometheus' `kubernetes_sd_configs` (role pod) gives each container port: __meta_kubernetes_namespace, _pod_name,
_pod_ready, _pod_label_<name>, _pod_labelpresent_<name>, _pod_container_name, _pod_container_port_name and
_number. Every pod of the namespace is listed, so the PodMonitor's `keep` rules do the selecting, in Prometheus.

    podmonitor-scrape-config.py --pods pods.json --targets targets.json --rules <rule file> \
      < podmonitor.json > prometheus.yml
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


def write_targets(pods, path):
    """One target group per container port of every running pod with an IP, labelled as kubernetes_sd does."""
    groups = []
    for pod in pods:
        ip = pod.get("status", {}).get("podIP")
        if not ip:
            continue
        meta = pod["metadata"]
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))
        pod_labels = {
            "__meta_kubernetes_namespace": meta["namespace"],
            "__meta_kubernetes_pod_name": meta["name"],
            "__meta_kubernetes_pod_ready": str(ready).lower(),
        }
        for key, value in (meta.get("labels") or {}).items():
            pod_labels[f"__meta_kubernetes_pod_label_{sanitize(key)}"] = value
            pod_labels[f"__meta_kubernetes_pod_labelpresent_{sanitize(key)}"] = "true"
        for container in pod["spec"]["containers"]:
            for port in container.get("ports", []):
                labels = dict(pod_labels)
                labels["__meta_kubernetes_pod_container_name"] = container["name"]
                labels["__meta_kubernetes_pod_container_port_name"] = port.get("name", "")
                labels["__meta_kubernetes_pod_container_port_number"] = str(port["containerPort"])
                groups.append({"targets": [f"{ip}:{port['containerPort']}"], "labels": labels})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(groups, f, indent=2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", required=True)
    parser.add_argument("--targets", required=True)
    parser.add_argument("--rules", required=True)
    args = parser.parse_args()
    pm = json.load(sys.stdin)
    ns, name = pm["metadata"]["namespace"], pm["metadata"]["name"]
    spec = pm["spec"]
    selector = spec.get("selector", {})
    if selector.get("matchExpressions"):
        sys.exit("podmonitor-scrape-config: matchExpressions are not handled")
    with open(args.pods, encoding="utf-8") as f:
        write_targets(json.load(f)["items"], args.targets)
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
            "file_sd_configs": [{"files": [args.targets]}],
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
