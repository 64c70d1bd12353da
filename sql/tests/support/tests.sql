-- Shared pgTAP helpers (schema `tests`), loaded once by scripts/run_pgtap.sh after pgTAP.
-- Test databases only. Anyone may use them:
--   tests.row_counts()                   jsonb {table: rows} of every beamline / devstate table,
--                                        to prove that a rejected call wrote nothing
--   tests.as_app() / tests.as_owner()    the role names (configurable in the migrator)
--   tests.bootstrap(tenant, admin)       first admin of a tenant (as the owner function does)
--   tests.grant(tenant, user, role, permissions jsonb default '[]', expires_at default null)
--                                        a grant written directly (actor 'tests'), no RBAC checks
-- Act out roles under a banner in the tests themselves:  set local role beamline_app; ... reset role;
create schema if not exists tests;
comment on schema tests is 'pgTAP helpers for beamline-store tests (test databases only)';

-- pgTAP is installed in schema tap; tests that `set local role beamline_app` still call it.
grant usage on schema tap to public;
grant usage on schema tests to public;

create or replace function tests.row_counts()
    returns jsonb
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_result jsonb := '{}';
    v_rel record;
    v_count bigint;
begin
    for v_rel in
        select n.nspname, c.relname from pg_catalog.pg_class c
          join pg_catalog.pg_namespace n on n.oid = c.relnamespace
         where c.relkind in ('r', 'p') and n.nspname in ('beamline', 'beamline_internal', 'devstate')
         order by 1, 2
    loop
        execute pg_catalog.format('select count(*) from %I.%I', v_rel.nspname, v_rel.relname) into v_count;
        v_result := v_result || pg_catalog.jsonb_build_object(v_rel.nspname || '.' || v_rel.relname, v_count);
    end loop;
    return v_result;
end;
$$;
comment on function tests.row_counts() is 'Row count of every table in beamline, beamline_internal and devstate, as one JSON object.';
grant execute on function tests.row_counts() to public;

create or replace function tests.bootstrap(p_tenant text, p_admin text)
    returns void
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language sql
as $$ select null::void from beamline_admin.bootstrap_admin(p_tenant, p_admin) $$;
comment on function tests.bootstrap(text, text) is 'Make p_admin the first admin of p_tenant (beamline_admin.bootstrap_admin).';

create or replace function tests.grant(
    p_tenant text, p_user text, p_role text,
    p_permissions jsonb default '[]', p_expires_at timestamptz default null)
    returns void
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform pg_catalog.set_config('beamline.actor', 'tests', true);
    insert into beamline.user_roles (tenant_id, user_id, role, permissions, granted_by, expires_at)
    values (p_tenant, p_user, p_role, p_permissions, 'tests', p_expires_at)
    on conflict (tenant_id, user_id) do update
       set role = excluded.role, permissions = excluded.permissions, expires_at = excluded.expires_at;
end;
$$;
comment on function tests.grant(text, text, text, jsonb, timestamptz) is
    'Write a grant directly (actor ''tests''), bypassing RBAC checks and the expiry-in-the-future rule; for test setup.';
