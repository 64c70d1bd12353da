"""Shared fixtures: one throwaway PostgreSQL cluster per test session (never ./.beamline),
a migrated template database, and a fresh clone of it for each test that asks for `db_url`.

Fixtures
    pg_cluster     the session's Cluster (fsync off; server log at pg_cluster.log_file)
    settings       Settings pointing at the cluster (role names are the defaults)
    template_url   URL of the migrated template database (do not write to it)
    db_url         URL of a fresh database cloned from the template, dropped afterwards
    db_conn        an autocommit superuser psycopg connection to `db_url`
    own_cluster    a private started cluster, for tests that stop or restart the server
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from beamline_store.config import Settings, load_settings
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate

TEMPLATE = "bl_template"

# Fast, throwaway durability; log every statement so secret-leak tests can grep the log.
TEST_SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "log_statement": "all",
    "log_min_duration_statement": "0",
    "max_connections": "300",
}


def make_tmp_home(prefix: str = "beamline-test-") -> Path:
    """A new directory directly under /tmp (short socket paths; reachable by the server user)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


@pytest.fixture(scope="session", autouse=True)
def _isolate_environment() -> Iterator[None]:
    """Tests never use the developer's DATABASE_URL or ./.beamline."""
    saved = {
        k: os.environ.pop(k) for k in list(os.environ) if k in {"DATABASE_URL", "BEAMLINE_HOME"}
    }
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    home = make_tmp_home()
    cluster = Cluster(home, settings=TEST_SERVER_SETTINGS)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(pg_cluster: Cluster) -> Settings:
    return load_settings(environ={}, home=pg_cluster.home)


@pytest.fixture(scope="session")
def template_url(pg_cluster: Cluster, settings: Settings) -> str:
    with psycopg.connect(pg_cluster.url(dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{TEMPLATE}"')
        conn.execute(f'create database "{TEMPLATE}"')
    url = pg_cluster.url(dbname=TEMPLATE)
    migrate(url, settings, login_role=True)
    return url


def clone_template(cluster: Cluster, name: str | None = None) -> str:
    """Create a database from the migrated template and return its URL."""
    name = name or f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(cluster.url(dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{TEMPLATE}"')
    return cluster.url(dbname=name)


def drop_database(cluster: Cluster, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(cluster.url(dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def db_url(pg_cluster: Cluster, template_url: str) -> Iterator[str]:
    url = clone_template(pg_cluster)
    try:
        yield url
    finally:
        drop_database(pg_cluster, url)


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A private, started throwaway cluster for tests that stop or restart the server."""
    home = make_tmp_home("beamline-own-")
    cluster = Cluster(home, settings=TEST_SERVER_SETTINGS)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def db_conn(db_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn
