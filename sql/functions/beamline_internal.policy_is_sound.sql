-- policy_is_sound: the fast path of the semantic checks. TRUE only when
-- beamline_internal.policy_semantic_errors(p_data) is '[]' (tests/integration/
-- test_policy_semantic_fastpath.py checks that on generated documents, and that it is TRUE for
-- every sound one it generates); FALSE means "run the lister", which names the errors.
-- Why: the lister walks the document statement by statement, and PL/pgSQL prepares each of its
-- ~60 expressions again in every transaction (0.24 M instructions of a put_policy; bench/README.md
-- "Write path, third pass"). Here one jsonpath states every rule but uniqueness, and one loop
-- of one test checks that the provider ids and the rule ids are each unique.
-- The jsonpath is lax, so a missing member is an empty sequence, never an error; lax mode
-- unwraps arrays in filters, so element types are tested with .type(), which does not unwrap,
-- before any filter looks inside the elements. Every clause fails closed: a comparison that
-- PostgreSQL cannot make (unknown) never makes the document sound.
-- Lists over 100 ids take the lister (the uniqueness loop is quadratic).
create or replace function beamline_internal.policy_is_sound(p_data jsonb)
    returns boolean
    immutable
    parallel safe
    -- no SET clause: called on every write (bench/README.md "Write path"); owner-only, reached
    -- only through SECURITY DEFINER functions that run with search_path = pg_catalog, pg_temp
    -- (sql/tests/26); functions are qualified, and operators resolve in pg_catalog (PostgreSQL
    -- never looks for operators in pg_temp).
    language plpgsql
as $$
declare
    v_provider_ids jsonb;
    v_rule_ids     jsonb;
    v_i            integer;
begin
    if not pg_catalog.jsonb_path_match(p_data, $jp$ lax
           $.type() == "object"
        && (!exists($.providers) || ($.providers.type() == "array"
            && !exists($.providers[*].type() ? (@ != "object"))
            && !exists($.providers[*] ? (!(@.id.type() == "string") || @.id == ""
                   || (exists(@.weight) && (@.weight.type() != "number" || @.weight < 0 || @.weight > 100))))
            && ($.providers.size() == 0 || exists($.providers[*] ? (!exists(@.weight) || @.weight > 0)))))
        && (!exists($.rules) || ($.rules.type() == "array"
            && !exists($.rules[*].type() ? (@ != "object"))
            && !exists($.rules[*] ? (!(@.id.type() == "string") || @.id == ""
                   || (exists(@.route) && (@.route.type() != "array"
                       || exists(@.route[*].type() ? (@ != "string"))
                       || exists(@.route[*] ? (!(@ == $.providers[*].id)))))))))
        && (!exists($.fallback) || ($.fallback.type() == "object"
            && (!exists($.fallback.provider)
                || ($.fallback.provider.type() == "string" && $.fallback.provider == $.providers[*].id))))
        $jp$) then
        return false;
    end if;
    -- Unique ids: deleting a list's i-th id (a non-empty string, as checked above) from the list
    -- removes exactly one element; past the list's end ('' matches nothing) it removes none.
    v_provider_ids := pg_catalog.jsonb_path_query_array(p_data, 'lax $.providers[*].id');
    v_rule_ids := pg_catalog.jsonb_path_query_array(p_data, 'lax $.rules[*].id');
    for v_i in 0 .. greatest(pg_catalog.jsonb_array_length(v_provider_ids),
                             pg_catalog.jsonb_array_length(v_rule_ids)) - 1 loop
        if v_i >= 100
           or pg_catalog.jsonb_array_length(v_provider_ids operator(pg_catalog.-) coalesce(v_provider_ids ->> v_i, ''))
              < pg_catalog.jsonb_array_length(v_provider_ids) - 1
           or pg_catalog.jsonb_array_length(v_rule_ids operator(pg_catalog.-) coalesce(v_rule_ids ->> v_i, ''))
              < pg_catalog.jsonb_array_length(v_rule_ids) - 1 then
            return false;
        end if;
    end loop;
    return true;
end;
$$;

comment on function beamline_internal.policy_is_sound(jsonb) is
    'Fast path of the semantic checks: TRUE only when policy_semantic_errors(p_data) is empty; FALSE means run policy_semantic_errors for the errors.';
