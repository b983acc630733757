"""What the CLI prints for a failure that is not a :class:`CareerCoachError`.

Errors of the user's world (a database that does not answer, a missing driver, a full disk, an
unreadable file) get one line naming what to fix, in English and Chinese. Anything else is a
bug: one line saying so, and the traceback with ``-vv``.
"""

from __future__ import annotations

import errno

from bot.errors import CareerCoachError, ConfigError
from bot.settings import Settings, load_settings, variable_of


def _database() -> str:
    try:
        settings: Settings | None = load_settings()
    except CareerCoachError:
        settings = None
    if settings is None or not settings.database_url:
        return "the SQLite file under CAREERCOACH_HOME"
    from sqlalchemy.engine import make_url

    try:
        url = make_url(settings.database_url)
        where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
    except Exception:  # the URL itself is reported by make_engine
        where = "?"
    return f"{variable_of('database_url')} ({where})"


def explain(error: BaseException) -> CareerCoachError | None:
    """A user-facing error for ``error``, or None when it is a bug."""
    module = type(error).__module__
    if module.startswith("sqlalchemy") and type(error).__name__ in (
        "OperationalError",
        "InterfaceError",
    ):
        where = _database()
        first = str(getattr(error, "orig", error)).strip().splitlines()[0][:200]
        return ConfigError(
            f"cannot use the database {where}: {first}; start the database server or correct "
            f"{variable_of('database_url')}",
            message_zh=f"无法使用数据库 {where}：{first}；请启动数据库服务或改正 "
            f"{variable_of('database_url')}",
        )
    if isinstance(error, ModuleNotFoundError) and error.name in ("psycopg", "psycopg2"):
        return ConfigError(
            f"{variable_of('database_url')} names PostgreSQL but its driver is not installed: "
            "pip install 'careercoach[postgres]' (in a checkout: .venv/bin/pip install -e "
            "'.[postgres]')",
            message_zh="数据库地址指向 PostgreSQL，但未安装驱动：请运行 "
            "pip install 'careercoach[postgres]'",
        )
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return ConfigError(
            f"the disk is full ({error.filename or 'CAREERCOACH_HOME'}); free some space and "
            "run the command again (nothing already stored was changed)",
            message_zh=f"磁盘已满（{error.filename or 'CAREERCOACH_HOME'}），请清理空间后重试",
        )
    if isinstance(error, PermissionError):
        return ConfigError(
            f"permission denied: {error.filename}; run as the user that owns it or fix its "
            "permissions",
            message_zh=f"没有权限：{error.filename}，请用其所有者运行或修改权限",
        )
    return None
