"""Synthetic histories for tests and benchmarks: append *n* valid entries in ONE set-based
statement (a recursive CTE chains the hmacs server-side), instead of *n* round trips.

Needs a connection made with :func:`beamline_store.devstate.db.connect` (the key is read from
the session's ``beamline.hmac_secret``, never sent in the statement) as a role that may INSERT
into ``devstate.history_entries`` (the owner or a superuser): it bypasses ``append_history``
but not the table's triggers, so the chain rules still hold. Entries are
``{"actor": "gen", "action": "step", "metadata": {"n": i, "note": "entry i"}}``, 1 ms apart.
"""

from __future__ import annotations

from .db import Connection

__all__ = ["GENERATE_SQL", "generate_history"]

GENERATE_SQL = """
insert into devstate.history_entries
    (id, ts, actor, action, cp_from, cp_to, state_checksum, hmac_prev, hmac, key_id, metadata)
with recursive
params as (
    select h.head_id as off, h.head_hmac as head,
           greatest(now(), (select max(e.ts) from devstate.history_entries e)) as ts0,
           convert_to(current_setting('beamline.hmac_secret'), 'UTF8') as key,
           coalesce(nullif(current_setting('beamline.hmac_key_id', true), ''), 'k1') as kid
      from devstate.chain_head h),
chain (g, id, ts, hmac_prev, hmac) as (
    select 0::bigint, p.off, null::timestamptz, null::text, p.head from params p
  union all
    select c.g + 1, c.id + 1, p.ts0 + (c.g + 1) * interval '1 millisecond', c.hmac,
           encode(beamline_ext.hmac(beamline_internal.devstate_entry_message(
               c.id + 1, p.ts0 + (c.g + 1) * interval '1 millisecond', 'gen', 'step', null, null,
               null, p.kid, c.hmac,
               '{"n":' || (c.g + 1) || ',"note":"entry ' || (c.g + 1) || '"}'),
               p.key, 'sha256'), 'hex')
      from chain c, params p
     where c.g < %(n)s)
select c.id, c.ts, 'gen', 'step', null, null, null, c.hmac_prev, c.hmac, p.kid,
       jsonb_build_object('n', c.g, 'note', 'entry ' || c.g)
  from chain c, params p
 where c.g > 0
 order by c.id
"""


def generate_history(conn: Connection, n: int) -> None:
    """Append *n* synthetic entries after the current head, in one statement."""
    if n <= 0:
        return
    with conn.transaction():
        conn.execute("set local jit = off")
        conn.execute(GENERATE_SQL, {"n": n})
        conn.execute(
            "select setval('devstate.history_entries_id_seq', h.head_id) from devstate.chain_head h"
        )
