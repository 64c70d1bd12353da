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
    v_expected jsonb := '{}';  -- lane (text) -> {"seq", "head"}
    v_item jsonb;
    v_bad_lane smallint;
    v_bad_seq bigint;
    v_bad_id uuid;
    v_bad_reason text;
    v_lane record;
    v_start_seq bigint;
    v_start_hash text;
    v_last bigint;
    v_last_hash text;
    v_exp_seq bigint;
    v_exp_hash text;
    v_exp_state text;
    v_exp_all text;
    v_lanes jsonb := '[]';
    v_lane_result jsonb;
    v_checked bigint := 0;
begin
    -- the exported head: {"lanes": [{"lane", "seq", "head"}, ...]} from beamline.audit_chain_head,
    -- or {"seq", "head"} from before lanes (migration 0100), which is lane 0
    if p_expected_head is not null then
        if pg_catalog.jsonb_typeof(p_expected_head) = 'object' and p_expected_head ? 'lanes'
           and pg_catalog.jsonb_typeof(p_expected_head -> 'lanes') = 'array'
           and pg_catalog.jsonb_array_length(p_expected_head -> 'lanes') <= 64 then
            for v_item in select e.value from pg_catalog.jsonb_array_elements(p_expected_head -> 'lanes') e loop
                if pg_catalog.jsonb_typeof(v_item) <> 'object'
                   or pg_catalog.jsonb_typeof(v_item -> 'lane') <> 'number' or (v_item ->> 'lane') !~ '^[0-9]{1,2}$'
                   or pg_catalog.jsonb_typeof(v_item -> 'seq') <> 'number' or (v_item ->> 'seq') !~ '^[0-9]{1,18}$'
                   or coalesce(v_item ->> 'head', '') !~ '^[0-9a-f]{64}$' then
                    v_expected := null;
                    exit;
                end if;
                v_expected := v_expected || pg_catalog.jsonb_build_object(v_item ->> 'lane', v_item - 'lane');
            end loop;
        elsif pg_catalog.jsonb_typeof(p_expected_head) = 'object'
           and pg_catalog.jsonb_typeof(p_expected_head -> 'seq') = 'number' and (p_expected_head ->> 'seq') ~ '^[0-9]{1,18}$'
           and coalesce(p_expected_head ->> 'head', '') ~ '^[0-9a-f]{64}$' then
            v_expected := pg_catalog.jsonb_build_object('0', pg_catalog.jsonb_build_object(
                'seq', p_expected_head -> 'seq', 'head', p_expected_head -> 'head'));
        else
            v_expected := null;
        end if;
        if v_expected is null then
            raise exception using
                errcode = 'BL007',
                message = 'invalid expected_head: must be {"lanes": [{"lane", "seq", "head"}, ...]} as returned by beamline.audit_chain_head',
                detail = pg_catalog.json_build_object('argument', 'expected_head', 'reason', 'must be {"lanes": [{"lane", "seq", "head"}]}')::text;
        end if;
    end if;
    -- the first bad row, in chain order (lane, then seq): one scan of the tenant's rows
    select s.lane, s.seq, s.id,
           case when s.gap then 'missing rows' when s.bad_hash then 'bad hash' else 'bad link' end
      into v_bad_lane, v_bad_seq, v_bad_id, v_bad_reason
      from (select a.lane, a.seq, a.id,
                   a.seq is distinct from pg_catalog.lag(a.seq, 1, coalesce(c.seq, 0)) over w + 1 as gap,
                   a.row_hash is distinct from beamline_internal.audit_row_hash(a.tenant_id, a.seq, a.prev_hash, a.id,
                       a.target_type, a.policy_id, a.target_id, a.action, a.actor, a.old_data::text, a.new_data::text,
                       a.metadata::text, a."timestamp") as bad_hash,
                   a.prev_hash is distinct from pg_catalog.lag(a.row_hash, 1, coalesce(c.row_hash, c_genesis)) over w as bad_link
              from beamline.policy_audit_log a
              left join beamline_internal.audit_chain_anchors c on c.tenant_id = a.tenant_id and c.lane = a.lane
             where a.tenant_id = p_tenant
            window w as (partition by a.lane order by a.seq)) s
     where s.gap or s.bad_hash or s.bad_link
     order by s.lane, s.seq
     limit 1;
    -- each lane in use (an unused lane's head is seq 0 with no rows): its rows, recorded head,
    -- cleanup anchor and exported head
    for v_lane in
        select l.lane, r.n, r.first_seq, r.last_seq, r.last_hash,
               h.seq as head_seq, h.head_hash, c.seq as anchor_seq, c.row_hash as anchor_hash
          from (select h.lane from beamline_internal.audit_chain_heads h where h.tenant_id = p_tenant and h.seq > 0
                union select c.lane from beamline_internal.audit_chain_anchors c where c.tenant_id = p_tenant
                union select a.lane from beamline.policy_audit_log a where a.tenant_id = p_tenant
                union select k::smallint from pg_catalog.jsonb_object_keys(v_expected) k) l
          left join (select a.lane, pg_catalog.count(*) as n, pg_catalog.min(a.seq) as first_seq, pg_catalog.max(a.seq) as last_seq,
                            (pg_catalog.array_agg(a.row_hash order by a.seq desc))[1] as last_hash
                       from beamline.policy_audit_log a where a.tenant_id = p_tenant group by a.lane) r on r.lane = l.lane
          left join beamline_internal.audit_chain_heads h on h.tenant_id = p_tenant and h.lane = l.lane
          left join beamline_internal.audit_chain_anchors c on c.tenant_id = p_tenant and c.lane = l.lane
         order by l.lane
    loop
        v_start_seq := coalesce(v_lane.anchor_seq, 0);
        v_start_hash := coalesce(v_lane.anchor_hash, c_genesis);
        v_last := coalesce(v_lane.last_seq, v_start_seq);
        v_last_hash := coalesce(v_lane.last_hash, v_start_hash);
        v_checked := v_checked + coalesce(v_lane.n, 0);
        v_lane_result := pg_catalog.jsonb_build_object('lane', v_lane.lane, 'checked', coalesce(v_lane.n, 0),
            'first_seq', v_lane.first_seq, 'last_seq', v_lane.last_seq, 'head', v_last_hash, 'anchor_seq', v_start_seq);
        if v_bad_seq is null then
            -- the tail: the recorded head
            if v_lane.head_seq > v_last then
                v_bad_lane := v_lane.lane; v_bad_seq := v_lane.head_seq; v_bad_reason := 'truncated';
            elsif v_lane.head_seq is not null and (v_lane.head_seq <> v_last or v_lane.head_hash <> v_last_hash) then
                v_bad_lane := v_lane.lane; v_bad_seq := v_lane.head_seq; v_bad_reason := 'head mismatch';
            end if;
        end if;
        if v_bad_seq is null and v_expected ? v_lane.lane::text then
            -- an exported head
            v_exp_seq := (v_expected -> v_lane.lane::text ->> 'seq')::bigint;
            v_exp_hash := v_expected -> v_lane.lane::text ->> 'head';
            if v_exp_seq > v_last then
                v_bad_lane := v_lane.lane; v_bad_seq := v_exp_seq; v_bad_reason := 'truncated';
            elsif v_exp_seq < v_start_seq then
                v_exp_state := 'removed by cleanup';
            elsif (v_exp_seq = v_start_seq and v_exp_hash = v_start_hash)
                  or exists (select 1 from beamline.policy_audit_log a
                              where a.tenant_id = p_tenant and a.lane = v_lane.lane and a.seq = v_exp_seq and a.row_hash = v_exp_hash) then
                v_exp_state := 'found';
            else
                v_bad_lane := v_lane.lane; v_bad_seq := v_exp_seq; v_bad_reason := 'unexpected head';
            end if;
            if v_bad_seq is null then
                v_lane_result := v_lane_result || pg_catalog.jsonb_build_object('expected_head', v_exp_state);
                v_exp_all := case when v_exp_all = 'removed by cleanup' then v_exp_all else v_exp_state end;
            end if;
        end if;
        v_lanes := v_lanes || v_lane_result;
    end loop;
    if v_bad_seq is not null then
        return pg_catalog.jsonb_build_object('tenant', p_tenant, 'checked', v_checked, 'lanes', v_lanes,
            'ok', false, 'lane', v_bad_lane, 'seq', v_bad_seq, 'reason', v_bad_reason)
            || case when v_bad_id is null then '{}'::jsonb else pg_catalog.jsonb_build_object('id', v_bad_id) end;
    end if;
    return pg_catalog.jsonb_build_object('tenant', p_tenant, 'checked', v_checked, 'lanes', v_lanes, 'ok', true)
        || case when v_expected is null or v_expected = '{}' then '{}'::jsonb
                else pg_catalog.jsonb_build_object('expected_head', v_exp_all) end;
end;
$$;

comment on function beamline_internal.audit_chain_verify(text, jsonb) is
    'The audit hash chain check of one tenant (every lane) without a permission check (owner only); see beamline.verify_audit_chain.';
