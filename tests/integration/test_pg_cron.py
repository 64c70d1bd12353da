"""The pg_cron path of scheduled maintenance (issue 16): a cluster started with
shared_preload_libraries = pg_cron (Debian postgresql-15-cron, installed by
scripts/install_system_deps.sh --test) runs beamline_admin.maintain from a cron.schedule entry,
and the expired lease it should remove is gone and audited. pg_cron 1.4 schedules by the
minute, so this waits up to ~70 s for the next minute boundary."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from beamline_store.config import load_settings
from beamline_store.embedded import Cluster, find_bindir
from beamline_store.migrate import migrate
from tests.conftest import TEST_SERVER_SETTINGS, make_tmp_home

CRON_SETTINGS = {
    **TEST_SERVER_SETTINGS,
    "shared_preload_libraries": "pg_cron",
    "cron.database_name": "postgres",
    # jobs run in background workers: no libpq connection back to the server, no password
    "cron.use_background_workers": "on",
    "max_worker_processes": "16",
}


def _pg_cron_installed() -> bool:
    sharedir = subprocess.run(
        [str(find_bindir() / "pg_config"), "--sharedir"], capture_output=True, text=True
    ).stdout.strip()
    return (Path(sharedir) / "extension" / "pg_cron.control").is_file()


@pytest.fixture
def cron_cluster() -> Iterator[Cluster]:
    assert _pg_cron_installed(), (
        "pg_cron is missing: run scripts/install_system_deps.sh --test (postgresql-15-cron)"
    )
    home = make_tmp_home("beamline-cron-")
    cluster = Cluster(home, settings=CRON_SETTINGS)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


def test_pg_cron_schedule_runs_maintain(cron_cluster: Cluster) -> None:
    url = cron_cluster.url()
    migrate(url, load_settings(environ={}, home=cron_cluster.home))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into devstate.locks (scope, owner, acquired_at, expires_at) values "
            "('state', 'old-agent', now() - interval '2 hours', now() - interval '1 hour')"
        )
    with psycopg.connect(cron_cluster.url(dbname="postgres"), autocommit=True) as cron:
        cron.execute("create extension pg_cron")
        job = cron.execute(
            "select cron.schedule_in_database('beamline-maintain', '* * * * *', "
            "'select beamline_admin.maintain()', 'beamline')"
        ).fetchone()
        assert job is not None
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline:
            status = cron.execute(
                "select status, return_message from cron.job_run_details where jobid = %s "
                "and status in ('succeeded', 'failed') order by runid limit 1",
                [job[0]],
            ).fetchone()
            if status is not None:
                break
            time.sleep(0.5)
        assert status is not None, "pg_cron did not run the job within 90 s"
        assert status[0] == "succeeded", status
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select count(*) from devstate.locks").fetchone() == (0,)
        rows = conn.execute(
            "select actor from beamline.policy_audit_log where action = 'LEASE_EXPIRED'"
        ).fetchall()
        assert rows == [("beamline-maintain",)]
        assert conn.execute(
            "select count(*) from beamline.policy_audit_log where action = 'MAINTAIN'"
        ).fetchone() == (1,)
