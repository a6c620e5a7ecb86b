"""The browser lab: a FastAPI app serving the widgets, and live training over WebSockets.

Importing this package is cheap; ``create_app`` and ``run_lab`` load the web stack.
"""

from __future__ import annotations

__all__ = ["Settings", "create_app", "run_lab"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "run_lab":
        from .server import run_lab

        return run_lab
    if name == "Settings":
        from .settings import Settings

        return Settings
    raise AttributeError(f"module 'neuronlab.lab' has no attribute {name!r}")
