"""Every count the platform shows against the tally; each mismatch becomes a line of the
diff, so a failed run says what was lost or doubled, and where."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tests.chaos import poison
from tests.chaos.driver import HostileSent
from tests.chaos.observe import DeadLetterSeen, Record, TopicRead, data
from tests.chaos.tally import ExpectedActivity, Tally

WITHDRAWN_TYPE = "be.vlaio.stem.activity.withdrawn.v1"
MAX_LINES = 25  # per check, in the diff


@dataclass
class Check:
    name: str
    actual: Any
    expected: Any
    problems: list[str] = field(default_factory=list)
    below: float | None = None  # instead of equality: actual < below

    @property
    def ok(self) -> bool:
        if self.problems:
            return False
        if self.below is not None:
            return bool(self.actual < self.below)
        return bool(self.actual == self.expected)


@dataclass
class Comparison:
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, actual: Any, expected: Any, problems: list[str] | None = None) -> None:
        self.checks.append(Check(name, actual, expected, problems or []))

    def add_below(self, name: str, actual: float, bound: float, problems: list[str]) -> None:
        self.checks.append(Check(name, actual, f"< {bound:g}", problems, below=bound))

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def table(self) -> str:
        width = max(len(c.name) for c in self.checks)
        lines = [f"  {'count'.ljust(width)}  {'platform':>10}  {'tally':>10}  result"]
        for c in self.checks:
            lines.append(
                f"  {c.name.ljust(width)}  {c.actual!s:>10}  {c.expected!s:>10}  "
                f"{'ok' if c.ok else 'MISMATCH'}"
            )
        return "\n".join(lines)

    def diff(self) -> str:
        lines = []
        for c in self.checks:
            if c.ok:
                continue
            lines.append(f"- {c.name}: platform {c.actual}, tally {c.expected}")
            lines += [f"    {p}" for p in c.problems[:MAX_LINES]]
            if len(c.problems) > MAX_LINES:
                lines.append(f"    ... and {len(c.problems) - MAX_LINES} more")
        return "\n".join(lines)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _effective_nis(snapshot: dict[str, Any], occurrence: dict[str, Any]) -> str | None:
    found: str | None = occurrence.get("nis_code") or snapshot["location"].get("nis_code")
    return found


def activity_problems(expected: ExpectedActivity, snapshot: dict[str, Any] | None) -> list[str]:
    """What differs between one activity as the API shows it and its tally."""
    who = expected.activity_id
    if snapshot is None:
        if expected.gone:  # announced by notifications only, 410 before any was fetched
            return []
        return [f"{who}: missing (sent, never stored)"]
    shown_withdrawn = snapshot.get("workflow_status") in ("DELETED", "REJECTED")
    if expected.withdrawn or shown_withdrawn:
        if expected.withdrawn != shown_withdrawn:
            state = "withdrawn" if shown_withdrawn else snapshot.get("workflow_status")
            return [f"{who}: platform {state}, tally withdrawn={expected.withdrawn}"]
        return []
    problems = []
    wanted: dict[str, Any] = {
        "modified": expected.modified,
        "name": expected.name,
        "workflow_status": expected.workflow_status,
        "public": expected.public,
        "status": "unavailable" if expected.cancelled else "available",
        "academy_id": expected.academy_id,
        "postal_code": expected.postal_code,
        "nis_code": expected.nis_code,
        "occurrences": [
            (o.start, o.nis_code, "unavailable" if o.cancelled else "available")
            for o in expected.occurrences
        ],
    }
    shown: dict[str, Any] = {
        "modified": _moment(snapshot["modified"]),
        "name": snapshot["name"],
        "workflow_status": snapshot["workflow_status"],
        "public": snapshot["public"],
        "status": snapshot["status"],
        "academy_id": snapshot["academy_id"],
        "postal_code": snapshot["location"].get("postal_code"),
        "nis_code": snapshot["location"].get("nis_code"),
        "occurrences": [
            (_moment(o["start"]), _effective_nis(snapshot, o), o.get("status") or "available")
            for o in snapshot["occurrences"]
        ],
    }
    for key, value in wanted.items():
        if shown[key] != value:
            problems.append(f"{who}: {key} platform {shown[key]!r}, tally {value!r}")
    return problems


def compare_activities(
    result: Comparison,
    tally: Tally,
    snapshots: dict[str, dict[str, Any]],
    listed: dict[str | None, int],
) -> None:
    expected = tally.activities
    problems = [
        p for e in expected.values() for p in activity_problems(e, snapshots.get(e.activity_id))
    ]
    # An activity UiTdatabank created and hard-deleted (410) before the platform fetched
    # any version of it is never stored: correct, and counted apart.
    unseen = sum(1 for e in expected.values() if e.gone and e.activity_id not in snapshots)
    label = f"activities stored (by id; {unseen} gone before any fetch)"
    result.add(label, len(snapshots), len(expected) - unseen, problems)
    withdrawn = sum(1 for s in snapshots.values() if s.get("workflow_status") == "DELETED")
    wanted_withdrawn = sum(1 for e in expected.values() if e.withdrawn) - unseen
    result.add("activities withdrawn", withdrawn, wanted_withdrawn)
    wanted = tally.listed_per_academy()
    for academy_id in sorted(set(wanted) | set(listed), key=str):
        label = academy_id[:8] if academy_id else "no academy"
        result.add(
            f"on the kalender, {label}", listed.get(academy_id, 0), wanted.get(academy_id, 0)
        )


def compare_reach(result: Comparison, tally: Tally, rows: list[dict[str, Any]]) -> None:
    shown = {(r["academy_id"], r["year"], r["nis_code"]): r for r in rows}
    problems = []
    for key in sorted(set(shown) | set(tally.reach)):
        row, proof = shown.get(key), tally.reach.get(key)
        if row is None:
            problems.append(f"{key}: not reached on the platform, tally {sorted(proof or ())}")
        elif proof is None:
            problems.append(
                f"{key}: reached on the platform by {row['activity_ids']}, not in tally"
            )
        else:
            if set(row["activity_ids"]) != proof:
                problems.append(f"{key}: proof {sorted(row['activity_ids'])} vs {sorted(proof)}")
            postal = set(row.get("postal_codes") or ())
            if postal != tally.reach_postal_codes[key]:
                problems.append(
                    f"{key}: postal codes {sorted(postal)} "
                    f"vs {sorted(tally.reach_postal_codes[key])}"
                )
    result.add("reach (academy, year, municipality)", len(shown), len(tally.reach), problems)
    per_year: dict[tuple[str, int], int] = {}
    for academy_id, year, _ in shown:
        per_year[(academy_id, year)] = per_year.get((academy_id, year), 0) + 1
    for academy_year, count in sorted(tally.municipalities_reached().items()):
        label = f"reach {academy_year[0][:8]} {academy_year[1]}"
        result.add(label, per_year.get(academy_year, 0), count)
    extra = sorted(set(per_year) - set(tally.municipalities_reached()))
    if extra:
        result.add("reach of academy-years not in tally", len(extra), 0, [str(k) for k in extra])


def compare_subsidies(result: Comparison, tally: Tally, rows: list[dict[str, Any]] | None) -> None:
    paid: dict[str, Decimal] = {}
    for row in rows or []:
        if row["call_id"] == "uitrollers_2023":
            paid[row["academy_id"]] = paid.get(row["academy_id"], Decimal(0)) + Decimal(
                str(row["paid_eur"])
            )
    paid = {a: v for a, v in paid.items() if v > 0}
    for academy_id in sorted(set(paid) | set(tally.subsidies_2023)):
        result.add(
            f"subsidy 2023 uitrollers {academy_id[:8]} (EUR)",
            paid.get(academy_id, Decimal(0)),
            tally.subsidies_2023.get(academy_id, Decimal(0)),
        )
    result.add(
        "subsidy 2023 total (EUR)",
        sum(paid.values(), Decimal(0)),
        sum(tally.subsidies_2023.values(), Decimal(0)),
        [] if rows is not None else ["no calculation run for 2023 on the platform"],
    )


def _by_subject(read: TopicRead) -> dict[str, list[Record]]:
    found: dict[str, list[Record]] = {}
    for record in sorted(read.events, key=lambda r: (r.partition, r.offset)):
        found.setdefault(record.event.subject, []).append(record)
    return found


def compare_activity_topic(result: Comparison, tally: Tally, read: TopicRead) -> None:
    """After dedupe by event id, per activity: the last event says its final state; no two
    successive events carry the same content (a doubled effect); `modified` never goes
    back (a stale version published)."""
    subjects = _by_subject(read)
    problems, doubled, backwards = [], [], []
    live = 0
    for activity_id, records in subjects.items():
        for before, after in itertools.pairwise(records):
            a, b = data(before), data(after)
            if a == b and before.event.type == after.event.type:
                doubled.append(f"{activity_id}: {after.event.id} repeats {before.event.id}")
            if _moment(b["modified"]) < _moment(a["modified"]):  # type: ignore[operator]
                backwards.append(f"{activity_id}: {b['modified']} after {a['modified']}")
        last = records[-1]
        if last.event.type != WITHDRAWN_TYPE:
            live += 1
        expected = tally.activities.get(activity_id)
        if expected is None:
            problems.append(f"{activity_id}: events for an activity never sent")
            continue
        if expected.withdrawn:
            if last.event.type != WITHDRAWN_TYPE:
                problems.append(f"{activity_id}: last event {last.event.type}, tally withdrawn")
        elif last.event.type == WITHDRAWN_TYPE:
            problems.append(f"{activity_id}: last event withdrawn, tally live")
        elif _moment(data(last)["modified"]) != expected.modified:
            problems.append(
                f"{activity_id}: last event modified {data(last)['modified']}, "
                f"tally {expected.modified.isoformat()}"
            )
    never = [
        e.activity_id
        for e in tally.activities.values()
        if not e.withdrawn and e.activity_id not in subjects
    ]
    problems += [f"{a}: live in the tally, never published" for a in never]
    wanted_live = sum(1 for e in tally.activities.values() if not e.withdrawn)
    result.add("activity topic: ids whose last event is live", live, wanted_live, problems)
    result.add("activity topic: repeated content (doubled)", len(doubled), 0, doubled)
    result.add("activity topic: modified going back (stale)", len(backwards), 0, backwards)


def compare_reach_topic(result: Comparison, tally: Tally, read: TopicRead) -> None:
    last: dict[tuple[str, int, str], dict[str, Any]] = {}
    doubled = []
    previous: dict[tuple[str, int, str], Record] = {}
    for record in sorted(read.events, key=lambda r: (r.partition, r.offset)):
        body = data(record)
        key = (body["academy_id"], int(body["year"]), body["nis_code"])
        if key in previous and data(previous[key]) == body:
            doubled.append(f"{key}: {record.event.id} repeats {previous[key].event.id}")
        previous[key] = record
        last[key] = body
    reached = {k for k, v in last.items() if v["reached"]}
    problems = [f"{k}: reached per topic, not in tally" for k in sorted(reached - set(tally.reach))]
    problems += [
        f"{k}: in tally, not reached per topic" for k in sorted(set(tally.reach) - reached)
    ]
    result.add(
        "reach topic: reached after the last event", len(reached), len(tally.reach), problems
    )
    result.add("reach topic: repeated content (doubled)", len(doubled), 0, doubled)


def compare_calculation_topic(result: Comparison, tally: Tally, read: TopicRead) -> None:
    runs = [r for r in read.events if int(data(r)["year"]) == 2023]
    if not runs:
        result.add("calculation topic: 2023 total (EUR)", None, sum(tally.subsidies_2023.values()))
        return
    newest = max(runs, key=lambda r: (r.event.time, r.offset))
    paid: dict[str, Decimal] = {}
    for line in data(newest)["subsidies"]:
        if line["call_id"] == "uitrollers_2023":
            paid[line["academy_id"]] = paid.get(line["academy_id"], Decimal(0)) + Decimal(
                line["paid_eur"]
            )
    paid = {a: v for a, v in paid.items() if v > 0}
    problems = [
        f"{a}: {paid.get(a, 0)} vs {tally.subsidies_2023.get(a, 0)}"
        for a in sorted(set(paid) | set(tally.subsidies_2023))
        if paid.get(a, Decimal(0)) != tally.subsidies_2023.get(a, Decimal(0))
    ]
    result.add(
        "calculation topic: newest 2023 run (EUR)",
        sum(paid.values(), Decimal(0)),
        sum(tally.subsidies_2023.values(), Decimal(0)),
        problems,
    )


def compare_hostile(
    result: Comparison,
    tally: Tally,
    sent: list[HostileSent],
    quarantined: dict[str, str],
    dead_letters: dict[str, list[DeadLetterSeen]],
    stored: dict[str, dict[str, Any]],
) -> None:
    """Every hostile change handled as docs/bad-input.md says: a delivery refused with a
    4xx or quarantined with a reason by its kind, none stored as an activity; a poison
    record dead-lettered with a reason by every consumer of its topic; nothing good in the
    quarantine or a dead-letter topic."""
    answers = {s.item: s for s in sent}
    refused = [h for h in tally.hostile if h.expected == "refused"]
    problems = []
    for h in refused:
        answer = answers[h.item].answer if h.item in answers else "never sent"
        if not (answer.startswith("4") and answer.endswith("refused")):
            problems.append(f"{h.item} ({h.kind}): answered {answer!r}, not a 4xx")
        if h.item in quarantined:
            problems.append(f"{h.item} ({h.kind}): refused, yet in the quarantine")
    result.add(
        "hostile deliveries refused with a 4xx",
        len(refused) - len({p.split(" ")[0] for p in problems}),
        len(refused),
        problems,
    )

    wanted = [h for h in tally.hostile if h.expected == "quarantined"]
    problems = []
    for h in wanted:
        if h.item not in quarantined:
            answer = answers[h.item].answer if h.item in answers else "never sent"
            problems.append(f"{h.item} ({h.kind}): not in the quarantine (answered {answer!r})")
        elif not quarantined[h.item].strip():
            problems.append(f"{h.item} ({h.kind}): quarantined without a reason")
    result.add(
        "hostile deliveries quarantined with a reason",
        len(wanted) - len(problems),
        len(wanted),
        problems,
    )
    hostile_ids = {h.item for h in tally.hostile}
    good = sorted(w for w in quarantined if w not in hostile_ids)
    result.add(
        "deliveries in quarantine",
        len(quarantined),
        len(wanted),
        [f"{w}: a good delivery quarantined: {quarantined[w][:200]}" for w in good],
    )
    leaked = sorted(
        f"{s.activity_id} ({s.kind}, {s.item}) stored"
        for s in sent
        if s.activity_id is not None and s.activity_id in stored
    )
    result.add("hostile events stored as activities", len(leaked), 0, leaked)

    seen: dict[tuple[str, str], list[DeadLetterSeen]] = {}
    for topic, letters in dead_letters.items():
        for letter in letters:
            seen.setdefault((topic, letter.key), []).append(letter)
    pairs = [(t, h) for h in tally.hostile for t in h.dead_letter_topics]
    problems = []
    for topic, h in pairs:
        letters = seen.get((topic, h.item), [])
        if not letters:
            answer = answers[h.item].answer if h.item in answers else "never sent"
            problems.append(f"{h.item} ({h.kind}): no dead letter on {topic} ({answer})")
        elif not all(letter.reason.strip() for letter in letters):
            problems.append(f"{h.item} ({h.kind}): dead letter on {topic} without a reason")
    result.add(
        "poison records dead-lettered with a reason (per consumer)",
        len(pairs) - len(problems),
        len(pairs),
        problems,
    )
    for topic, letters in sorted(dead_letters.items()):
        good_letters = [
            f"{x.key or '(no key)'} from {x.original_topic}: {x.reason[:160]}"
            for x in letters
            if not x.key.startswith(poison.KEY_PREFIX)
        ]
        result.add(f"good events dead-lettered on {topic}", len(good_letters), 0, good_letters)


def hostile_outcomes(
    tally: Tally,
    sent: list[HostileSent],
    quarantined: dict[str, str],
    dead_letters: dict[str, list[DeadLetterSeen]],
) -> dict[str, dict[str, Any]]:
    """Per hostile kind: how many, what became of them, and one reason as the platform
    gave it (for the figures and docs/chaos.md)."""
    reasons: dict[str, str] = {}
    for letters in dead_letters.values():
        for letter in letters:
            reasons.setdefault(letter.key, letter.reason)
    answers = {s.item: s for s in sent}
    found: dict[str, dict[str, Any]] = {}
    for h in tally.hostile:
        entry = found.setdefault(h.kind, {"count": 0, "outcomes": {}, "reason": ""})
        entry["count"] += 1
        if h.item in quarantined:
            outcome, reason = "quarantined", quarantined[h.item]
        elif h.item in reasons:
            outcome, reason = "dead-lettered", reasons[h.item]
        elif h.item in answers and answers[h.item].answer.endswith("refused"):
            outcome, reason = answers[h.item].answer, answers[h.item].detail
        else:
            outcome, reason = answers[h.item].answer if h.item in answers else "never sent", ""
        entry["outcomes"][outcome] = entry["outcomes"].get(outcome, 0) + 1
        entry["reason"] = entry["reason"] or reason[:200]
    return dict(sorted(found.items()))
