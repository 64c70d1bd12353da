-- devstate_bad_input: raise BL007 for a DevState argument (detail {"argument", "reason"}); the
-- shared raiser of beamline_internal.policy_bad_input with the DevState docs as default hint.
create or replace function beamline_internal.devstate_bad_input(p_argument text, p_reason text, p_hint text default null)
    returns void
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.policy_bad_input(p_argument, p_reason,
        coalesce(p_hint, 'See docs/DEVSTATE_MCP.md for the arguments of the DevState functions.'));
end;
$$;

comment on function beamline_internal.devstate_bad_input(text, text, text) is
    'Raise BL007 with detail {"argument", "reason"} for a bad DevState argument.';
