-- policy_bad_input: raise BL007 for an API argument of the policy/quota functions, with the
-- detail {"argument", "reason"} of docs/ERRORS.md. Never returns.
create or replace function beamline_internal.policy_bad_input(p_argument text, p_reason text, p_hint text default null)
    returns void
    immutable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    raise exception using
        errcode = 'BL007',
        message = pg_catalog.format('invalid %s: %s', p_argument, p_reason),
        detail = pg_catalog.json_build_object('argument', p_argument, 'reason', p_reason)::text,
        hint = coalesce(p_hint, 'See docs/POLICIES.md for the arguments of the policy and quota functions.');
end;
$$;

comment on function beamline_internal.policy_bad_input(text, text, text) is
    'Raise BL007 with detail {"argument", "reason"}; never returns.';
