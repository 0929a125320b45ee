"""Bulk import of academies from CSV: all or nothing, with an error report per row.

Every row is registered inside its own savepoint in one transaction, so a bad row leaves no
trace; the caller commits only when no row failed, or when asked to skip bad rows. A row whose
organizer id an earlier row of the same file took fails like any taken organizer id.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from registry.domain.academy import Academy, InvalidAcademy
from registry.domain.profile import RawProfile
from registry.service_layer.academies import OrganizerTaken, RegisterAcademy, register_academy

COLUMNS = (
    "name",
    "enterprise_number",
    "uit_organizer_ids",
    "home_nis_code",
    "website",
    "contact_email",
    "stem_partnership",
    "fixed_site",
    "fixed_nis_code",
    "fixed_postal_code",
    "fixed_address",
)
_YES, _NO = {"1", "true", "yes", "ja", "y", "j"}, {"", "0", "false", "no", "nee", "n"}
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file; the header is line 1
    field: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    imported: list[Academy] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


class ImportRefused(Exception):
    """Some rows were bad and skipping them was not asked for: nothing may be committed."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(f"{result.bad_rows} of {result.rows} rows are bad; nothing imported")
        self.result = result


def _command(row: dict[str, str | None]) -> RegisterAcademy:
    def text(column: str) -> str | None:
        value = (row.get(column) or "").strip()
        return value or None

    flag = (text("fixed_site") or "").lower()
    if flag not in _YES | _NO:
        raise InvalidAcademy({"fixed_site": f"{flag!r} is not yes or no"})
    organizers = text("uit_organizer_ids")
    fixed = flag in _YES or any(text(c) for c in ("fixed_nis_code", "fixed_postal_code"))
    return RegisterAcademy(
        name=text("name") or "",
        uit_organizer_ids=re.split(r"[;\s]+", organizers) if organizers else (),
        home_nis_code=text("home_nis_code"),
        profile=RawProfile(
            enterprise_number=text("enterprise_number"),
            website=text("website"),
            contact_email=text("contact_email"),
            stem_partnership=text("stem_partnership"),
            fixed_site=fixed,
            fixed_nis_code=text("fixed_nis_code"),
            fixed_postal_code=text("fixed_postal_code"),
            fixed_address=text("fixed_address"),
        ),
    )


async def import_academies(
    session: AsyncSession,
    text: str,
    *,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Register every row; raises ImportRefused (the caller rolls back) unless all rows
    were good or `skip_bad_rows`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    result = ImportResult()
    header = [c.strip() for c in reader.fieldnames or []]
    unknown = sorted(set(header) - set(COLUMNS))
    if "name" not in header or unknown:
        message = f"columns must be among {', '.join(COLUMNS)} and include name"
        result.errors.append(RowError(1, "header", f"{message}; unknown: {unknown}"))
        raise ImportRefused(result)
    rows = list(reader)
    result.rows = len(rows)
    for done, row in enumerate(rows, start=1):
        line = done + 1
        clean = {(k or "").strip(): v for k, v in row.items()}
        try:
            async with session.begin_nested():
                result.imported.append(await register_academy(session, _command(clean)))
        except InvalidAcademy as exc:
            result.errors += [RowError(line, f, m) for f, m in exc.errors.items()]
        except OrganizerTaken as exc:
            result.errors.append(RowError(line, "uit_organizer_ids", str(exc)))
        if progress is not None:
            progress(done, len(rows))
    if result.errors and not skip_bad_rows:
        raise ImportRefused(result)
    return result
