-- audit_set_context: optional caller context (request id, ticket, ...) merged into the metadata
-- of every audit row written later in the same transaction, under the key "context".
-- Kept in the owner-only table beamline_internal.audit_contexts under this transaction's id,
-- never in a session setting (a caller could SET one itself, bypassing the checks and the
-- cap below: issue 11). The transaction-local setting beamline.audit_context only holds that
-- id as a hint, so audit rows of transactions without a context skip the lookup; a forged
-- hint finds no row.
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
    -- rows of finished transactions (below every running one) are not needed any more
    delete from beamline_internal.audit_contexts c
     where c.xid < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
    insert into beamline_internal.audit_contexts (xid, context)
    values (pg_catalog.pg_current_xact_id(), p_context)
    on conflict (xid) do update set context = excluded.context;
    perform pg_catalog.set_config('beamline.audit_context', pg_catalog.pg_current_xact_id()::text, true);
end;
$$;

comment on function beamline_internal.audit_set_context(jsonb) is
    'Record caller context (JSON object, <= 4 KiB) for the audit rows of this transaction (metadata.context).';
