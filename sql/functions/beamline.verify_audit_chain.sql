-- verify_audit_chain: check a tenant's audit hash chain (docs/AUDIT.md "Tamper evidence"),
-- set-based: one ordered scan of the tenant's rows over the (tenant_id, seq) index, with a
-- window for the links, recomputing every row_hash. Needs audit:read in p_tenant.
--   * the chain starts after the cleanup anchor (beamline_internal.audit_chain_anchors), or at
--     seq 1 with prev_hash = 64 zeros;
--   * each row's seq is the previous row's + 1, its prev_hash the previous row's row_hash, its
--     row_hash the hash of its own canonical message (beamline_internal.audit_row_hash);
--   * the last row is the head recorded in beamline_internal.audit_chain_heads;
--   * p_expected_head, a head exported earlier by beamline.audit_chain_head ({"seq", "head"}),
--     must still be in the chain: its seq not beyond the last row, and the row at that seq
--     carrying that hash (a head older than the last cleanup cannot be checked: it is reported
--     as "expected_head": "removed by cleanup", not as an error).
-- Returns {"ok": true, "tenant", "checked", "first_seq", "last_seq", "head", "anchor_seq",
-- "expected_head"?} or, for the first bad position, {"ok": false, "seq", "id", "reason", ...}:
--   "missing rows"     seq skips (rows removed in the middle, or the first rows without a cleanup)
--   "bad hash"         the row's content is not what was hashed (an edit)
--   "bad link"         prev_hash is not the previous row's hash (a row replaced or inserted)
--   "truncated"        rows after the last one were removed (seq = the recorded / expected head)
--   "head mismatch"    the recorded head is not the last row (the head row was rewritten)
--   "unexpected head"  the exported head's position holds another hash (the chain was rewritten)
--   BL007  bad tenant / actor / expected head;  BL001  actor lacks audit:read
create or replace function beamline.verify_audit_chain(p_tenant text, p_actor text, p_expected_head jsonb default null)
    returns jsonb
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    c_genesis constant text := '0000000000000000000000000000000000000000000000000000000000000000';
    v_start_seq bigint := 0;
    v_start_hash text := c_genesis;
    v_bad record;
    v_count bigint;
    v_first bigint;
    v_last bigint;
    v_last_hash text;
    v_head record;
    v_exp_seq bigint;
    v_exp_hash text;
    v_exp_state text;
    v_result jsonb;
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:read');
    if p_expected_head is not null then
        if pg_catalog.jsonb_typeof(p_expected_head) <> 'object'
           or pg_catalog.jsonb_typeof(p_expected_head -> 'seq') <> 'number'
           or (p_expected_head ->> 'seq') !~ '^[0-9]{1,18}$'
           or coalesce(p_expected_head ->> 'head', '') !~ '^[0-9a-f]{64}$' then
            raise exception using
                errcode = 'BL007',
                message = 'invalid expected_head: must be {"seq": n, "head": "<64 hex>"} as returned by beamline.audit_chain_head',
                detail = pg_catalog.json_build_object('argument', 'expected_head', 'reason', 'must be {"seq", "head"}')::text;
        end if;
        v_exp_seq := (p_expected_head ->> 'seq')::bigint;
        v_exp_hash := p_expected_head ->> 'head';
    end if;
    select c.seq, c.row_hash into v_start_seq, v_start_hash
      from beamline_internal.audit_chain_anchors c where c.tenant_id = p_tenant;
    if not found then
        v_start_seq := 0;
        v_start_hash := c_genesis;
    end if;

    -- the first bad row, in chain order
    select s.seq, s.id,
           case when s.gap then 'missing rows' when s.bad_hash then 'bad hash' else 'bad link' end as reason
      into v_bad
      from (select a.seq, a.id,
                   a.seq is distinct from pg_catalog.lag(a.seq, 1, v_start_seq) over w + 1 as gap,
                   a.row_hash is distinct from beamline_internal.audit_row_hash(a.tenant_id, a.seq, a.prev_hash, a.id,
                       a.target_type, a.policy_id, a.target_id, a.action, a.actor, a.old_data, a.new_data,
                       a.metadata, a."timestamp") as bad_hash,
                   a.prev_hash is distinct from pg_catalog.lag(a.row_hash, 1, v_start_hash) over w as bad_link
              from beamline.policy_audit_log a
             where a.tenant_id = p_tenant
            window w as (order by a.seq)) s
     where s.gap or s.bad_hash or s.bad_link
     order by s.seq
     limit 1;

    select pg_catalog.count(*), pg_catalog.min(a.seq), pg_catalog.max(a.seq)
      into v_count, v_first, v_last
      from beamline.policy_audit_log a where a.tenant_id = p_tenant;
    select a.row_hash into v_last_hash from beamline.policy_audit_log a
     where a.tenant_id = p_tenant and a.seq = v_last;
    v_result := pg_catalog.jsonb_build_object('tenant', p_tenant, 'checked', v_count, 'first_seq', v_first,
        'last_seq', v_last, 'head', coalesce(v_last_hash, v_start_hash), 'anchor_seq', v_start_seq);
    if v_bad.seq is not null then
        return v_result || pg_catalog.jsonb_build_object('ok', false, 'seq', v_bad.seq, 'id', v_bad.id, 'reason', v_bad.reason);
    end if;

    -- the tail: the recorded head
    select h.seq, h.head_hash into v_head from beamline_internal.audit_chain_heads h where h.tenant_id = p_tenant;
    if found and v_head.seq > coalesce(v_last, v_start_seq) then
        return v_result || pg_catalog.jsonb_build_object('ok', false, 'seq', v_head.seq, 'reason', 'truncated');
    elsif found and (v_head.seq <> coalesce(v_last, v_start_seq) or v_head.head_hash <> coalesce(v_last_hash, v_start_hash)) then
        return v_result || pg_catalog.jsonb_build_object('ok', false, 'seq', v_head.seq, 'reason', 'head mismatch');
    end if;

    -- an exported head
    if v_exp_seq is not null then
        if v_exp_seq > coalesce(v_last, v_start_seq) then
            return v_result || pg_catalog.jsonb_build_object('ok', false, 'seq', v_exp_seq, 'reason', 'truncated');
        elsif v_exp_seq < v_start_seq then
            v_exp_state := 'removed by cleanup';
        elsif (v_exp_seq = v_start_seq and v_exp_hash = v_start_hash)
              or exists (select 1 from beamline.policy_audit_log a
                          where a.tenant_id = p_tenant and a.seq = v_exp_seq and a.row_hash = v_exp_hash) then
            v_exp_state := 'found';
        else
            return v_result || pg_catalog.jsonb_build_object('ok', false, 'seq', v_exp_seq, 'reason', 'unexpected head');
        end if;
        v_result := v_result || pg_catalog.jsonb_build_object('expected_head', v_exp_state);
    end if;
    return v_result || pg_catalog.jsonb_build_object('ok', true);
end;
$$;

comment on function beamline.verify_audit_chain(text, text, jsonb) is
    'Verify a tenant''s audit hash chain (set-based): {"ok": true, "checked", "first_seq", "last_seq", "head", ...} or the first bad {"seq", "id", "reason"} (missing rows, bad hash, bad link, truncated, head mismatch, unexpected head); optional exported head {"seq", "head"} to catch truncation and rewrites. Needs audit:read.';
