"""Configuration parsing: precedence, YAML keys, and refusal of values that make no sense."""

from __future__ import annotations

from pathlib import Path

import pytest

from beamline_store.config import ConfigError, load_settings


def test_environment_wins_over_yaml_and_defaults(tmp_path: Path) -> None:
    config = tmp_path / "beamline_store.yaml"
    config.write_text("pool:\n  size: 4\ncache:\n  ttl:\n    policies: 60\n")
    settings = load_settings({"BEAMLINE_TTL_POLICIES": "30"}, config_file=config)
    assert settings.pool_max_size == 4 and settings.ttl_policies == 30.0
    assert settings.ttl_rbac == 300.0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BEAMLINE_POOL_TIMEOUT", "nan"),
        ("BEAMLINE_TTL_POLICIES", "-5"),
        ("BEAMLINE_POLL_INTERVAL", "0"),
        ("BEAMLINE_MAX_CACHE_ENTRIES", "-1"),
        ("BEAMLINE_POOL_MAX_SIZE", "0"),
        ("BEAMLINE_POOL_MAX_SIZE", "2.9"),
        ("BEAMLINE_PORT", "many"),
    ],
)
def test_nonsense_environment_values_are_refused(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable.removeprefix("BEAMLINE_").lower()):
        load_settings({variable: value})


@pytest.mark.parametrize(
    "text", ["cache:\n  ttl:\n    policies:\n", "pool:\n  size: [1, 2]\n", "pool:\n  siz: 3\n"]
)
def test_nonsense_yaml_values_are_refused(tmp_path: Path, text: str) -> None:
    config = tmp_path / "beamline_store.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError):
        load_settings({}, config_file=config)


def test_repr_hides_the_database_password_and_the_hmac_secret() -> None:
    settings = load_settings(
        {"DATABASE_URL": "postgresql://bob:S3cretPW@db/x", "BEAMLINE_HMAC_SECRET": "k3y-s3cret"}
    )
    assert "S3cretPW" not in repr(settings) and "k3y-s3cret" not in repr(settings)
