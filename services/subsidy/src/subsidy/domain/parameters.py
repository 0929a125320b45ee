"""Dated parameters (OpenFisca-style): one YAML file per parameter, values keyed by date.

Each value has a status: `stated` (a source says so), `inferred` (our reading) or `unknown`
(no public source). Reading an unknown value raises `UnknownParameter`, so a calculation
that needs it refuses (fails closed) until an operator sets it with an `Override` (its own
author, date and reason). Overrides flagged `illustrative` are demo values, never rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

PARAMETERS_DIR = Path(__file__).resolve().parent.parent / "rules" / "parameters"
STATUSES = ("stated", "inferred", "unknown")


class UnknownParameter(LookupError):
    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(names))
        super().__init__(
            "unknown parameter(s): "
            + ", ".join(self.names)
            + " (no public source states them; an operator must set an override first)"
        )


class UnknownParameterName(KeyError):
    """Names that are no parameter: a what-if must not silently ignore a misspelt one."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(names))
        super().__init__(self.names)

    def __str__(self) -> str:
        return "no such parameter(s): " + ", ".join(self.names) + " (GET /parameters lists them)"


@dataclass(frozen=True)
class DatedValue:
    start: date
    value: Any
    status: str


@dataclass(frozen=True)
class Override:
    """An operator's value for a parameter from `effective_from` on."""

    name: str
    effective_from: date
    value: Any
    author: str
    decided_on: date
    reason: str
    illustrative: bool = False


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    reference: str | None
    values: tuple[DatedValue, ...]
    note: str | None = None


@dataclass(frozen=True)
class Used:
    """What a calculation read: the value, and why it holds."""

    name: str
    value: Any
    unit: str
    status: str  # stated | inferred | unknown (before an override) | override
    reference: str | None
    override: Override | None = None


@dataclass(frozen=True)
class ParameterSet:
    parameters: dict[str, Parameter]
    overrides: tuple[Override, ...] = ()
    version: str = ""
    _used: dict[str, Used] = field(default_factory=dict, compare=False)

    def with_overrides(self, overrides: Iterable[Override]) -> ParameterSet:
        return ParameterSet(self.parameters, (*self.overrides, *overrides), self.version)

    def check_names(self, names: Iterable[str]) -> None:
        """Refuse names that are no parameter (`UnknownParameterName`, listing them all)."""
        if unknown := set(names) - self.parameters.keys():
            raise UnknownParameterName(unknown)

    def lookup(self, name: str, on: date) -> Used:
        """The value in force on `on`; the newest applicable override wins."""
        param = self.parameters.get(name)
        if param is None:
            raise KeyError(f"no parameter {name}")
        current = [v for v in param.values if v.start <= on]
        value = current[-1] if current else None
        overrides = [o for o in self.overrides if o.name == name and o.effective_from <= on]
        if overrides:
            o = max(overrides, key=lambda o: (o.effective_from, o.decided_on))
            status = "illustrative" if o.illustrative else "override"
            return Used(name, o.value, param.unit, status, param.reference, o)
        if value is None or value.status == "unknown" or value.value is None:
            raise UnknownParameter([name])
        return Used(name, value.value, param.unit, value.status, param.reference)

    def get(self, name: str, on: date) -> Any:
        used = self.lookup(name, on)
        self._used[name] = used
        return used.value

    def used(self) -> list[Used]:
        return [self._used[k] for k in sorted(self._used)]

    def fresh(self) -> ParameterSet:
        """The same parameters with an empty record of what was read."""
        return ParameterSet(self.parameters, self.overrides, self.version)


def _parse(name: str, doc: dict[str, Any]) -> Parameter:
    values = []
    for start, entry in sorted(doc["values"].items()):
        if entry["status"] not in STATUSES:
            raise ValueError(f"{name}: status {entry['status']!r} not in {STATUSES}")
        values.append(DatedValue(start, entry["value"], entry["status"]))
    return Parameter(
        name, doc["description"], doc["unit"], doc.get("reference"), tuple(values), doc.get("note")
    )


def load_parameters(root: Path = PARAMETERS_DIR) -> ParameterSet:
    """Every `*.yaml` under `root`; the name is the path without the suffix."""
    digest = hashlib.sha256()
    parameters = {}
    for path in sorted(root.rglob("*.yaml")):
        name = path.relative_to(root).with_suffix("").as_posix()
        text = path.read_text()
        digest.update(name.encode() + b"\0" + text.encode())
        parameters[name] = _parse(name, yaml.safe_load(text))
    return ParameterSet(parameters, version=digest.hexdigest()[:12])
