"""The synthetic Flanders generator (tools/flanders, issue 16): deterministic, labelled
[DEMO], its own plan gives the published figures, and its documents have the shapes the
issue asks for and are readable by the activities reader."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

import pytest

from activities.domain.reader import read_event
from tools.flanders import documents, plan, reference

pytestmark = pytest.mark.slow  # builds the full plan (a few seconds)


@pytest.fixture(scope="module")
def full() -> plan.Plan:
    return plan.build()


@pytest.fixture(scope="module")
def docs(full: plan.Plan) -> list[tuple[str, int, dict[str, Any]]]:
    return documents.all_documents(full, reference.load())


def test_the_plan_gives_the_published_figures(full: plan.Plan) -> None:
    figures = full.figures(reference.load())
    totals = {year: sum(p.values()) for year, p in figures.items()}
    assert [totals[y] for y in (2019, 2020, 2021, 2022)] == [162, 221, 221, 221]
    assert figures[2020] == {
        "Antwerpen": 41,
        "Limburg": 24,
        "Oost-Vlaanderen": 56,
        "Vlaams-Brabant": 36,
        "West-Vlaanderen": 64,
    }
    assert full.participants(2020) == 12_500
    assert full.newly_recognised(2020) == 78
    assert 95 <= len(full.academies) <= 105


def test_the_same_seed_gives_the_same_documents(
    docs: list[tuple[str, int, dict[str, Any]]],
) -> None:
    again = documents.all_documents(plan.build(), reference.load())
    digest = [hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest() for *_, d in docs]
    assert digest == [
        hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest() for *_, d in again
    ]


def test_every_name_says_demo(full: plan.Plan, docs: list[tuple[str, int, dict[str, Any]]]) -> None:
    assert all(a.name.startswith("[DEMO] ") for a in full.academies)
    for _, _, doc in docs:
        name = doc["name"] if isinstance(doc["name"], str) else next(iter(doc["name"].values()))
        assert name.startswith("[DEMO] ")
        organizer = doc["organizer"]["name"]
        assert (
            organizer if isinstance(organizer, str) else next(iter(organizer.values()))
        ).startswith("[DEMO] ")


def test_the_documents_have_the_shapes_of_the_issue(
    full: plan.Plan, docs: list[tuple[str, int, dict[str, Any]]]
) -> None:
    kinds = Counter(o.kind for o in full.offers)
    calendars = Counter(d["calendarType"] for _, v, d in docs if v == 1)
    assert (
        calendars["periodic"] > 300 and calendars["multiple"] > 500 and calendars["permanent"] >= 1
    )
    assert kinds["workshop"] > 100 and kinds["camp"] > 300 and kinds["school"] > 0
    periodic = [d for *_, d in docs if d["calendarType"] == "periodic"]
    assert all(d["openingHours"] and d["openingHoursClosedDays"] for d in periodic)
    workflows = Counter(d["workflowStatus"] for *_, d in docs)
    assert {"DRAFT", "REJECTED", "DELETED", "READY_FOR_VALIDATION", "APPROVED"} <= set(workflows)
    assert any(d.get("mainLanguage") == "fr" for *_, d in docs)
    assert any(isinstance(d["name"], str) and "mainLanguage" not in d for *_, d in docs)
    assert any(d["audience"]["audienceType"] == "education" for *_, d in docs)
    assert sum(1 for _, v, _ in docs if v == 2) > 50  # later versions of the same event
    galmaarden = [
        d
        for *_, d in docs
        if d["location"].get("address", {}).get("nl", {}).get("postalCode") == "1570"
        and d["location"]["address"]["nl"]["addressLocality"] == "Galmaarden"
    ]
    assert galmaarden, "a pre-2025 address in a municipality merged in 2025"
    organizers = {d["organizer"].get("@id", "").rsplit("/", 1)[-1].lower() for *_, d in docs}
    assert {o for o, _ in full.unlinked} <= organizers  # organizers linked to no academy


def test_every_document_is_readable(docs: list[tuple[str, int, dict[str, Any]]]) -> None:
    for _, _, doc in docs:
        activity = read_event(doc)
        assert activity.name.startswith("[DEMO] ")


def test_the_small_set_keeps_the_plan_s_invariant() -> None:
    """`--small` (tests, quick looks): a quarter of the academies and of the reach; `build`
    checks the invariant (every reached place has a counted traject, nothing elsewhere)."""
    small = plan.build(small=True)
    figures = small.figures(reference.load())
    assert len(small.academies) == 25
    assert 40 <= sum(figures[2020].values()) <= 60
    assert small.participants(2020) == 2_500
