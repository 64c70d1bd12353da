-- audit_partitions: the partitions of beamline.policy_audit_log with their bounds (docs/AUDIT.md
-- "Partitions and retention"), oldest first, the default partition last. lower_bound is null for
-- a partition from MINVALUE; both bounds are null for the default partition. The bounds are read
-- from the catalog's partition bound text, printed and parsed under the fixed DateStyle and
-- TimeZone this function sets (so the caller's settings cannot change them).
create or replace function beamline_internal.audit_partitions()
    returns table (partition pg_catalog.regclass, lower_bound timestamptz, upper_bound timestamptz, is_default boolean)
    stable
    set search_path = pg_catalog, pg_temp
    set datestyle = 'ISO, YMD'
    set timezone = 'UTC'
    language sql
as $$
    select b.oid::pg_catalog.regclass,
           case when b.lo is null or b.lo = 'MINVALUE' then null else pg_catalog.btrim(b.lo, '''')::timestamptz end,
           case when b.hi is null or b.hi = 'MAXVALUE' then null else pg_catalog.btrim(b.hi, '''')::timestamptz end,
           b.bound = 'DEFAULT'
      from (select c.oid, pg_catalog.pg_get_expr(c.relpartbound, c.oid) as bound,
                   (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \((.*)\) TO \((.*)\)$'))[1] as lo,
                   (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \((.*)\) TO \((.*)\)$'))[2] as hi
              from pg_catalog.pg_inherits i
              join pg_catalog.pg_class c on c.oid = i.inhrelid
             where i.inhparent = 'beamline.policy_audit_log'::pg_catalog.regclass) b
     order by b.bound = 'DEFAULT', 3 nulls last
$$;

comment on function beamline_internal.audit_partitions() is
    'Partitions of beamline.policy_audit_log with their [lower_bound, upper_bound) ranges (null = MINVALUE), default partition last.';
