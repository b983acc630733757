"""Where the data the product ships lives: the one place every reader asks.

The repository keeps its runtime data in top-level folders (``knowledge/``, ``prompts/``) and
beside the code (``ui/templates``, ``bot/chat/*.yaml``, the Alembic migrations). The wheel ships
the two top-level folders as the data packages ``careercoach_knowledge`` and
``careercoach_prompts`` (setuptools ``package-dir`` in ``pyproject.toml``) and the rest as
package data, so :mod:`importlib.resources` finds every file in an editable install, a wheel
and a ``pipx`` install alike. Readers get a :class:`~pathlib.Path`: the data is read with
ordinary file calls and the starter folder is indexed like any folder.

An editable install made before the data packages existed has no mapping for them; then the
folders next to the ``bot`` package of the checkout are used. Anywhere else a missing folder is
a :class:`ConfigError` saying to reinstall.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bot.errors import ConfigError

# top-level folder of the repository -> the package the wheel ships it as
DATA_PACKAGES = {"knowledge": "careercoach_knowledge", "prompts": "careercoach_prompts"}
_CHECKOUT = Path(__file__).resolve().parents[1]


def _root(package: str) -> Path | None:
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        return None
    return root if isinstance(root, Path) else None


def data_path(folder: str, *parts: str) -> Path:
    """A file or folder of ``knowledge/`` or ``prompts/``: ``data_path("knowledge", "docs")``."""
    if folder not in DATA_PACKAGES:
        raise ValueError(f"{folder!r} is not a shipped data folder: {sorted(DATA_PACKAGES)}")
    root = _root(DATA_PACKAGES[folder])
    if root is None and (_CHECKOUT / folder / "__init__.py").is_file():
        root = _CHECKOUT / folder  # an editable install older than the data packages
    if root is None:
        raise ConfigError(
            f"the shipped folder {folder}/ is missing from this installation; reinstall "
            f"careercoach (pip install --force-reinstall careercoach)",
            message_zh=f"安装中缺少自带的 {folder}/ 目录，请重新安装 careercoach",
        )
    return root.joinpath(*parts)


def package_path(package: str, *parts: str) -> Path:
    """A data file shipped inside a code package: ``package_path("ui", "templates")``."""
    root = _root(package)
    if root is None:
        raise ConfigError(
            f"the package {package} has no files on disk; reinstall careercoach",
            message_zh=f"软件包 {package} 的文件不在磁盘上，请重新安装 careercoach",
        )
    return root.joinpath(*parts)
