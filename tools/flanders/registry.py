"""The [DEMO] academies as the registry will hold them: home, UiT organizer, profile,
recognition history, roles (from 2023) and voluntary participant reports.

Histories (the registry's lifecycle; a provisional recognition runs 1 year, a recognition
3 years, subsidy-rules.md §1.1): 14 pioneers recognised in 2019, 78 academies newly
recognised in 2020 (the published figure), 8 later ones, among them a suspension, a
withdrawal, a lapsed renewal and an application never decided.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from tools.flanders.reference import PROVINCES, Reference, km

NAMESPACE = uuid.UUID("5d7a3e1c-16b2-4f0e-9c57-0a8e4b2d6f31")
AUTHOR = "[DEMO] tools/flanders"
PIONEERS, CLASS_OF_2020, LATER = 14, 78, 8
# Academies per province (homes), roughly as the reach is spread.
HOMES_PER_PROVINCE = {
    "Antwerpen": 22,
    "Limburg": 12,
    "Oost-Vlaanderen": 24,
    "Vlaams-Brabant": 17,
    "West-Vlaanderen": 25,
}
# The cities that hold several academies (and the pioneers).
CITIES = (
    ("Antwerpen", 4),
    ("Gent", 4),
    ("Leuven", 3),
    ("Brugge", 2),
    ("Hasselt", 2),
    ("Kortrijk", 2),
    ("Mechelen", 2),
    ("Genk", 2),
    ("Aalst", 1),
    ("Oostende", 1),
    ("Roeselare", 1),
    ("Turnhout", 1),
    ("Sint-Niklaas", 1),
    ("Vilvoorde", 1),
)
KINDS = (
    "STEM-academie",
    "Codeerclub",
    "Robotlab",
    "Techniekacademie",
    "Wetenschapsclub",
    "Makerspace",
    "FabLab",
    "Natuurlab",
    "KidsLab",
    "Ingenieurskamp",
    "Sterrenwacht",
    "Jonge Onderzoekers",
)
PARTNERSHIPS = {
    "Antwerpen": "[DEMO] STEM on the Road",
    "Oost-Vlaanderen": "[DEMO] GelijkgeSTEMd",
    "West-Vlaanderen": "[DEMO] STE(A)M HIVE",
    "Limburg": "[DEMO] Digimobile",
    "Vlaams-Brabant": "[DEMO] Let's STEM together",
}
RECOGNISED = frozenset(
    {"provisionally_recognised", "recognised", "renewal_due", "under_review", "renewed"}
)


@dataclass(frozen=True)
class Decision:
    status: str
    decided_on: date
    valid_from: date
    reason: str


@dataclass
class Academy:
    key: int
    name: str
    province: str
    home: str  # NIS code (2019-2024)
    organizer_id: str
    decisions: list[Decision] = field(default_factory=list)
    first_year: int = 2019  # first year with activities
    last_year: int = 2026
    roles: list[tuple[int, str]] = field(default_factory=list)
    # (year, quarter or None, participants, under 14 or None)
    reports: list[tuple[int, int | None, int, int | None]] = field(default_factory=list)
    partnership: str | None = None
    french: bool = False  # publishes its documents in French

    @property
    def slug(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"academy:{self.key}"))[:8]

    def recognised_periods(self) -> list[tuple[date, date]]:
        """(first, last) days recognised, by the lifecycle's own arithmetic (provisional 1
        year, recognised 3 years; a review or suspension keeps the last day): the
        generator's view of the registry's rules."""
        found: list[tuple[date, date]] = []
        until: date | None = None
        for n, d in enumerate(self.decisions):
            if d.status == "provisionally_recognised":
                until = _last_day(d.valid_from, 1)
            elif d.status in ("recognised", "renewed"):
                until = _last_day(d.valid_from, 3)
            elif d.status not in ("renewal_due", "under_review", "suspended"):
                until = None
            if d.status not in RECOGNISED:
                continue
            following = self.decisions[n + 1].valid_from if n + 1 < len(self.decisions) else None
            last = date(2100, 1, 1) if until is None else until
            if following is not None:
                last = min(last, following - timedelta(days=1))
            if d.valid_from <= last:
                found.append((d.valid_from, last))
        return found

    def recognised_on(self, day: date) -> bool:
        return any(a <= day <= b for a, b in self.recognised_periods())

    def recognised_in(self, year: int) -> bool:
        """Recognised on at least one day of the year."""
        return any(a.year <= year <= b.year for a, b in self.recognised_periods())

    def recognised_days(self, year: int) -> set[date]:
        found: set[date] = set()
        for first, last in self.recognised_periods():
            day = max(first, date(year, 1, 1))
            while day <= min(last, date(year, 12, 31)):
                found.add(day)
                day += timedelta(days=1)
        return found

    def first_recognised(self) -> date | None:
        return next(
            (d.valid_from for d in self.decisions if d.status == "provisionally_recognised"), None
        )


def _last_day(start: date, years: int) -> date:
    try:
        end = start.replace(year=start.year + years)
    except ValueError:
        end = start.replace(year=start.year + years, day=28) + timedelta(days=1)
    return end - timedelta(days=1)


def _lifecycle(start: date, *, until: date = date(2026, 12, 1)) -> list[Decision]:
    """requested, provisional (1 year), recognised (3 years), then renewal due and renewed
    every 3 years, as long as they start before `until`."""
    found = [
        Decision("requested", start - timedelta(days=75), start - timedelta(days=75), "aanvraag"),
        Decision("provisionally_recognised", start, start, "voorlopige erkenning"),
    ]
    confirmed = _last_day(start, 1) + timedelta(days=1)
    if confirmed < until:
        found.append(Decision("recognised", confirmed - timedelta(days=20), confirmed, "erkend"))
    term_start = confirmed
    while True:
        ends = _last_day(term_start, 3) + timedelta(days=1)
        due = ends - timedelta(days=90)
        if due >= until:
            break
        found.append(Decision("renewal_due", due, due, "hernieuwing aangevraagd"))
        if ends >= until:
            break
        found.append(Decision("renewed", ends - timedelta(days=14), ends, "hernieuwd"))
        term_start = ends
    return found


def academies(ref: Reference, seed: int, count: int = 100) -> list[Academy]:
    rng = random.Random(f"{seed}:academies")
    homes = _homes(ref, rng, count)
    found: list[Academy] = []
    used: set[str] = set()
    for key, (nis, province) in enumerate(homes):
        town = ref.municipalities[nis].name
        kind = KINDS[rng.randrange(len(KINDS))]
        name = f"[DEMO] {kind} {town}"
        n = 2
        while name in used:
            name = f"[DEMO] {KINDS[(KINDS.index(kind) + n) % len(KINDS)]} {town}"
            n += 1
        used.add(name)
        organizer = str(uuid.uuid5(NAMESPACE, f"organizer:{key}"))
        found.append(Academy(key, name, province, nis, organizer))
    _histories(found, rng)
    _roles_and_reports(found, rng)
    facilities = {ref.by_name(n).nis_code for n in ("Kraainem", "Wezembeek-Oppem", "Drogenbos")}
    for academy in found:
        academy.french = academy.home in facilities
        if rng.random() < 0.6:
            academy.partnership = PARTNERSHIPS[academy.province]
    return found


def _homes(ref: Reference, rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Home municipalities: the cities first (the pioneers live there), then the rest of
    each province's share at random, no municipality twice outside the cities."""
    scale = count / sum(HOMES_PER_PROVINCE.values())
    quota = {p: max(1, round(n * scale)) for p, n in HOMES_PER_PROVINCE.items()}
    homes: list[tuple[str, str]] = []
    for city, n in CITIES:
        m = ref.by_name(city)
        for _ in range(max(1, round(n * scale)) if scale < 1 else n):
            if quota[m.province] > 0 and len(homes) < count:
                homes.append((m.nis_code, m.province))
                quota[m.province] -= 1
    taken = {h for h, _ in homes}
    facilities = ["Kraainem", "Wezembeek-Oppem", "Drogenbos"] if count >= 50 else []
    for name in facilities:  # French-speaking academies in the facility municipalities
        m = ref.by_name(name)
        homes.append((m.nis_code, m.province))
        taken.add(m.nis_code)
        quota[m.province] -= 1
    for province in PROVINCES:
        pool = [m for m in ref.of_year(2020) if m.province == province and m.nis_code not in taken]
        for m in rng.sample(pool, max(0, quota[province])):
            homes.append((m.nis_code, m.province))
    first = homes[:PIONEERS]  # cities: pioneers
    rest = homes[PIONEERS:]
    rng.shuffle(rest)
    return first + rest


def _histories(found: list[Academy], rng: random.Random) -> None:
    n = len(found)
    pioneers = max(1, round(PIONEERS * n / 100))
    later = max(1, round(LATER * n / 100))
    class_2020 = n - pioneers - later
    starts_2020 = (date(2020, 1, 1), date(2020, 2, 1), date(2020, 3, 1), date(2020, 9, 1))
    for i, academy in enumerate(found):
        if i < pioneers:
            academy.decisions = _lifecycle(date(2019, 9, 1))
        elif i < pioneers + class_2020:
            start = starts_2020[0 if rng.random() < 0.6 else rng.randrange(1, 4)]
            academy.decisions = _lifecycle(start)
            # Most of them were in the network before VLAIO's recognition (2019 counts them).
            academy.first_year = 2019 if rng.random() < 0.85 else 2020
        else:
            j = i - pioneers - class_2020
            start = (date(2021, 1, 1), date(2021, 3, 1), date(2022, 1, 1), date(2023, 3, 1))[j % 4]
            academy.decisions = _lifecycle(start)
            academy.first_year = start.year
    if class_2020 < 10:
        return
    # A suspension (and a review that restores it), a withdrawal, a lapsed renewal.
    suspended = found[pioneers + 1]
    suspended.decisions = [d for d in suspended.decisions if d.valid_from < date(2021, 10, 1)]
    suspended.decisions += [
        Decision("suspended", date(2021, 9, 28), date(2021, 10, 1), "geschorst: geen activiteiten"),
        Decision("under_review", date(2022, 2, 25), date(2022, 3, 1), "herziening"),
        Decision("recognised", date(2022, 5, 30), date(2022, 6, 1), "opnieuw erkend"),
        Decision("renewal_due", date(2025, 3, 3), date(2025, 3, 3), "hernieuwing aangevraagd"),
        Decision("renewed", date(2025, 5, 19), date(2025, 6, 1), "hernieuwd"),
    ]
    withdrawn = found[pioneers + 3]
    withdrawn.decisions = [d for d in withdrawn.decisions if d.valid_from < date(2022, 7, 1)]
    withdrawn.decisions.append(
        Decision("withdrawn", date(2022, 6, 20), date(2022, 7, 1), "ingetrokken op eigen vraag")
    )
    withdrawn.last_year = 2022
    lapsed = found[pioneers + 6]
    cut = next(i for i, d in enumerate(lapsed.decisions) if d.status == "renewal_due")
    lapsed.decisions = lapsed.decisions[: cut + 1]  # due, never renewed: expires
    lapsed.last_year = lapsed.decisions[-1].valid_from.year
    pending = found[-1]  # applied in 2024, never decided: its activities are counted apart
    pending.decisions = [Decision("requested", date(2024, 2, 1), date(2024, 2, 1), "aanvraag")]
    pending.first_year = 2024


def _roles_and_reports(found: list[Academy], rng: random.Random) -> None:
    for academy in found:
        for year in (2023, 2024, 2025, 2026):
            if not academy.recognised_in(year):
                continue
            academy.roles.append((year, "uitroller"))
            if academy.key % 17 == 3:
                academy.roles.append((year, "gangmaker"))
            if academy.key % 13 == 5 and year >= 2024:
                academy.roles.append((year, "ontwikkelaar"))
        size = rng.randint(70, 260)
        for year in range(2019, 2026):  # 2026 is not over: not reported yet
            if not academy.recognised_in(year) or rng.random() < 0.15:
                continue  # not recognised, or did not report (reporting is voluntary)
            total = int(size * (1 + 0.06 * (year - 2020)) * rng.uniform(0.85, 1.15))
            if rng.random() < 0.2:  # reported per quarter
                shares = [rng.uniform(0.5, 1.5) for _ in range(4)]
                parts = [int(total * s / sum(shares)) for s in shares]
                for q, part in enumerate(parts, start=1):
                    academy.reports.append((year, q, part, None))
            else:
                under = int(total * rng.uniform(0.6, 0.9)) if rng.random() < 0.7 else None
                academy.reports.append((year, None, total, under))


def scale_participants(found: list[Academy], year: int, total: int) -> None:
    """Scale one year's reports so they sum to `total` exactly (the published ~12,500)."""
    rows = [(a, i) for a in found for i, r in enumerate(a.reports) if r[0] == year]
    now = sum(a.reports[i][2] for a, i in rows)
    if not rows or now == 0:
        return
    left = total
    for n, (academy, i) in enumerate(rows):
        y, q, p, under = academy.reports[i]
        new = left if n == len(rows) - 1 else round(p * total / now)
        left -= new
        academy.reports[i] = (
            y,
            q,
            new,
            None if under is None else min(new, round(under * new / max(p, 1))),
        )


def nearest(
    academies_: list[Academy], ref: Reference, nis_code: str
) -> list[tuple[float, Academy]]:
    point = ref.municipalities[nis_code].point
    return sorted(
        ((km(point, ref.municipalities[a.home].point), a) for a in academies_),
        key=lambda pair: (pair[0], pair[1].key),
    )
