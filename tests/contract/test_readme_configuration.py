"""The README's configuration table names every setting the services read."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from activities.config import Settings as ActivitiesSettings
from gateway.config import Settings as GatewaySettings
from registry.config import Settings as RegistrySettings
from subsidy.config import Settings as SubsidySettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def environment_names(settings: type[BaseSettings]) -> list[str]:
    prefix = settings.model_config.get("env_prefix", "")
    names = []
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.append(str(alias.choices[0]))
        else:
            names.append(f"{prefix}{field_name}".upper())
    return names


@pytest.mark.parametrize(
    "settings", [RegistrySettings, ActivitiesSettings, SubsidySettings, GatewaySettings]
)
def test_every_environment_variable_is_documented(settings: type[BaseSettings]) -> None:
    missing = [name for name in environment_names(settings) if f"`{name}`" not in README]
    assert not missing, f"README.md's configuration table lacks {missing}"
