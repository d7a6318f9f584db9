"""Settings: sources and precedence, and every key documented in docs/settings.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from vimon.errors import ConfigError
from vimon.settings import Settings, get_settings, reset_settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented():
    text = DOC.read_text(encoding="utf-8")
    missing = [k for k in Settings.model_fields if f"`VIMON_{k.upper()}`" not in text]
    assert not missing, f"undocumented settings in docs/settings.md: {missing}"


def test_toml_overrides_only_its_keys_and_env_wins(tmp_path, monkeypatch):
    cfg = tmp_path / "vimon.toml"
    cfg.write_text('port = 9001\ndedupe_threshold = 0.7\n', encoding="utf-8")
    monkeypatch.setenv("VIMON_CONFIG", str(cfg))
    monkeypatch.setenv("VIMON_PORT", "9100")
    reset_settings()
    s = get_settings()
    assert s.port == 9100 and s.dedupe_threshold == 0.7 and s.host == "127.0.0.1"


def test_invalid_values_are_coded_errors(monkeypatch):
    monkeypatch.setenv("VIMON_DEDUPE_BANDS", "7")
    reset_settings()
    with pytest.raises(ConfigError) as exc:
        get_settings()
    assert exc.value.code == "VM-CFG-000" and "dedupe_bands" in exc.value.message


def test_production_refuses_weak_token(monkeypatch):
    monkeypatch.setenv("VIMON_ENVIRONMENT", "production")
    monkeypatch.setenv("VIMON_API_TOKEN", "changeme")
    reset_settings()
    with pytest.raises(ConfigError):
        get_settings().check_safe()
    monkeypatch.setenv("VIMON_API_TOKEN", "k" * 32)
    reset_settings()
    get_settings().check_safe()


def test_default_database_is_sqlite_under_home(tmp_path, monkeypatch):
    monkeypatch.setenv("VIMON_HOME", str(tmp_path / "h"))
    reset_settings()
    assert get_settings().db_url == f"sqlite:///{(tmp_path / 'h' / 'vimon.sqlite').resolve()}"
