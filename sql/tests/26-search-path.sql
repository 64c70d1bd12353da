-- search_path of our functions, from the catalog (issue 11: objects in the caller's pg_temp).
-- PostgreSQL searches the session's temporary schema FIRST for relations and types unless
-- pg_temp is named explicitly, so search_path = '' let a caller's pg_temp.text domain run its
-- check function as the owner. The remedy (manual, "Writing SECURITY DEFINER Functions
-- Safely"): trusted schemas, then pg_temp LAST. sql/tests/27-pg-temp-attack.sql performs the
-- attack against every API function.
-- Cases:
--   * there are SECURITY DEFINER functions to check (the checks below are not vacuous);
--   * every SECURITY DEFINER function in our schemas sets search_path, every entry of it is
--     pg_catalog or one of our schemas, and the last entry is pg_temp (offenders listed);
--   * every trigger function sets it the same way;
--   * every function without that setting is neither SECURITY DEFINER nor executable by any
--     role but its owner: it can only run inside a definer function (whose search_path then
--     applies, also when PL/pgSQL compiles it) or as the owner itself (offenders listed).
begin;
select plan(5);

create temp view our_functions as
select p.oid, p.oid::regprocedure::text as signature, p.prosecdef, p.proowner, p.proacl,
       p.prorettype = 'trigger'::regtype as is_trigger,
       (select pg_catalog.string_to_array(pg_catalog.substr(c, pg_catalog.length('search_path=') + 1), ',')
          from pg_catalog.unnest(p.proconfig) c
         where c like 'search_path=%') as path
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
 where n.nspname in ('beamline', 'beamline_internal', 'beamline_admin', 'devstate')
   and not exists (select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e');

-- pinned: search_path is set, its entries are pg_catalog or our schemas, pg_temp is last.
create temp view pinned as
select f.oid,
       f.path is not null
       and pg_catalog.btrim(f.path[pg_catalog.array_upper(f.path, 1)], ' "') = 'pg_temp'
       and not exists (select 1 from pg_catalog.unnest(f.path[1:pg_catalog.array_upper(f.path, 1) - 1]) e
                        where pg_catalog.btrim(e, ' "') not in
                              ('pg_catalog', 'beamline', 'beamline_internal', 'beamline_admin', 'devstate'))
       as ok
  from our_functions f;

select cmp_ok((select count(*)::int from our_functions where prosecdef), '>=', 30,
              'there are SECURITY DEFINER functions to check');

select is(array(select f.signature || ' ' || coalesce(f.path::text, '(no search_path)')
                  from our_functions f join pinned p using (oid)
                 where f.prosecdef and not p.ok order by 1),
          array[]::text[],
          'every SECURITY DEFINER function sets search_path = pg_catalog[, ours], pg_temp last (offenders listed)');

select is(array(select f.signature || ' ' || coalesce(f.path::text, '(no search_path)')
                  from our_functions f join pinned p using (oid)
                 where f.is_trigger and not p.ok order by 1),
          array[]::text[],
          'every trigger function sets search_path with pg_temp last (offenders listed)');

select is(array(select f.signature
                  from our_functions f join pinned p using (oid)
                 where not p.ok
                   and (f.prosecdef
                        or exists (select 1 from pg_catalog.aclexplode(coalesce(f.proacl, pg_catalog.acldefault('f', f.proowner))) a
                                    where a.grantee <> f.proowner))
                 order by 1),
          array[]::text[],
          'a function without a pinned search_path is owner-only and not SECURITY DEFINER (offenders listed)');

-- The check above must see the example it exists for: has_permission is inlined (no SET clause).
select ok((select not p.ok from pinned p
            where p.oid = 'beamline_internal.has_permission(text,text,text)'::regprocedure),
          'the unpinned-function rule is exercised (beamline_internal.has_permission has no SET clause)');

select * from finish();
rollback;
