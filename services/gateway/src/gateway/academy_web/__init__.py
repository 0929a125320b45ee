"""Academy self-service pages under /academie (issue 21)."""

from gateway.academy_web.routes import academy_router

__all__ = ["academy_router"]
