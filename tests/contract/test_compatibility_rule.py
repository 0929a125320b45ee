"""The rule that decides whether a schema change breaks the readers of a published version."""

from __future__ import annotations

import copy
from typing import Any

from stemkit.eventing.schemas import breaking_changes

BASE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "status": {"enum": ["a", "b"], "type": "string"},
        "where": {"$ref": "#/$defs/Where"},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "required": ["id", "status", "where"],
    "$defs": {"Where": {"type": "object", "properties": {"nis": {"type": "string"}}}},
}


def changed(edit: Any) -> list[str]:
    new = copy.deepcopy(BASE)
    edit(new)
    return breaking_changes(BASE, new)


def test_an_identical_schema_is_compatible() -> None:
    assert breaking_changes(BASE, copy.deepcopy(BASE)) == []


def test_adding_an_optional_field_and_editing_a_description_are_compatible() -> None:
    def edit(s: dict[str, Any]) -> None:
        s["properties"]["extra"] = {"type": "integer"}
        s["properties"]["id"]["description"] = "clearer words"

    assert changed(edit) == []


def test_removing_a_field_breaks() -> None:
    assert changed(lambda s: s["properties"].pop("note")) == ["$.note: removed"]


def test_adding_a_required_field_breaks() -> None:
    def edit(s: dict[str, Any]) -> None:
        s["properties"]["extra"] = {"type": "integer"}
        s["required"].append("extra")

    assert changed(edit) == ["$.extra: added as required"]


def test_a_required_field_becoming_optional_breaks_old_readers() -> None:
    assert changed(lambda s: s["required"].remove("status")) == [
        "$.status: no longer required (old readers expect it)"
    ]


def test_changing_a_type_or_an_enum_breaks() -> None:
    assert changed(lambda s: s["properties"]["id"].update(type="integer")) == [
        "$.id: 'type' changed from 'string' to 'integer'"
    ]
    assert changed(lambda s: s["properties"]["status"].update(enum=["a"])) == [
        "$.status: 'enum' changed from ['a', 'b'] to ['a']"
    ]


def test_a_change_inside_a_referenced_definition_breaks() -> None:
    assert changed(lambda s: s["$defs"]["Where"]["properties"]["nis"].update(pattern="^x$")) == [
        "$.where.nis: 'pattern' changed from None to '^x$'"
    ]


def test_making_a_nullable_field_non_nullable_breaks() -> None:
    assert changed(lambda s: s["properties"].update(note={"type": "string"})) == [
        "$.note: the set of allowed shapes changed"
    ]
