"""contracts/asyncapi/asyncapi.yaml: valid AsyncAPI 3.0.0, exactly the public topics of
deploy/topics.yaml, each with the schemas of the event types the catalogue sends there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from stemkit.contracts import CATALOG
from tools.k8s.asyncapi import DOC_PATH, problems, render
from tools.k8s.inventory import REPO_ROOT, topics
from tools.k8s.toolchain import asyncapi_specs


def document() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(DOC_PATH.read_text())
    return doc


def test_the_document_is_up_to_date() -> None:
    assert DOC_PATH.read_text() == render(), "run `uv run python -m tools.k8s.asyncapi write`"


def test_the_document_validates_against_asyncapi_3() -> None:
    # The JSON Schema of AsyncAPI 3.0.0 from @asyncapi/specs (npm; installed when missing).
    assert problems(document(), asyncapi_specs()) == []


def test_an_invalid_document_is_refused() -> None:
    doc = document()
    next(iter(doc["operations"].values()))["action"] = "consume"
    assert problems(doc, asyncapi_specs())


def test_channels_are_exactly_the_public_topics_with_their_schemas() -> None:
    doc = document()
    public = {t.name: t for t in topics() if t.public}
    channels = {c["address"]: c for c in doc["channels"].values()}
    assert set(channels) == set(public)
    messages = doc["components"]["messages"]
    for name, spec in public.items():
        channel = channels[name]
        assert channel["bindings"]["kafka"]["partitions"] == spec.partitions
        refs = [m["$ref"].rsplit("/", 1)[1] for m in channel["messages"].values()]
        schemas = {messages[r]["payload"]["$ref"] for r in refs}
        expected = {f"../events/{t.name}.schema.json" for t in CATALOG.all() if t.topic == name}
        assert schemas == expected
        for ref in schemas:
            assert (DOC_PATH.parent / ref).exists(), ref


def test_the_subscribing_page_lists_the_public_topics_and_their_keys() -> None:
    page = (REPO_ROOT / "docs" / "subscribing.md").read_text()
    rows = re.findall(r"^\| `(stem\.[^`]+)` \| [^|]+ \| `([a-z_]+)` \|", page, flags=re.M)
    keys = {t.topic: t.subject_field for t in CATALOG.all()}
    assert {topic for topic, _ in rows} == {t.name for t in topics() if t.public}
    for topic, key in rows:
        assert keys[topic] == key, topic


def test_no_private_topic_leaks_into_the_document() -> None:
    text = Path(DOC_PATH).read_text()
    for t in topics():
        if not t.public:
            assert t.name not in text
