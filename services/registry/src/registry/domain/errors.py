"""Errors of the domain that the API turns into answers."""

from __future__ import annotations


class InvalidInput(ValueError):
    """Input that breaks a rule; `errors` maps each bad field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in errors.items()))
        self.errors = errors
