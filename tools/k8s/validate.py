"""Validate rendered Kubernetes manifests offline, custom resources included.

    <tool venv>/bin/python tools/k8s/validate.py --crds DIR [--kube-version 1.33] FILE...

Run with the venv of tools/k8s/toolchain.py (it has kubernetes-validate). Each document of
each FILE (kustomize build output) is checked in strict mode, so unknown fields fail too:

- built-in kinds against the Kubernetes OpenAPI schemas that the PyPI package
  kubernetes-validate ships;
- custom resources against the `openAPIV3Schema` of their CRD in DIR (the pinned operator
  releases, see toolchain.py), with `additionalProperties: false` added wherever the CRD
  does not preserve unknown fields (what the API server's strict field validation does),
  and their metadata against Kubernetes' ObjectMeta.

CEL rules (`x-kubernetes-validations`) are not evaluated. A document whose kind has no
schema fails: nothing passes unchecked. Prints one line per document and a summary.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import yaml

Schema = dict[str, Any]


def strict(node: Any) -> Any:
    """An OpenAPI v3 (structural) CRD schema as strict JSON Schema."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: Schema = {k: strict(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if (
        out.get("type") == "object"
        and "properties" in out
        and "additionalProperties" not in out
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def load_crds(folder: Path) -> dict[tuple[str, str], Schema]:
    """(apiVersion, kind) -> strict JSON Schema of every served version of every CRD."""
    schemas: dict[tuple[str, str], Schema] = {}
    for path in sorted(folder.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group = crd["spec"]["group"]
            kind = crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if not version.get("served", True):
                    continue
                schema = strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
                # apiVersion, kind and metadata are checked apart (metadata: ObjectMeta).
                props = schema.setdefault("properties", {})
                props.pop("metadata", None)
                props["metadata"] = {"type": "object"}
                schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


class Validator:
    def __init__(self, crd_folder: Path, kube_version: str) -> None:
        self.kv: Any = importlib.import_module("kubernetes_validate")
        self.kube_version = kube_version
        self.crds = load_crds(crd_folder)
        self.object_meta = self._object_meta()

    def _object_meta(self) -> Schema:
        package = Path(self.kv.__file__).parent / "kubernetes-json-schema"
        folders = sorted(
            (p for p in package.glob(f"v{self.kube_version}.*-local-strict")),
            key=lambda p: p.name,
        )
        if not folders:
            raise SystemExit(f"kubernetes-validate has no schemas for {self.kube_version}")
        definitions = json.loads((folders[-1] / "_definitions.json").read_text())
        defs = definitions.get("$defs") or definitions["definitions"]
        meta = defs["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]
        return {**meta, "$defs": defs}

    def check(self, doc: dict[str, Any]) -> tuple[str, list[str]]:
        """('builtin' | 'crd', errors)."""
        key = (str(doc.get("apiVersion")), str(doc.get("kind")))
        if key in self.crds:
            errors = [
                f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                for e in jsonschema.Draft202012Validator(self.crds[key]).iter_errors(doc)
            ]
            errors += [
                f"{'.'.join(['metadata', *map(str, e.absolute_path)])}: {e.message}"
                for e in jsonschema.Draft202012Validator(self.object_meta).iter_errors(
                    doc.get("metadata", {})
                )
            ]
            return "crd", errors
        try:
            self.kv.validate(doc, self.kube_version, strict=True)
        except self.kv.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            return "builtin", [f"{path or '<root>'}: {exc.message}"]
        except self.kv.SchemaNotFoundError:
            return "none", [f"no schema for {key[0]} {key[1]} (neither built in nor a CRD)"]
        return "builtin", []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate.py", description=__doc__.split("\n")[0])
    parser.add_argument("--crds", type=Path, required=True, help="folder of CRD YAML files")
    parser.add_argument("--kube-version", default="1.33")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list what passed")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    validator = Validator(args.crds, args.kube_version)
    failed = 0
    counts: Counter[str] = Counter()
    for path in args.files:
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc:
                continue
            name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            source, errors = validator.check(doc)
            counts[source] += 1
            if errors:
                failed += 1
                for error in errors:
                    print(f"FAIL {path.name}: {name}: {error}")
            elif args.verbose:
                print(f"ok   {path.name}: {name} ({source})")
    total = sum(counts.values())
    print(
        f"validated {total} documents against Kubernetes {args.kube_version} and "
        f"{len(validator.crds)} CRD versions: {counts['builtin']} built-in, {counts['crd']} "
        f"custom resources; {failed} failed"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
