-- Privileges, re-applied last on every `beamline migrate` (after functions, views, triggers).
-- Role names come from settings made by the migrator (beamline.owner_role / app_role /
-- readonly_role), so they stay configurable.
--
--   PUBLIC              nothing in our schemas
--   application role    USAGE on beamline + devstate, EXECUTE on every function there; no table rights
--   read-only role      USAGE + SELECT on the tables and views of beamline + devstate (reporting)
--   beamline_internal / beamline_admin functions are executable by the owner only.
do $grants$
declare
    v_app      text := pg_catalog.current_setting('beamline.app_role');
    v_readonly text := pg_catalog.current_setting('beamline.readonly_role');
    v_schema   text;
begin
    foreach v_schema in array array['beamline', 'beamline_internal', 'beamline_admin', 'devstate', 'beamline_ext'] loop
        execute pg_catalog.format('revoke all on schema %I from public', v_schema);
        execute pg_catalog.format('revoke all on all tables in schema %I from public', v_schema);
        execute pg_catalog.format('revoke all on all sequences in schema %I from public', v_schema);
        execute pg_catalog.format('revoke all on all functions in schema %I from public', v_schema);
    end loop;

    foreach v_schema in array array['beamline', 'devstate'] loop
        execute pg_catalog.format('grant usage on schema %I to %I, %I', v_schema, v_app, v_readonly);
        execute pg_catalog.format('revoke all on all tables in schema %I from %I', v_schema, v_app);
        execute pg_catalog.format('grant execute on all functions in schema %I to %I', v_schema, v_app);
        execute pg_catalog.format('grant select on all tables in schema %I to %I', v_schema, v_readonly);
    end loop;
end
$grants$;
