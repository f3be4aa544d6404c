#!/usr/bin/env python3
"""Writes k8s-descriptions.json (next to this script): the descriptions of the Kubernetes types the EchoService CRD
embeds (affinity, tolerations, topology spread constraints, NetworkPolicy peers, quantities), taken from the
OpenAPI v3 documents of k8s.io/kubernetes, the Go module of the Kubernetes release the project's control plane is
built from (its version is read from deploy/local/control-plane/go.mod). CrdFinisher fills every description the
CRD generator leaves empty inside those types from that file, so `kubectl explain` shows the API server's own text.
The Maven build reads only the committed JSON, never the Go module cache.

Only the ROOTS below and the definitions they reach are written. For each definition: its description and, for
each property, the property's description and where its value's definition is (`ref`, or `ref` under `items` or
`additionalProperties`), which is all CrdFinisher needs to walk the CRD's nested properties alongside.
Standard library only.

    python3 operator/src/main/crd/k8s-descriptions.py             # after: go mod download k8s.io/kubernetes@<version>
    python3 operator/src/main/crd/k8s-descriptions.py --openapi-dir <dir with the v3 *.json> --version <version>
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys

# The Kubernetes definitions of the fabric8 model types the API records (api/v1alpha1) use. CrdFinisher fails the
# build, naming the type, when a record uses one that is missing here.
ROOTS = [
    "io.k8s.api.core.v1.Affinity",
    "io.k8s.api.core.v1.Toleration",
    "io.k8s.api.core.v1.TopologySpreadConstraint",
    "io.k8s.api.networking.v1.NetworkPolicyPeer",
    "io.k8s.apimachinery.pkg.api.resource.Quantity",
]

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
GO_MOD = os.path.join(REPO, "deploy", "local", "control-plane", "go.mod")
MODULE = "k8s.io/kubernetes"
REF_PREFIX = "#/components/schemas/"


def die(message):
    sys.exit(f"k8s-descriptions: {message}")


def go_mod_version():
    with open(GO_MOD, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if fields[:1] == ["require"]:
                fields = fields[1:]
            if len(fields) >= 2 and fields[0] == MODULE and fields[1].startswith("v"):
                return fields[1]
    die(f"cannot find the version of {MODULE} in {GO_MOD}")


def module_cache():
    if os.environ.get("GOMODCACHE"):
        return os.environ["GOMODCACHE"]
    try:
        out = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
        if out:
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    gopath = os.environ.get("GOPATH") or os.path.join(os.path.expanduser("~"), "go")
    return os.path.join(gopath.split(os.pathsep)[0], "pkg", "mod")


def load_schemas(openapi_dir):
    """Every components.schemas entry of every document; a definition must read the same in each that has it."""
    files = sorted(glob.glob(os.path.join(openapi_dir, "*.json")))
    if not files:
        die(f"no OpenAPI v3 documents in {openapi_dir}")
    schemas, origin = {}, {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            for name, schema in json.load(f).get("components", {}).get("schemas", {}).items():
                schemas.setdefault(name, []).append(schema)
                origin.setdefault(name, []).append(os.path.basename(path))
    return schemas, origin


def ref_of(schema):
    """The definition a schema stands for: {"$ref": ...} or, in OpenAPI v3, {"allOf": [{"$ref": ...}]}."""
    ref = schema.get("$ref")
    all_of = schema.get("allOf")
    if all_of is not None:
        refs = [s.get("$ref") for s in all_of]
        if ref is not None or len(refs) != 1 or refs[0] is None:
            die(f"unexpected allOf: {json.dumps(schema)[:200]}")
        ref = refs[0]
    if ref is None:
        return None
    if not ref.startswith(REF_PREFIX):
        die(f"unexpected $ref {ref}")
    return ref[len(REF_PREFIX):]


def node(schema, reached):
    """The description and the nested structure of a schema, its references collected in `reached`."""
    out = {}
    if schema.get("description"):
        out["description"] = schema["description"]
    ref = ref_of(schema)
    if ref is not None:
        out["ref"] = ref
        reached.append(ref)
    if schema.get("properties"):
        out["properties"] = {name: node(child, reached) for name, child in schema["properties"].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            child = node(schema[key], reached)
            if child:
                out[key] = child
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", help=f"{MODULE} version (default: the one in {os.path.relpath(GO_MOD, REPO)})")
    parser.add_argument("--openapi-dir", help="directory of the OpenAPI v3 documents (default: in the Go module cache)")
    parser.add_argument("--output", default=os.path.join(HERE, "k8s-descriptions.json"))
    args = parser.parse_args()
    version = args.version or go_mod_version()
    if not re.fullmatch(r"v\d+\.\d+\.\d+", version):
        die(f"unexpected version {version}")
    openapi_dir = args.openapi_dir or os.path.join(module_cache(), f"{MODULE}@{version}", "api", "openapi-spec", "v3")
    if not os.path.isdir(openapi_dir):
        die(f"{openapi_dir} is missing: run 'go mod download {MODULE}@{version}' first")

    schemas, origin = load_schemas(openapi_dir)
    definitions = {}
    pending = list(ROOTS)
    while pending:
        name = pending.pop()
        if name in definitions:
            continue
        if name not in schemas:
            die(f"{name} is not defined in {openapi_dir}")
        if any(s != schemas[name][0] for s in schemas[name]):
            die(f"{name} differs between {', '.join(origin[name])}")
        reached = []
        definitions[name] = node(schemas[name][0], reached)
        pending.extend(reached)

    document = {
        "source": f"{MODULE}@{version} api/openapi-spec/v3/*.json (the Go module), components.schemas",
        "regenerate": "python3 operator/src/main/crd/k8s-descriptions.py (after: go mod download "
                      f"{MODULE}@{version}); the version is the one in deploy/local/control-plane/go.mod",
        "kubernetesVersion": version,
        "roots": ROOTS,
        "definitions": dict(sorted(definitions.items())),
    }
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"k8s-descriptions: {len(definitions)} definitions from {MODULE}@{version} written to {args.output}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
