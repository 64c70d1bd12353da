"""The embedded database gives nobody the TEMPORARY privilege (issue 11): objects in a caller's
pg_temp were the raw material of the privilege escalation (sql/tests/27-pg-temp-attack.sql).

Cases: a new embedded database has no TEMP for PUBLIC or the application role; a database that
an earlier version created (PUBLIC holding TEMP, PostgreSQL's default) loses it at the next
start."""

from __future__ import annotations

import psycopg

from beamline_store.embedded import Cluster

TEMP_HOLDERS = """
    select coalesce(array_agg(g order by g), '{}')
      from unnest(array['public', 'beamline_app']) g
     where has_database_privilege(g, current_database(), 'TEMPORARY')
"""


def _temp_holders(cluster: Cluster) -> list[str]:
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(
            "do $$ begin if not exists (select 1 from pg_roles where rolname = 'beamline_app')"
            " then create role beamline_app nologin; end if; end $$"
        )
        row = conn.execute(TEMP_HOLDERS).fetchone()
        assert row is not None
        return list(row[0])


def test_embedded_database_gives_nobody_temp(own_cluster: Cluster) -> None:
    assert _temp_holders(own_cluster) == []


def test_a_database_of_an_earlier_version_loses_public_temp_at_start(own_cluster: Cluster) -> None:
    with psycopg.connect(own_cluster.url(), autocommit=True) as conn:
        conn.execute('grant temporary on database "beamline" to public')
    assert _temp_holders(own_cluster) == ["beamline_app", "public"]
    own_cluster.stop()
    own_cluster.start()
    assert _temp_holders(own_cluster) == []
