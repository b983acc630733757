from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_offline_by_default(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert not settings.llm_configured
    assert settings.sqlalchemy_url.startswith("sqlite:///")
    assert str(tmp_path) in settings.sqlalchemy_url


def test_openai_variables_switch_on_llm_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    settings = Settings(home=tmp_path)
    assert settings.llm_configured
    assert not Settings(home=tmp_path, offline=True).llm_configured


def test_settings_are_frozen_and_validated(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    with pytest.raises(ValidationError):
        settings.chunk_tokens = 10  # type: ignore[misc]
    with pytest.raises(ValidationError, match="chunk_tokens"):
        Settings(home=tmp_path, chunk_tokens=1)


def test_time_zone_is_one_setting_checked_against_the_iana_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert Settings(home=tmp_path).zone.key == "Asia/Shanghai"
    monkeypatch.setenv("CAREERCOACH_TIME_ZONE", "Asia/Urumqi")
    assert Settings(home=tmp_path).zone.key == "Asia/Urumqi"
    with pytest.raises(ValidationError, match="unknown time zone 'Asia/Nowhere'"):
        Settings(home=tmp_path, time_zone="Asia/Nowhere")
