"""Who reaches which municipality, when: the generator's own plan.

For each year a set of target municipalities per province (the published figures for
2019-2022), chosen around the academies' homes. Every target municipality of a year gets a
multi-session traject (a weekly course or a camp of several days) of an academy that is
recognised on every session day of that year (2019: any academy of the network, as the
coverage rule of that year counts). Everything else (single workshops, the academies'
sessions outside their recognition, organizers linked to no academy, drafts, rejected and
deleted events, school-only events) only lands in municipalities already reached that
year. So the figures follow from the documents under the rules whichever way the subsidy
service weighs single sessions; the plan never asks the platform.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from tools.flanders import registry
from tools.flanders.reference import PROVINCES, Reference, km, load
from tools.flanders.registry import NAMESPACE, Academy

FIRST, LAST = 2019, 2026  # to the current year, so that /ops opens on a year with data
# Municipalities reached per province: 2019-2022 make the published totals (162, 221, 221,
# 221; 2020 per province as published), the rest is our own (growth after 2022).
TARGETS: dict[int, dict[str, int]] = {
    2019: {
        "Antwerpen": 30,
        "Limburg": 16,
        "Oost-Vlaanderen": 43,
        "Vlaams-Brabant": 25,
        "West-Vlaanderen": 48,
    },
    2020: {
        "Antwerpen": 41,
        "Limburg": 24,
        "Oost-Vlaanderen": 56,
        "Vlaams-Brabant": 36,
        "West-Vlaanderen": 64,
    },
    2021: {
        "Antwerpen": 42,
        "Limburg": 24,
        "Oost-Vlaanderen": 56,
        "Vlaams-Brabant": 36,
        "West-Vlaanderen": 63,
    },
    2022: {
        "Antwerpen": 43,
        "Limburg": 25,
        "Oost-Vlaanderen": 55,
        "Vlaams-Brabant": 35,
        "West-Vlaanderen": 63,
    },
    2023: {
        "Antwerpen": 44,
        "Limburg": 26,
        "Oost-Vlaanderen": 56,
        "Vlaams-Brabant": 36,
        "West-Vlaanderen": 63,
    },
    2024: {
        "Antwerpen": 45,
        "Limburg": 27,
        "Oost-Vlaanderen": 57,
        "Vlaams-Brabant": 37,
        "West-Vlaanderen": 63,
    },
    2025: {
        "Antwerpen": 45,
        "Limburg": 27,
        "Oost-Vlaanderen": 57,
        "Vlaams-Brabant": 37,
        "West-Vlaanderen": 63,
    },
    2026: {
        "Antwerpen": 45,
        "Limburg": 27,
        "Oost-Vlaanderen": 57,
        "Vlaams-Brabant": 37,
        "West-Vlaanderen": 63,
    },
}
PARTICIPANTS_2020 = 12_500  # "ongeveer 12.500" (subsidy-rules.md §2, V6/V7)
# N1 (2021): only Blankenberge lacked an academy in West-Vlaanderen.
NOT_REACHED = {2021: ("Blankenberge",), 2022: ("Blankenberge",)}
# Municipalities merged on 1 January 2025 that are reached from 2020 on: their documents
# carry the old address ("1570 Galmaarden") before 2025 and after.
MERGED_REACHED = ("Galmaarden", "Borsbeek", "Wachtebeke", "Kortessem", "Meulebeke", "Nazareth")

# Flemish school holidays (first and last day); 2020 adds the lockdowns.
KROKUS = {
    2019: (3, 4),
    2020: (2, 24),
    2021: (2, 15),
    2022: (2, 28),
    2023: (2, 20),
    2024: (2, 12),
    2025: (3, 3),
    2026: (2, 16),
}
PASEN = {
    2019: (4, 8),
    2020: (4, 6),
    2021: (4, 5),
    2022: (4, 4),
    2023: (4, 3),
    2024: (4, 1),
    2025: (4, 7),
    2026: (4, 6),
}
HERFST = {
    2019: (10, 28),
    2020: (11, 2),
    2021: (11, 1),
    2022: (10, 31),
    2023: (10, 30),
    2024: (10, 28),
    2025: (10, 27),
    2026: (11, 2),
}
LOCKDOWNS = ((date(2020, 3, 14), date(2020, 6, 30)), (date(2020, 10, 31), date(2020, 11, 15)))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
THEMES = (
    ("1.25.0.0.0", "Wetenschap"),
    ("1.21.0.0.0", "Computer en techniek"),
    ("1.64.0.0.0", "Milieu en natuur"),
    ("1.65.0.0.0", "Voeding"),
    ("1.42.0.0.0", "Creativiteit"),
)
TITLES = {
    "course": (
        "Codeerclub",
        "Robotica-lessenreeks",
        "Jonge ingenieurs",
        "Proefjesclub",
        "Maak je eigen game",
        "Elektronica voor beginners",
    ),
    "camp": (
        "Robotkamp",
        "Ruimtevaartkamp",
        "Uitvinderskamp",
        "Natuurwetenschappenkamp",
        "Minecraft-kamp",
        "Bouw je eigen drone",
    ),
    "saturdays": ("Zaterdaglab", "Techniekzaterdagen", "Sterrenkijkers"),
    "workshop": (
        "Workshop 3D-printen",
        "Workshop solderen",
        "Proefjesnamiddag",
        "Workshop programmeren",
        "Bruggen bouwen",
    ),
    "permanent": ("Open makerspace", "Open FabLab"),
    "school": ("Klasbezoek: STEM-lab", "Schoolworkshop robotica"),
}
FRENCH_TITLES = ("Club de codage", "Atelier robotique", "Stage des petits inventeurs")


@dataclass
class Offer:
    """One UiTdatabank event (and its later versions) the plan places."""

    event_id: str
    kind: str  # course, camp, saturdays, workshop, permanent, school
    organizer_id: str
    organizer_name: str
    academy: int | None  # the academy's key; None: an organizer linked to no academy
    nis: str | None  # None: "location in consultation with the school"
    venue: int
    title: str
    theme: tuple[str, str]
    ages: str
    calendar: str  # periodic, multiple, single, permanent
    period: tuple[date, date] | None = None
    weekly: tuple[tuple[str, ...], str, str] | None = None  # (days, opens, closes)
    closed: list[tuple[date, date]] = field(default_factory=list)
    days: list[tuple[date, str, str]] = field(default_factory=list)
    workflow: str = "APPROVED"
    deleted_later: bool = False
    status: str = "Available"
    audience: str = "everyone"
    language: str = "nl"
    legacy: bool = False
    update: str | None = None  # a second version: closed_day, cancel_session, rename
    counts_for: tuple[int, ...] = ()  # the years this offer is the planned traject of
    created: datetime = datetime(2019, 1, 1)

    def sessions(self) -> list[date]:
        """The session days (the generator's own calendar arithmetic)."""
        if self.calendar in ("multiple", "single"):
            return sorted({d for d, _, _ in self.days})
        if self.calendar != "periodic" or self.period is None or self.weekly is None:
            return []
        wanted = {WEEKDAYS.index(d) for d in self.weekly[0]}
        found, day = [], self.period[0]
        while day <= self.period[1]:
            if day.weekday() in wanted and not any(a <= day <= b for a, b in self.closed):
                found.append(day)
            day += timedelta(days=1)
        return found

    @property
    def public(self) -> bool:
        return (
            self.workflow in ("APPROVED", "READY_FOR_VALIDATION")
            and not self.deleted_later
            and self.status == "Available"
        )


@dataclass
class Plan:
    seed: int
    small: bool
    academies: list[Academy]
    unlinked: list[tuple[str, str]]  # organizers linked to no academy: (id, name)
    targets: dict[int, set[str]]  # year -> NIS codes (of 2019-2024)
    offers: list[Offer]

    def figures(self, ref: Reference) -> dict[int, dict[str, int]]:
        """Expected municipalities reached per year and province, on that year's boundaries."""
        out: dict[int, dict[str, int]] = {}
        for year, nis_codes in self.targets.items():
            reached = {ref.on_boundaries_of(n, year) for n in nis_codes}
            count = Counter(ref.municipalities[n].province for n in reached)
            out[year] = {p: count[p] for p in PROVINCES}
        return out

    def participants(self, year: int) -> int:
        return sum(r[2] for a in self.academies for r in a.reports if r[0] == year)

    def newly_recognised(self, year: int) -> int:
        return sum(1 for a in self.academies if (f := a.first_recognised()) and f.year == year)


def _holiday(start: tuple[int, int], year: int, days: int) -> tuple[date, date]:
    first = date(year, *start)
    return first, first + timedelta(days=days - 1)


def closed_days(first: date, last: date) -> list[tuple[date, date]]:
    """The school holidays (and 2020's lockdowns) between two days: a course is closed then."""
    found = []
    for year in range(first.year, last.year + 1):
        found += [
            _holiday(KROKUS[year], year, 7),
            _holiday(PASEN[year], year, 14),
            (date(year, 5, 1), date(year, 5, 1)),
            (date(year, 11, 11), date(year, 11, 11)),
            (date(year, 12, 21), date(year + 1, 1, 6)),
        ]
        if year in HERFST:
            found.append(_holiday(HERFST[year], year, 7))
    found += [lock for lock in LOCKDOWNS if lock[0] <= last and lock[1] >= first]
    return sorted((max(a, first), min(b, last)) for a, b in found if a <= last and b >= first)


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def camp_weeks(year: int) -> list[tuple[str, date]]:
    """Mondays of holiday weeks in which camps run (none at Easter 2020: lockdown)."""
    weeks = [("krokus", date(year, *KROKUS[year]))]
    if year != 2020:
        weeks.append(("pasen", date(year, *PASEN[year])))
        weeks.append(("pasen", date(year, *PASEN[year]) + timedelta(days=7)))
    summer = _weekday_on_or_after(date(year, 7, 1), 0)
    weeks += [("zomer", summer + timedelta(weeks=k)) for k in range(8)]
    if year in HERFST:
        weeks.append(("herfst", date(year, *HERFST[year])))
    return [(name, _weekday_on_or_after(monday, 0)) for name, monday in weeks]


class Planner:
    def __init__(self, seed: int, small: bool) -> None:
        self.ref = load()
        self.seed, self.small = seed, small
        self.rng = random.Random(f"{seed}:plan")
        self.academies = registry.academies(self.ref, seed, 25 if small else 100)
        self.by_key = {a.key: a for a in self.academies}
        self._recognised: dict[tuple[int, int], set[date]] = {}
        self._counting: dict[int, list[Academy]] = {}
        self.offers: list[Offer] = []
        self.placed: dict[tuple[int, int], list[str]] = defaultdict(list)  # (academy, year)
        self.venues: Counter[tuple[str, str]] = Counter()
        self.unlinked = [
            (str(uuid.uuid5(NAMESPACE, f"unlinked:{n}")), f"[DEMO] {name}")
            for n, name in enumerate(
                (
                    "Jeugdhuis De Wetenschapper",
                    "Bibliotheek Maakplaats",
                    "Speelplein Techniek",
                    "Ouderraad STEM-dag",
                )
            )
        ]

    # -- recognition ------------------------------------------------------------------
    def recognised(self, academy: Academy, year: int) -> set[date]:
        key = (academy.key, year)
        if key not in self._recognised:
            self._recognised[key] = academy.recognised_days(year)
        return self._recognised[key]

    def counts(self, academy: Academy, day: date) -> bool:
        """Whether a session of the academy on `day` is counted: 2019 counts the network."""
        if not academy.first_year <= day.year <= academy.last_year:
            return False
        return day.year == FIRST or day in self.recognised(academy, day.year)

    def counting(self, year: int) -> list[Academy]:
        if year not in self._counting:
            self._counting[year] = [
                a
                for a in self.academies
                if a.first_year <= year <= a.last_year
                and (year == FIRST or self.recognised(a, year))
            ]
        return self._counting[year]

    # -- targets ------------------------------------------------------------------------
    def targets(self) -> dict[int, set[str]]:
        base = {m.nis_code: self.rng.gauss(0, 4) for m in self.ref.of_year(2020)}
        found: dict[int, set[str]] = {}
        for year in range(FIRST, LAST + 1):
            homes = {a.home for a in self.counting(year)}
            points = [self.ref.municipalities[h].point for h in homes]
            excluded = {self.ref.by_name(n).nis_code for n in NOT_REACHED.get(year, ())}
            score = {}
            for m in self.ref.of_year(2020):  # the 300 of 2019-2024 (2025: mapped later)
                if m.nis_code in excluded:
                    continue
                near = min(km(m.point, p) for p in points)
                fresh = self.rng.gauss(0, 3)
                score[m.nis_code] = -1e6 if m.nis_code in homes else near + base[m.nis_code] + fresh
                if year >= 2020 and m.name in MERGED_REACHED and not self.small:
                    score[m.nis_code] = -1e5
            chosen: set[str] = set()
            for province, wanted in TARGETS[year].items():
                if self.small:
                    wanted = max(2, wanted // 4)
                pool = sorted(
                    (n for n in score if self.ref.municipalities[n].province == province),
                    key=lambda n: (score[n], n),
                )
                chosen |= set(pool[:wanted])
            found[year] = chosen
        return found

    # -- offers -------------------------------------------------------------------------
    def _new_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"event:{self.seed}:{len(self.offers)}"))

    def _venue(self, organizer: str, nis: str | None) -> int:
        if nis is None:
            return 0
        n = self.venues[(organizer, nis)]
        if n == 0 or self.rng.random() < 0.15:
            self.venues[(organizer, nis)] = n + 1
            return n
        return self.rng.randrange(n)

    def _offer(self, kind: str, academy: Academy | None, nis: str | None, **kw: object) -> Offer:
        organizer_id, organizer_name = (
            (academy.organizer_id, academy.name) if academy else self.rng.choice(self.unlinked)
        )
        french = academy is not None and academy.french
        titles = FRENCH_TITLES if french else TITLES[kind]
        low = self.rng.choice((6, 8, 8, 10, 10, 12, 14))
        offer = Offer(
            event_id=self._new_id(),
            kind=kind,
            organizer_id=organizer_id,
            organizer_name=organizer_name,
            academy=academy.key if academy else None,
            nis=nis,
            venue=self._venue(organizer_id, nis),
            title=self.rng.choice(titles),
            theme=self.rng.choice(THEMES),
            ages=f"{low}-{low + self.rng.choice((2, 4, 6))}" if self.rng.random() < 0.9 else "",
            calendar="multiple",
            language="fr" if french else "nl",
        )
        for name, value in kw.items():
            setattr(offer, name, value)
        first = min(offer.sessions(), default=date(2019, 1, 15))
        offer.created = datetime.combine(
            first - timedelta(days=self.rng.randint(20, 60)), time(9, 30)
        )
        self.offers.append(offer)
        return offer

    def _slot(self) -> tuple[tuple[str, ...], str, str]:
        day = self.rng.choice(
            ("wednesday", "wednesday", "saturday", "saturday", "tuesday", "thursday", "friday")
        )
        if day == "saturday":
            opens = self.rng.choice(("09:30", "10:00", "13:30"))
        elif day == "wednesday":
            opens = self.rng.choice(("13:30", "14:00", "14:30"))
        else:
            opens = self.rng.choice(("16:30", "17:00", "18:30"))
        hours, minutes = map(int, opens.split(":"))
        closes = (
            f"{hours + 2:02d}:{minutes:02d}"
            if day != "saturday"
            else f"{hours + 3:02d}:{minutes:02d}"
        )
        return (day,), opens, closes

    def _course(self, first: date, last: date) -> dict[str, object]:
        slot = self._slot()
        start = _weekday_on_or_after(first, WEEKDAYS.index(slot[0][0]))
        return {
            "calendar": "periodic",
            "period": (start, last),
            "weekly": slot,
            "closed": closed_days(start, last),
        }

    def _camp(self, monday: date, days: int) -> dict[str, object]:
        offset = 0 if days == 5 else 2
        day_list = [(monday + timedelta(days=offset + i), "09:00", "16:00") for i in range(days)]
        return {"calendar": "multiple", "days": day_list}

    def _saturdays(self, year: int) -> dict[str, object]:
        first = _weekday_on_or_after(date(year, self.rng.choice((1, 9)), 10), 5)
        days: list[tuple[date, str, str]] = []
        day = first
        while len(days) < 6:
            if not any(a <= day <= b for a, b in closed_days(day, day)):
                days.append((day, "10:00", "12:00"))
            day += timedelta(days=7)
        return {"calendar": "multiple", "days": days}

    def _choices(self, year: int, reaching_next: bool) -> list[tuple[str, dict[str, object]]]:
        """Candidate trajecten of a year: courses (a whole school year when the place is
        reached the next year too), camps, a series of Saturdays."""
        found: list[tuple[str, dict[str, object]]] = []
        if reaching_next and year < LAST:
            found += [("course", self._course(date(year, 9, 12), date(year + 1, 6, 20)))] * 3
        found.append(("course", self._course(date(year, 1, 8), date(year, 6, 20))))
        found.append(("course", self._course(date(year, 9, 12), date(year, 12, 15))))
        for name, monday in self.rng.sample(camp_weeks(year), 3):
            found.append(("camp", self._camp(monday, 5 if name != "krokus" else 3)))
        found.append(("saturdays", self._saturdays(year)))
        return found

    def _fits(self, academy: Academy, kw: dict[str, object], years: tuple[int, ...]) -> bool:
        probe = Offer("", "", "", "", None, None, 0, "", THEMES[0], "", **kw)  # type: ignore[arg-type]
        days = probe.sessions()
        for year in years:
            mine = [d for d in days if d.year == year]
            if len({*mine}) < 2 or not all(self.counts(academy, d) for d in mine):
                return False
        return all(d.year in years for d in days)

    def place_trajecten(self, targets: dict[int, set[str]]) -> None:
        covered: set[tuple[str, int]] = set()
        last_academy: dict[str, int] = {}
        for year in range(FIRST, LAST + 1):
            counting = self.counting(year)
            for nis in sorted(targets[year]):
                if (nis, year) in covered:
                    continue
                ranked = registry.nearest(counting, self.ref, nis)[:5]
                order = [a for _, a in ranked]
                self.rng.shuffle(order)
                order.sort(
                    key=lambda a: (
                        a.key != last_academy.get(nis),
                        [x for _, x in ranked].index(a) + self.rng.random() * 2,
                    )
                )
                placed = False
                for academy in order:
                    nxt = (
                        year < LAST
                        and nis in targets[year + 1]
                        and academy in self.counting(year + 1)
                    )
                    options = self._choices(year, nxt)
                    self.rng.shuffle(options)
                    for kind, kw in options:
                        period = kw.get("period")
                        years = (year, year + 1) if period and period[1].year > year else (year,)  # type: ignore[index]
                        if not self._fits(academy, kw, years):
                            continue
                        self._offer(kind, academy, nis, counts_for=years, **kw)
                        for y in years:
                            covered.add((nis, y))
                            self.placed[(academy.key, y)].append(nis)
                        last_academy[nis] = academy.key
                        placed = True
                        break
                    if placed:
                        break
                if not placed:
                    raise RuntimeError(f"no academy can reach {nis} in {year}")
            # Homes of counting academies are targets, so every one has its own place.

    def place_extras(self, targets: dict[int, set[str]]) -> None:
        """Offers that only add to places already reached in their year."""
        rng = self.rng
        for year in range(FIRST, LAST + 1):
            reached = sorted(targets[year])
            for academy in self.academies:
                if not academy.first_year <= year <= academy.last_year:
                    continue
                own = self.placed.get((academy.key, year)) or [
                    min(
                        reached,
                        key=lambda n: km(
                            self.ref.municipalities[n].point,
                            self.ref.municipalities[academy.home].point,
                        ),
                    )
                ]
                for _ in range(rng.randint(0, 2)):  # single workshops, any day of the year
                    day = date(year, 1, 1) + timedelta(days=rng.randrange(365 if year % 4 else 366))
                    if any(a <= day <= b for a, b in LOCKDOWNS):
                        continue
                    self._offer(
                        "workshop",
                        academy,
                        rng.choice(own),
                        calendar="single",
                        days=[(day, "14:00", "16:30")],
                    )
                if rng.random() < 0.5:  # another camp (academies run several)
                    _name, monday = rng.choice([w for w in camp_weeks(year) if w[0] == "zomer"])
                    self._offer("camp", academy, rng.choice(own), **self._camp(monday, 5))
            for organizer in self.unlinked:  # organizers linked to no academy
                for _ in range(2 if self.small else 4):
                    day = date(year, rng.randint(1, 12), rng.randint(1, 28))
                    offer = self._offer(
                        "workshop",
                        None,
                        rng.choice(reached),
                        calendar="single",
                        days=[(day, "10:00", "12:00")],
                    )
                    offer.organizer_id, offer.organizer_name = organizer
        self._specials(targets)

    def _specials(self, targets: dict[int, set[str]]) -> None:
        rng = self.rng
        n = 1 if self.small else 4
        always = set.intersection(*targets.values())
        # A few permanent offers (open makerspaces) at pioneers' homes, reached every year.
        for academy in self.academies[: 3 if not self.small else 1]:
            if academy.home in always:
                self._offer(
                    "permanent",
                    academy,
                    academy.home,
                    calendar="permanent",
                    weekly=(("saturday",), "10:00", "17:00"),
                )
        picks = [
            (y, rng.choice(sorted(targets[y]))) for y in range(FIRST, LAST + 1) for _ in range(n)
        ]
        by_place = {a.home: a for a in self.academies}

        def academy_near(nis: str, year: int) -> Academy:
            active = [a for a in self.academies if a.first_year <= year <= a.last_year]
            return by_place.get(nis) or registry.nearest(active, self.ref, nis)[0][1]

        for year, nis in picks:  # drafts, rejected, deleted, cancelled, school-only
            academy = academy_near(nis, year)
            day = date(year, rng.randint(1, 12), rng.randint(1, 28))
            single = {"calendar": "single", "days": [(day, "14:00", "16:00")]}
            self._offer("workshop", academy, nis, workflow="DRAFT", **single)
            self._offer("workshop", academy, nis, workflow="REJECTED", **single)
            self._offer(
                "camp",
                academy,
                nis,
                deleted_later=True,
                **self._camp(rng.choice(camp_weeks(year))[1], 5),
            )
            self._offer("school", academy, nis, audience="education", **single)
            self._offer("school", academy, None, audience="education", **single)
        for academy in self.academies:  # Easter 2020 camps cancelled by the lockdown
            if academy.key % 7 == 0 and 2020 in range(academy.first_year, academy.last_year + 1):
                own = self.placed.get((academy.key, 2020))
                if own:
                    self._offer(
                        "camp",
                        academy,
                        own[0],
                        status="Unavailable",
                        **self._camp(date(2020, *PASEN[2020]), 5),
                    )
        # Updates of the same event, and legacy shapes in the oldest (2019) documents.
        strong = [o for o in self.offers if o.counts_for and o.language == "nl"]
        for offer in rng.sample(strong, min(len(strong), 12 if self.small else 60)):
            offer.update = (
                "closed_day"
                if offer.calendar == "periodic"
                else rng.choice(("cancel_session", "rename"))
            )
        old = [
            o
            for o in strong
            if o.counts_for == (2019,) and o.calendar == "multiple" and o.update is None
        ]
        for offer in rng.sample(old, min(len(old), 3 if self.small else 20)):
            offer.legacy = True
        for offer in rng.sample(strong, min(len(strong), 5 if self.small else 25)):
            if not offer.legacy:
                offer.workflow = "READY_FOR_VALIDATION"  # no moderator in that region


def build(seed: int = 16, small: bool = False) -> Plan:
    planner = Planner(seed, small)
    targets = planner.targets()
    planner.place_trajecten(targets)
    planner.place_extras(targets)
    registry.scale_participants(planner.academies, 2020, PARTICIPANTS_2020 // (5 if small else 1))
    plan = Plan(seed, small, planner.academies, planner.unlinked, targets, planner.offers)
    check(plan, planner)
    return plan


def check(plan: Plan, planner: Planner) -> None:
    """The plan's own invariant: each year, every place with a session is a target, and
    every target has a counted traject of at least two days (recomputed from the offers)."""
    sessions_at: dict[int, set[str]] = defaultdict(set)
    strong_at: dict[int, set[str]] = defaultdict(set)
    for offer in plan.offers:
        if offer.nis is None:
            continue
        days = offer.sessions()
        for year in {d.year for d in days}:
            if FIRST <= year <= LAST:
                sessions_at[year].add(offer.nis)
        academy = planner.by_key.get(offer.academy) if offer.academy is not None else None
        if academy is None or not offer.public or offer.audience != "everyone":
            continue
        for year in offer.counts_for:
            mine = [d for d in days if d.year == year]
            if len(set(mine)) >= 2 and all(planner.counts(academy, d) for d in mine):
                strong_at[year].add(offer.nis)
    for year, wanted in plan.targets.items():
        stray = sessions_at[year] - wanted
        if stray:
            raise AssertionError(f"{year}: sessions outside the reached places: {sorted(stray)}")
        missing = wanted - strong_at[year]
        if missing:
            raise AssertionError(f"{year}: no counted traject in {sorted(missing)}")
