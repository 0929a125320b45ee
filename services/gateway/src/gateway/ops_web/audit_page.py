"""/ops/audit: the audit trail (issue 21), from GraphQL `auditTrail`, as ops see it: who (the
authenticated person), when, what changed from what to what, and why; of the academy chosen,
or, when none is, every service's newest changes (the activities service's quarantine
replays and parked outbox rows, of no academy, among them)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gateway.ops_web.queries import Executor

ACADEMIES = """
query OpsAuditAcademies { academies(first: 100) { nodes { id name } } }
"""

TRAIL = """
query OpsAuditTrail($academyId: ID) {
  auditTrail(academyId: $academyId, limit: 200) {
    id service recordedAt actor { subject name via } academyId entity entityId action
    before after reason note
  }
}
"""

# nl, en, fr: the ops pages speak nl and en today; the French words are ready for them.
_WORDS: dict[str, tuple[str, str, str]] = {
    "nav_audit": ("Audit", "Audit", "Audit"),
    "audit_title": ("Audittrail van een academie", "An academy's audit trail", "Piste d'audit"),
    "audit_intro": (
        "Wie wat wijzigde, wanneer, van wat naar wat, en waarom: bewaard door de dienst die "
        "de gegevens bezit. Wie is de aangemelde persoon, nooit een vrij tekstveld.",
        "Who changed what, when, from what to what, and why: kept by the service that owns "
        "the data. Who is the signed-in person, never a free-text field.",
        "Qui a modifié quoi, quand, de quoi à quoi, et pourquoi : conservé par le service "
        "propriétaire des données. Qui est la personne connectée, jamais un champ libre.",
    ),
    "audit_academy": ("Academie", "Academy", "Académie"),
    "audit_when": ("Wanneer", "When", "Quand"),
    "audit_who": ("Wie", "Who", "Qui"),
    "audit_what": ("Wat", "What", "Quoi"),
    "audit_change": ("Wijziging", "Change", "Modification"),
    "audit_reason": ("Waarom", "Why", "Pourquoi"),
    "audit_note": ("Opmerking", "Note", "Remarque"),
    "audit_none": ("Nog niets gewijzigd.", "Nothing changed yet.", "Aucune modification."),
    "audit_all": ("Alles (elke dienst)", "Everything (every service)", "Tout (chaque service)"),
    "audit_all_title": (
        "Audittrail: de recentste wijzigingen",
        "Audit trail: the newest changes",
        "Piste d'audit : les dernières modifications",
    ),
    "audit_show": ("Toon", "Show", "Afficher"),
}


def audit_labels(lang: str) -> Mapping[str, str]:
    index = {"nl": 0, "en": 1, "fr": 2}.get(lang, 0)
    return {key: words[index] for key, words in _WORDS.items()}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """`field: old → new` for each field that differs (all of them for a new or gone thing)."""
    old, new = dict(before or {}), dict(after or {})
    lines = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            was = _text(old[key]) if key in old else "—"
            now = _text(new[key]) if key in new else "—"
            lines.append(f"{key}: {was} → {now}")
    return lines


async def audit_page(page: Any, executor: Executor, academy_id: str | None) -> dict[str, Any]:
    """The academy picker and the trail of the chosen academy, or of everything."""
    listed = await page.ask(executor, ACADEMIES)
    academies = [
        (a["id"], a["name"]) for a in (listed.data.get("academies") or {}).get("nodes", [])
    ]
    shown: dict[str, Any] = {
        "academies": academies,
        "academy_id": academy_id,
        "academy_name": dict(academies).get(academy_id or "", academy_id),
        "entries": None,
        "trail_error": None,
        "a": audit_labels(page.lang),
    }
    answer = await page.ask(executor, TRAIL, academyId=academy_id)
    shown["trail_error"] = answer.error("auditTrail")
    names = dict(academies)
    shown["entries"] = [
        {
            **e,
            "changes": changes(e.get("before"), e.get("after")),
            "academy": names.get(e.get("academyId") or "", e.get("academyId")),
        }
        for e in answer.data.get("auditTrail") or []
    ]
    return shown
