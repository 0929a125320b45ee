"""JSON Schemas of event payloads, generated from the catalogue, and the compatibility rule.

A published version may only change in ways both its old and new readers accept (FULL
compatibility, as Confluent Schema Registry names it): add an optional field, edit a
description. Everything else is a new major version: a new event type and a new topic.
"""

from __future__ import annotations

from typing import Any

from stemkit.eventing.catalog import EventCatalog, EventType

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Schema = dict[str, Any]

# Keywords whose change alters what is valid. Descriptions, titles and examples may change.
_CONSTRAINTS = (
    "type",
    "format",
    "pattern",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "additionalProperties",
)


def schema_for(event_type: EventType) -> Schema:
    """The contract of one event type: its payload's JSON Schema plus how it travels."""
    body = event_type.payload.model_json_schema(mode="serialization")
    body.pop("title", None)
    body.pop("description", None)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": event_type.dataschema,
        "title": event_type.name,
        "description": event_type.description,
        "x-cloudevents": {
            "type": event_type.name,
            "topic": event_type.topic,
            "subject": event_type.subject_field,
            "datacontenttype": "application/json",
            "kafka-binding": "binary",
        },
        **body,
    }


def all_schemas(catalog: EventCatalog) -> dict[str, Schema]:
    return {event_type.name: schema_for(event_type) for event_type in catalog.all()}


def _resolve(node: Schema, root: Schema) -> Schema:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: Schema = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        return resolved
    return node


def _variants(node: Schema, root: Schema) -> list[Schema]:
    node = _resolve(node, root)
    if "anyOf" in node:
        return [_resolve(v, root) for v in node["anyOf"]]
    return [node]


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """What in `new` would break a reader or writer of `old` (empty when compatible)."""
    problems: list[str] = []
    _compare(old, new, old, new, "$", problems)
    return problems


def _compare(
    old: Schema, new: Schema, old_root: Schema, new_root: Schema, at: str, out: list[str]
) -> None:
    old_variants, new_variants = _variants(old, old_root), _variants(new, new_root)
    if len(old_variants) != len(new_variants):
        out.append(f"{at}: the set of allowed shapes changed")
        return
    for index, (o, n) in enumerate(zip(old_variants, new_variants, strict=True)):
        where = at if len(old_variants) == 1 else f"{at}|{index}"
        for keyword in _CONSTRAINTS:
            if o.get(keyword) != n.get(keyword):
                out.append(
                    f"{where}: '{keyword}' changed from {o.get(keyword)!r} to {n.get(keyword)!r}"
                )
        old_props, new_props = o.get("properties", {}), n.get("properties", {})
        old_required, new_required = set(o.get("required", [])), set(n.get("required", []))
        for name in sorted(set(old_props) - set(new_props)):
            out.append(f"{where}.{name}: removed")
        for name in sorted(new_required - old_required):
            out.append(
                f"{where}.{name}: became required"
                if name in old_props
                else f"{where}.{name}: added as required"
            )
        for name in sorted(old_required - new_required):
            if name in new_props:
                out.append(f"{where}.{name}: no longer required (old readers expect it)")
        for name in sorted(set(old_props) & set(new_props)):
            _compare(old_props[name], new_props[name], old_root, new_root, f"{where}.{name}", out)
        if "items" in o or "items" in n:
            _compare(o.get("items", {}), n.get("items", {}), old_root, new_root, f"{where}[]", out)
