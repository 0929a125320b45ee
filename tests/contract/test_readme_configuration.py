"""Every setting a service reads is documented: in the root README (settings every service
shares, and the main ones) or in that service's own README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from activities.config import Settings as ActivitiesSettings
from activities.config import UitdatabankSettings
from gateway.config import Settings as GatewaySettings
from registry.config import Settings as RegistrySettings
from subsidy.config import Settings as SubsidySettings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


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
    "settings",
    [RegistrySettings, ActivitiesSettings, UitdatabankSettings, SubsidySettings, GatewaySettings],
)
def test_every_environment_variable_is_documented(settings: type[BaseSettings]) -> None:
    service = settings.__module__.split(".")[0]
    docs = README + (ROOT / "services" / service / "README.md").read_text()
    missing = [name for name in environment_names(settings) if f"`{name}`" not in docs]
    assert not missing, f"neither README.md nor services/{service}/README.md documents {missing}"
