-- Owner only: rebuild the prepared form and fast path (beamline.json_schema_fast) of every
-- registered schema that has none, e.g. after migration 0070 emptied the table. `beamline
-- migrate` calls it after loading the shipped defaults. A registered schema that no longer
-- passes the check (a referenced registered schema is gone) keeps no row: it is then checked
-- on every validation and raises BL010 there. Returns the number of rows written.
create or replace function beamline_admin.rebuild_schema_cache()
returns integer
volatile
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_row  record;
    v_prep jsonb;
    v_n    integer := 0;
begin
    for v_row in select distinct on (s.checksum) s.checksum, s.schema
                   from beamline.json_schemas s
                  where not exists (select 1 from beamline.json_schema_fast f
                                     where f.checksum = s.checksum and f.root is not null)
                  order by s.checksum, s.version loop
        v_prep := beamline_internal.jsonschema_check_schema(v_row.schema);
        continue when v_prep -> 'problems' <> '[]'::jsonb;
        perform beamline_internal.jsonschema_fast_store(v_row.checksum, v_prep);
        v_n := v_n + 1;
    end loop;
    return v_n;
end
$function$;

comment on function beamline_admin.rebuild_schema_cache() is
    'Owner only: store the prepared form and fast path of every registered JSON Schema that lacks one (run by beamline migrate).';
