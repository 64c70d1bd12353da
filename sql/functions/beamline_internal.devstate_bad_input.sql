-- devstate_bad_input: raise BL007 for a DevState argument (detail {"argument", "reason"}).
create or replace function beamline_internal.devstate_bad_input(p_argument text, p_reason text, p_hint text default null)
    returns void
    volatile
    set search_path = ''
    language plpgsql
as $$
begin
    raise exception using
        errcode = 'BL007',
        message = pg_catalog.format('invalid %s: %s', p_argument, p_reason),
        detail = pg_catalog.json_build_object('argument', p_argument, 'reason', p_reason)::text,
        hint = coalesce(p_hint, 'See docs/DEVSTATE_MCP.md for the arguments of the DevState functions.');
end;
$$;

comment on function beamline_internal.devstate_bad_input(text, text, text) is
    'Raise BL007 with detail {"argument", "reason"} for a bad DevState argument.';
