"""The /ops academy forms' fields (issue 21): what each form posts, as the registry's write
takes it (PATCH /academies/{id}, POST .../participant-reports, POST .../recognition). The
registry validates; these only turn form text into its JSON (an empty optional field is
null: cleared, or left to the registry's default)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from stemkit.contracts.registry import RecognitionStatus

# PATCH /academies/{id}: the name stays when left empty (a name cannot be cleared).
DETAIL_FIELDS = (
    "name",
    "website",
    "contact_email",
    "stem_partnership",
    "enterprise_number",
    "home_nis_code",
)
STATUSES: tuple[str, ...] = get_args(RecognitionStatus)  # the contract's, in its order
MAX_REASON = 2000


class Unreadable(ValueError):
    """A form field that is not what the form asks for (a number, say)."""


def details(form: Mapping[str, str], current: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields the person changed: the registry then checks and audits those alone
    (a [DEMO] academy's name, sent back unchanged, would be refused as a new name)."""
    body: dict[str, Any] = {
        k: (form.get(k) or None)
        for k in DETAIL_FIELDS
        if k in form and (form.get(k) or None) != current.get(k)
    }
    if "name" in body and body["name"] is None:
        body.pop("name")
    return body


def _number(form: Mapping[str, str], key: str) -> int | None:
    given = form.get(key, "")
    if not given:
        return None
    if not given.isdigit() or len(given) > 9:
        raise Unreadable(key)
    return int(given)


def participants(form: Mapping[str, str]) -> dict[str, Any]:
    """A year's or a quarter's figures; the total is under 14 plus 14+ when not given."""
    under, over = _number(form, "under_14"), _number(form, "from_14")
    total = _number(form, "participants")
    if total is None:
        total = (under or 0) + (over or 0)
    return {
        "year": _number(form, "year"),
        "quarter": _number(form, "quarter"),
        "participants": total,
        "under_14": under,
        "from_14": over,
    }


def decision(form: Mapping[str, str]) -> dict[str, Any]:
    return {
        "status": form.get("status", ""),
        "decided_on": form.get("decided_on") or None,
        "valid_from": form.get("valid_from") or None,
        "reason": form.get("reason", "")[:MAX_REASON],
    }


def refusal(answer: Any) -> str:
    """The registry's words for a refused write (its 409 detail, or the 422 messages)."""
    try:
        detail = answer.json().get("detail")
    except ValueError:
        return str(answer.status_code)
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg', '')}" for d in detail
        )
    return str(detail)
