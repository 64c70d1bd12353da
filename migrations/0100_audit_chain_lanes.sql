-- Lanes of the audit hash chain (docs/AUDIT.md "Tamper evidence"): a tenant's audit rows form
-- up to 8 hash chains, its lanes, instead of one. Every audit row is linked in one lane, after
-- that lane's last row, under the lock of that lane's head; a writer takes the first lane no
-- other transaction holds (FOR UPDATE SKIP LOCKED), so up to 8 audit writers of one tenant
-- run side by side. With one chain they queued from their audit row to their commit (the WAL
-- flush included): put_policy at 8 clients lost about a quarter of its throughput to that
-- queue (bench/README.md). Each lane keeps every property of the single chain (contiguous
-- seq, links, hashes, recorded head, cleanup anchor); the canonical message is unchanged.
-- Existing rows, heads and anchors become lane 0; lanes 1-7 start empty.
-- depends: 0090_server_incarnation

-- existing rows are lane 0; the chain trigger sets lane on every new row, like seq
alter table beamline.policy_audit_log add column lane smallint not null default 0;
-- The chain columns are written by the chain trigger only (it refuses supplied values), so
-- CHECKs on their format can only ever stop a superuser writing with the triggers off, whose
-- rows verify_audit_chain reports anyway (bad hash, missing rows). They cost about 18 us per
-- audited write (PostgreSQL rebuilds each CHECK expression for every INSERT statement): gone.
alter table beamline.policy_audit_log
    drop constraint policy_audit_log_seq_positive,
    drop constraint policy_audit_log_prev_hash_format,
    drop constraint policy_audit_log_row_hash_format;
drop index beamline.policy_audit_log_tenant_seq_idx;
create index policy_audit_log_tenant_lane_seq_idx on beamline.policy_audit_log (tenant_id, lane, seq);

comment on column beamline.policy_audit_log.lane is
    'The tenant''s hash chain (lane) this row is linked in (set by the trigger chain); seq counts within the lane.';
comment on column beamline.policy_audit_log.seq is
    'Position in its lane of the tenant''s audit hash chain: 1, 2, 3, ... (set by the trigger chain).';

alter table beamline_internal.audit_chain_heads add column lane smallint not null default 0;
alter table beamline_internal.audit_chain_heads alter column lane drop default;
alter table beamline_internal.audit_chain_heads
    drop constraint audit_chain_heads_pkey,
    add constraint audit_chain_heads_pkey primary key (tenant_id, lane);
comment on table beamline_internal.audit_chain_heads is
    'Per tenant and lane, the head of the audit hash chain (last seq and row_hash). An audit insert locks one lane''s row of its tenant until commit: writers of a lane are serialised and cannot fork it.';

-- every tenant has its 8 lanes from its first audit row on (beamline_internal.audit_chain_prev)
insert into beamline_internal.audit_chain_heads (tenant_id, lane, seq, head_hash)
select t.tenant_id, l.n, 0, repeat('0', 64)
  from (select distinct h.tenant_id from beamline_internal.audit_chain_heads h) t
 cross join generate_series(1, 7) as l(n);

alter table beamline_internal.audit_chain_anchors add column lane smallint not null default 0;
alter table beamline_internal.audit_chain_anchors alter column lane drop default;
alter table beamline_internal.audit_chain_anchors
    drop constraint audit_chain_anchors_pkey,
    add constraint audit_chain_anchors_pkey primary key (tenant_id, lane);
comment on table beamline_internal.audit_chain_anchors is
    'Per tenant and lane, the last audit row (seq, row_hash) removed by beamline.cleanup_old_logs: the remaining lane starts after it.';

-- audit_chain_prev now also returns the lane (an OUT parameter: create or replace cannot add
-- one); sql/functions re-creates it right after the migrations.
drop function if exists beamline_internal.audit_chain_prev(text);
