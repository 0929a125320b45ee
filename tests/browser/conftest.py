"""Fixtures shared by the browser tests and the gateway's integration tests (whose
conftest.py imports them from here)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser

from tests.browser.chromium import launched
from tests.browser.service_apps import PrepareRegistry, ServiceApps, service_apps


@pytest.fixture
def service_settings() -> dict[str, Any]:
    """Settings added to each service's; a test module overrides this fixture for more."""
    return {}


@pytest.fixture
def prepare_registry() -> PrepareRegistry | None:
    """Run on the registry's database before it starts; a test module overrides it."""
    return None


@pytest.fixture
async def services(
    tmp_path: Path, service_settings: dict[str, Any], prepare_registry: PrepareRegistry | None
) -> AsyncIterator[ServiceApps]:
    """The registry, activities and subsidy apps, started in this process (service_apps.py)."""
    async with service_apps(tmp_path, service_settings, prepare_registry) as started:
        yield started


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Chromium for one test (chromium.py)."""
    async with launched() as found:
        yield found
