-- check_identifier: the one gate for tenant, policy, user and actor ids (BL007 otherwise).
-- An id is an ASCII token: a letter or digit, then letters, digits and . _ : @ + -
-- (so no quotes, semicolons, spaces, NULs or other unicode), 1..p_max_length characters.
-- Limits match the columns: tenant 64, policy 128, user / actor 128.
-- No SET search_path clause on purpose: it is on the hot path of every API call, a SET clause
-- costs a GUC save/restore per call, the function is not SECURITY DEFINER, and every name in
-- it is schema-qualified (pg_catalog's operators come first on any search_path). It is
-- owner-only, so it runs only under a definer's search_path = pg_catalog, pg_temp
-- (sql/tests/26-search-path.sql checks that every function without the clause is owner-only).
create or replace function beamline_internal.check_identifier(p_kind text, p_value text, p_max_length integer)
    returns void
    immutable
    parallel safe
    language plpgsql
as $$
declare
    v_reason text;
begin
    if p_value is null then
        v_reason := 'is null';
    elsif p_value = '' then
        v_reason := 'is empty';
    elsif pg_catalog.length(p_value) > p_max_length then
        v_reason := pg_catalog.format('is longer than %s characters', p_max_length);
    elsif p_value !~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$' then
        v_reason := 'must start with a letter or digit and contain only ASCII letters, digits and . _ : @ + -';
    else
        return;
    end if;
    raise exception using
        errcode = 'BL007',
        message = pg_catalog.format('invalid %s: %s', coalesce(p_kind, 'identifier'), v_reason),
        detail = pg_catalog.json_build_object('argument', p_kind, 'reason', v_reason)::text,
        hint = 'Identifiers are 1-' || p_max_length || ' characters of A-Z a-z 0-9 . _ : @ + -, starting with a letter or digit.';
end;
$$;

comment on function beamline_internal.check_identifier(text, text, integer) is
    'Raise BL007 (detail {"argument", "reason"}) unless p_value is a valid id of at most p_max_length characters: ^[A-Za-z0-9][A-Za-z0-9._:@+-]*$.';
