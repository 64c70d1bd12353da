-- audit_set_context: optional caller context (request id, ticket, ...) merged into the metadata
-- of every audit row written later in the same transaction, under the key "context".
-- Kept in the transaction-local setting beamline.audit_context.
--   BL007  not a JSON object, or over 4 KiB
create or replace function beamline_internal.audit_set_context(p_context jsonb)
    returns void
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if p_context is null or pg_catalog.jsonb_typeof(p_context) <> 'object'
       or pg_catalog.octet_length(p_context::text) > 4096 then
        raise exception using
            errcode = 'BL007',
            message = 'invalid audit context: must be a JSON object of at most 4096 bytes',
            detail = pg_catalog.json_build_object('argument', 'context', 'reason', 'must be a JSON object of at most 4096 bytes')::text;
    end if;
    perform pg_catalog.set_config('beamline.audit_context', p_context::text, true);
end;
$$;

comment on function beamline_internal.audit_set_context(jsonb) is
    'Record caller context (JSON object, <= 4 KiB) for the audit rows of this transaction (metadata.context).';
