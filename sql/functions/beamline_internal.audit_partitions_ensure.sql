-- audit_partitions_ensure: create the monthly partitions of beamline.policy_audit_log from the
-- current UTC month through p_months_ahead months after it (docs/AUDIT.md "Partitions and
-- retention"). Called by every `beamline migrate` and by beamline_admin.maintain (under its
-- advisory lock). Idempotent: a month already covered by a partition is skipped. A month for
-- which the default partition already holds rows (maintain did not run for months, or rows were
-- written with a future timestamp) is not created: PostgreSQL would refuse it, and moving rows
-- would mean rewriting the append-only log; such rows stay in the default partition (retention
-- deletes them row by row) and the month is reported under "blocked".
-- Partition names: beamline_internal.policy_audit_log_pYYYY_MM (UTC month). Each gets the
-- statement-level guards of its parent (audit_partition_guard).
-- Returns {"created": [names], "blocked": [names]}.
create or replace function beamline_internal.audit_partitions_ensure(p_months_ahead integer default 3)
    returns jsonb
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_month timestamp;  -- UTC wall time of the month's first instant
    v_from timestamptz;
    v_to timestamptz;
    v_name text;
    v_created text[] := '{}';
    v_blocked text[] := '{}';
begin
    if p_months_ahead is null or p_months_ahead < 0 or p_months_ahead > 120 then
        raise exception using
            errcode = 'BL007',
            message = 'invalid months_ahead: must be between 0 and 120',
            detail = pg_catalog.json_build_object('argument', 'months_ahead', 'reason', 'must be between 0 and 120')::text;
    end if;
    for v_month in
        select pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', pg_catalog.now())) + pg_catalog.make_interval(months => g)
          from pg_catalog.generate_series(0, p_months_ahead) g
    loop
        v_from := pg_catalog.timezone('UTC', v_month);
        v_to := pg_catalog.timezone('UTC', v_month + interval '1 month');
        continue when exists (select 1 from beamline_internal.audit_partitions() p
                               where not p.is_default
                                 and coalesce(p.lower_bound < v_to, true)
                                 and coalesce(p.upper_bound > v_from, true));
        v_name := 'policy_audit_log_p' || pg_catalog.to_char(v_month, 'YYYY_MM');
        if exists (select 1 from beamline_internal.policy_audit_log_default d
                    where d."timestamp" >= v_from and d."timestamp" < v_to) then
            v_blocked := v_blocked || v_name;
            continue;
        end if;
        execute pg_catalog.format(
            'create table beamline_internal.%I partition of beamline.policy_audit_log for values from (%L) to (%L)',
            v_name, v_from, v_to);
        perform beamline_internal.audit_partition_guard(pg_catalog.format('beamline_internal.%I', v_name)::pg_catalog.regclass);
        execute pg_catalog.format('comment on table beamline_internal.%I is %L', v_name,
            pg_catalog.format('Partition of beamline.policy_audit_log: the audit rows of %s (UTC).', pg_catalog.to_char(v_month, 'YYYY-MM')));
        v_created := v_created || v_name;
    end loop;
    return pg_catalog.jsonb_build_object('created', pg_catalog.to_jsonb(v_created), 'blocked', pg_catalog.to_jsonb(v_blocked));
end;
$$;

comment on function beamline_internal.audit_partitions_ensure(integer) is
    'Create the monthly partitions of beamline.policy_audit_log from the current UTC month through p_months_ahead months ahead (idempotent); returns {"created", "blocked"}.';
