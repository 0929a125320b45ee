"""The gateway in front of the three service apps: the fixtures the browser tests use too."""

from tests.browser.conftest import prepare_registry, service_settings, services

__all__ = ["prepare_registry", "service_settings", "services"]
