-- The stored fast path of a registered schema, evaluated: TRUE when p_doc is certainly valid,
-- FALSE when the engine must run (maybe invalid, or no predicate). p_predicate is the schema's
-- beamline.json_schema_fast.predicate, read by the caller with the row that names the checksum
-- (put_policy reads it with the schema in force, in one query; jsonschema_fast_registered looks
-- it up by checksum). The checks of beamline.json_schema_fast_checks run in one query (a key
-- check is `node - keys = '{}'`, evaluated in C; an opaque subschema runs the engine on the
-- nodes its path selects).
create or replace function beamline_internal.jsonschema_fast_check(p_checksum text, p_predicate jsonpath, p_doc jsonb)
returns boolean
stable
-- no SET clause: called on every write (bench/README.md "Write path"); owner-only, reached
-- only through SECURITY DEFINER functions that run with search_path = pg_catalog, pg_temp
-- (sql/tests/26); every name is qualified.
language plpgsql
as $function$
begin
    return p_predicate is not null
       and pg_catalog.jsonb_path_match(p_doc, p_predicate)
       and not exists (
           select 1
             from beamline.json_schema_fast_checks c
            cross join lateral pg_catalog.jsonb_path_query(p_doc, c.path) as n(v)
            where c.checksum = p_checksum
              and case when c.keys is not null
                       then (n.v operator(pg_catalog.-) c.keys) operator(pg_catalog.<>) '{}'::jsonb
                       else (select (beamline_internal.jsonschema_eval(f.root, f.ctx, c.schema, n.v, '', false,
                                         '{}'::text[], 0, '{}'::jsonb, beamline_internal.jsonschema_budget())).p_errs
                               from beamline.json_schema_fast f where f.checksum = p_checksum) is not null
                  end);
end
$function$;

comment on function beamline_internal.jsonschema_fast_check(text, jsonpath, jsonb) is
    'Evaluate the stored fast path of the schema with checksum p_checksum (its predicate passed in, then its checks): TRUE = certainly valid, FALSE = run the engine.';
