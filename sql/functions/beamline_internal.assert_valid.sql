-- Raising form of beamline.validate for use inside other functions (put_policy,
-- update_state): raises BL004 with the JSON error list in DETAIL when p_doc is invalid.
create or replace function beamline_internal.assert_valid(p_schema jsonb, p_doc jsonb)
returns void
stable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_errs jsonb;
    v_n    integer;
begin
    v_errs := beamline.validate(p_schema, p_doc);
    v_n := pg_catalog.jsonb_array_length(v_errs);
    if v_n > 0 then
        raise exception using errcode = 'BL004',
            message = pg_catalog.format('document is not valid: %s at "%s"%s',
                v_errs -> 0 ->> 'message', v_errs -> 0 ->> 'path',
                case when v_n > 1 then pg_catalog.format(' (and %s more errors)', v_n - 1) else '' end),
            detail = v_errs::text,
            hint = 'DETAIL lists every error as {"path": JSON pointer, "keyword", "message"}.';
    end if;
end
$function$;

comment on function beamline_internal.assert_valid(jsonb, jsonb) is
    'Raise BL004 (DETAIL = JSON list of {"path", "keyword", "message"}) when p_doc does not validate against p_schema.';
