-- Security (SPEC §4), checked from the catalog so it covers every engineer's objects:
-- Cases: every SECURITY DEFINER function in our schemas pins a safe search_path ('' or
-- starting with pg_catalog, never public / "$user"); the app role has no table, view or
-- sequence privilege; PUBLIC has nothing on our schemas, tables, sequences or functions; the
-- app role cannot use beamline_internal / beamline_admin nor execute any function there; the
-- app role can execute the API (beamline, devstate); the read-only role can only SELECT; every
-- function, table and view in our schemas has a COMMENT; no object lives in schema public.
begin;
select plan(13);

create temp view our_functions as
select p.oid, p.oid::regprocedure::text as signature, n.nspname, p.prosecdef, p.proconfig, p.proacl, p.proowner
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
 where n.nspname in ('beamline', 'beamline_internal', 'beamline_admin', 'devstate')
   and not exists (select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e');

create temp view our_relations as
select c.oid, n.nspname || '.' || c.relname as name, n.nspname, c.relkind, c.relacl, c.relowner
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where n.nspname in ('beamline', 'beamline_internal', 'beamline_admin', 'devstate')
   and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f');

select cmp_ok((select count(*)::int from our_functions where prosecdef), '>', 0, 'there are SECURITY DEFINER functions to check');

select is(array(select signature from our_functions f
                 where f.prosecdef
                   and not exists (select 1 from unnest(coalesce(f.proconfig, '{}')) c
                                    where c ~ '^search_path=' and (c in ('search_path=""', 'search_path=''''')
                                          or (c ~ '^search_path=pg_catalog' and c !~* '(public|\$user)')))
                 order by 1),
          array[]::text[],
          'every SECURITY DEFINER function pins search_path to '''' or pg_catalog[, pg_temp] (offenders listed)');

select is(array(select r.name || ':' || priv from our_relations r,
                       unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) priv
                 where r.relkind <> 'S' and has_table_privilege('beamline_app', r.oid, priv)
                 order by 1),
          array[]::text[], 'the app role has no privilege on any table or view (offenders listed)');
select is(array(select r.name from our_relations r
                 where case when r.relkind = 'S' then has_sequence_privilege('beamline_app', r.oid, 'USAGE,SELECT,UPDATE') else false end
                 order by 1),
          array[]::text[], 'the app role has no privilege on any sequence');

select is(array(select r.name || ':' || a.privilege_type from our_relations r,
                       aclexplode(coalesce(r.relacl, acldefault(case when r.relkind = 'S' then 's' else 'r' end::"char", r.relowner))) a
                 where a.grantee = 0 order by 1),
          array[]::text[], 'PUBLIC has no privilege on our tables, views or sequences');
select is(array(select f.signature from our_functions f, aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) a
                 where a.grantee = 0 order by 1),
          array[]::text[], 'PUBLIC cannot execute any of our functions (offenders listed)');
select is(array(select n.nspname || ':' || a.privilege_type from pg_catalog.pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                 where n.nspname in ('beamline', 'beamline_internal', 'beamline_admin', 'devstate', 'beamline_ext') and a.grantee = 0
                 order by 1),
          array[]::text[], 'PUBLIC has no privilege on our schemas');

select is(array(select s from unnest(array['beamline_internal', 'beamline_admin']) s
                 where has_schema_privilege('beamline_app', s, 'USAGE') order by 1),
          array[]::text[], 'the app role has no USAGE on beamline_internal / beamline_admin');
select is(array(select f.signature from our_functions f
                 where f.nspname in ('beamline_internal', 'beamline_admin') and has_function_privilege('beamline_app', f.oid, 'EXECUTE')
                 order by 1),
          array[]::text[], 'the app role cannot execute any beamline_internal / beamline_admin function');
select is(array(select f.signature from our_functions f
                 where f.nspname in ('beamline', 'devstate') and not has_function_privilege('beamline_app', f.oid, 'EXECUTE')
                 order by 1),
          array[]::text[], 'the app role can execute every API function (beamline, devstate)');

select is(array(select r.name || ':' || priv from our_relations r,
                       unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) priv
                 where r.relkind in ('r', 'p') and has_table_privilege('beamline_readonly', r.oid, priv)
                 order by 1),
          array[]::text[], 'the read-only role cannot write any table');

select is(array(select kind || ' ' || name from (
                    select 'function' as kind, f.signature as name from our_functions f
                     where obj_description(f.oid, 'pg_proc') is null
                    union all
                    select case r.relkind when 'v' then 'view' when 'm' then 'materialized view' else 'table' end, r.name
                      from our_relations r
                     where r.relkind in ('r', 'p', 'v', 'm') and obj_description(r.oid, 'pg_class') is null) s
                 order by 1),
          array[]::text[], 'every function, table and view in our schemas has a COMMENT (missing ones listed)');

select is(array(select c.relname::text from pg_catalog.pg_class c where c.relnamespace = 'public'::regnamespace
                union all
                select p.proname::text from pg_catalog.pg_proc p where p.pronamespace = 'public'::regnamespace
                order by 1),
          array[]::text[], 'nothing of ours lives in schema public');

select * from finish();
rollback;
