"""Gradio made offline and private before any page is built.

Gradio's analytics and version check call home when a page is built or launched, and its
temporary folder (uploads, cached outputs) defaults to ``/tmp/gradio``, shared by every user of
the machine. :func:`prepare_gradio` turns the calls off (``GRADIO_ANALYTICS_ENABLED=False``, the
Hugging Face hub offline and without telemetry) and gives Gradio a private temporary folder
under the home (0700). It writes the process environment, so it is called only by the entry
points (``careercoach serve`` before importing the app, ``ui.app.build_app``); a test runs
``serve`` under a socket guard that fails on any connection outside this machine.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.settings import Settings

OFFLINE_ENVIRONMENT = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_RUN_HISTORY": "False",
    "GRADIO_SSR_MODE": "False",
}


def gradio_temp_dir(settings: Settings) -> Path:
    return settings.home / "tmp" / "gradio"


def prepare_gradio(settings: Settings) -> Path:
    """Set the environment Gradio reads; returns its (private) temporary folder."""
    os.environ.update(OFFLINE_ENVIRONMENT)
    folder = gradio_temp_dir(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for part in (folder.parent, folder):
        part.chmod(0o700)
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    return folder


def secure_home(settings: Settings) -> None:
    """The home 0700 (made so if it exists), so other local users read nothing in it."""
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.home.chmod(0o700)
