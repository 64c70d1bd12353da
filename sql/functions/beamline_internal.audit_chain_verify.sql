-- audit_chain_verify: the check behind beamline.verify_audit_chain and
-- beamline_admin.verify_audit_chains, without the permission check (owner only). What it checks
-- and returns: sql/functions/beamline.verify_audit_chain.sql.
create or replace function beamline_internal.audit_chain_verify(p_tenant text, p_expected_head jsonb default null)
    returns jsonb
    stable
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

comment on function beamline_internal.audit_chain_verify(text, jsonb) is
    'The audit hash chain check of one tenant without a permission check (owner only); see beamline.verify_audit_chain.';
