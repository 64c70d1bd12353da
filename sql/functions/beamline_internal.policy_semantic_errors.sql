-- policy_semantic_errors: the checks of a policy document that a JSON Schema cannot state
-- (SPEC §4 Validation). Returns the JSON list of errors in the BL004 format
-- [{"path": JSON pointer, "keyword", "message"}], empty when the document is sound.
-- Defensive about shapes (the tenant's schema may be permissive), so it never raises.
--   providers           array of objects; id a non-empty string, unique       (type, required, uniqueProviderId)
--   providers[].weight  optional number, 0 <= weight <= 100                    (type, weight)
--   providers           if non-empty, at least one provider has weight > 0, or no weight  (weight)
--   rules               array of objects; id a non-empty string, unique        (type, required, uniqueRuleId)
--   rules[].route       optional array of strings, each a provider id of this policy  (type, providerRef)
--   fallback.provider   optional string, a provider id of this policy          (type, providerRef)
create or replace function beamline_internal.policy_semantic_errors(p_data jsonb)
    returns jsonb
    immutable
    parallel safe
    -- no SET clause: called on every write (bench/README.md "Write path": a search_path swap
    -- per call cost about 12k instructions); owner-only, reached only through SECURITY DEFINER
    -- or trigger functions that run with search_path = pg_catalog, pg_temp (sql/tests/26).
    language plpgsql
as $$
declare
    v_errors    jsonb := '[]';
    v_providers jsonb := p_data -> 'providers';
    v_rules     jsonb := p_data -> 'rules';
    v_fallback  jsonb := p_data -> 'fallback';
    v_ids       text[] := '{}';
    v_rule_ids  text[] := '{}';
    v_item      jsonb;
    v_value     jsonb;
    v_id        text;
    v_path      text;
    v_routable  boolean := false;
    v_i         integer;
    v_j         integer;
begin
    if pg_catalog.jsonb_typeof(p_data) is distinct from 'object' then
        return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', '', 'keyword', 'type', 'message', 'the policy must be a JSON object'));
    end if;

    if v_providers is not null then
        if pg_catalog.jsonb_typeof(v_providers) <> 'array' then
            v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/providers', 'keyword', 'type', 'message', 'providers must be an array');
        else
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_providers) - 1 loop
                v_item := v_providers -> v_i;
                v_path := '/providers/' || v_i;
                if pg_catalog.jsonb_typeof(v_item) <> 'object' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path, 'keyword', 'type', 'message', 'a provider must be an object');
                    continue;
                end if;
                v_id := case when pg_catalog.jsonb_typeof(v_item -> 'id') = 'string' then v_item ->> 'id' end;
                if v_id is null or v_id = '' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/id', 'keyword', 'required', 'message', 'a provider needs an id (non-empty string)');
                elsif v_id = any (v_ids) then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/id', 'keyword', 'uniqueProviderId', 'message', pg_catalog.format('duplicate provider id %s', v_id));
                else
                    v_ids := v_ids || v_id;
                end if;
                v_value := v_item -> 'weight';
                if v_value is null then
                    v_routable := true;
                elsif pg_catalog.jsonb_typeof(v_value) <> 'number' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/weight', 'keyword', 'type', 'message', 'weight must be a number');
                elsif (v_value #>> '{}')::numeric < 0 or (v_value #>> '{}')::numeric > 100 then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/weight', 'keyword', 'weight', 'message', 'weight must be between 0 and 100');
                elsif (v_value #>> '{}')::numeric > 0 then
                    v_routable := true;
                end if;
            end loop;
            if pg_catalog.jsonb_array_length(v_providers) > 0 and not v_routable then
                v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/providers', 'keyword', 'weight', 'message', 'at least one provider needs a weight above 0');
            end if;
        end if;
    end if;

    if v_rules is not null then
        if pg_catalog.jsonb_typeof(v_rules) <> 'array' then
            v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/rules', 'keyword', 'type', 'message', 'rules must be an array');
        else
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_rules) - 1 loop
                v_item := v_rules -> v_i;
                v_path := '/rules/' || v_i;
                if pg_catalog.jsonb_typeof(v_item) <> 'object' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path, 'keyword', 'type', 'message', 'a rule must be an object');
                    continue;
                end if;
                v_id := case when pg_catalog.jsonb_typeof(v_item -> 'id') = 'string' then v_item ->> 'id' end;
                if v_id is null or v_id = '' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/id', 'keyword', 'required', 'message', 'a rule needs an id (non-empty string)');
                elsif v_id = any (v_rule_ids) then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/id', 'keyword', 'uniqueRuleId', 'message', pg_catalog.format('duplicate rule id %s', v_id));
                else
                    v_rule_ids := v_rule_ids || v_id;
                end if;
                v_value := v_item -> 'route';
                if v_value is null then
                    continue;
                elsif pg_catalog.jsonb_typeof(v_value) <> 'array' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/route', 'keyword', 'type', 'message', 'route must be an array of provider ids');
                    continue;
                end if;
                for v_j in 0 .. pg_catalog.jsonb_array_length(v_value) - 1 loop
                    if pg_catalog.jsonb_typeof(v_value -> v_j) <> 'string' then
                        v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/route/' || v_j, 'keyword', 'type', 'message', 'a route entry must be a provider id (string)');
                    elsif not ((v_value ->> v_j) = any (v_ids)) then
                        v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/route/' || v_j, 'keyword', 'providerRef',
                            'message', pg_catalog.format('route to provider %s, which this policy does not define', v_value ->> v_j));
                    end if;
                end loop;
            end loop;
        end if;
    end if;

    if v_fallback is not null then
        if pg_catalog.jsonb_typeof(v_fallback) <> 'object' then
            v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/fallback', 'keyword', 'type', 'message', 'fallback must be an object');
        elsif v_fallback -> 'provider' is not null then
            if pg_catalog.jsonb_typeof(v_fallback -> 'provider') <> 'string' then
                v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/fallback/provider', 'keyword', 'type', 'message', 'fallback.provider must be a provider id (string)');
            elsif not ((v_fallback ->> 'provider') = any (v_ids)) then
                v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/fallback/provider', 'keyword', 'providerRef',
                    'message', pg_catalog.format('fallback to provider %s, which this policy does not define', v_fallback ->> 'provider'));
            end if;
        end if;
    end if;
    return v_errors;
end;
$$;

comment on function beamline_internal.policy_semantic_errors(jsonb) is
    'Semantic checks of a policy document (unique provider/rule ids, weights 0..100 with one above 0, routes and fallback only to defined providers); returns the BL004 error list, [] when sound.';
