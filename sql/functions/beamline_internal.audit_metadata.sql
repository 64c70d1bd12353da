-- audit_metadata: the metadata object of an audit row: transaction id, application_name,
-- client address and port, database user, and the caller context of audit_set_context.
-- The context comes only from beamline_internal.audit_contexts, for this transaction; the
-- setting beamline.audit_context is a hint that one may exist, not the context (issue 11).
create or replace function beamline_internal.audit_metadata()
    returns jsonb
    volatile
    -- no SET clause: called on every write (bench/README.md "Write path": a search_path swap
    -- per call cost about 12k instructions); owner-only, reached only through SECURITY DEFINER
    -- or trigger functions that run with search_path = pg_catalog, pg_temp (sql/tests/26).
    language plpgsql
as $$
declare
    v_hint text := pg_catalog.current_setting('beamline.audit_context', true);
    v_context jsonb;
    v_meta jsonb;
begin
    v_meta := pg_catalog.jsonb_build_object(
        'txid', pg_catalog.txid_current(),
        'application_name', pg_catalog.current_setting('application_name'),
        'client_addr', pg_catalog.inet_client_addr()::text,
        'client_port', pg_catalog.inet_client_port(),
        'db_user', session_user::text);
    if v_hint is not null and v_hint <> '' then
        select c.context into v_context from beamline_internal.audit_contexts c
         where c.xid = pg_catalog.pg_current_xact_id();
        if v_context is not null then
            v_meta := v_meta || pg_catalog.jsonb_build_object('context', v_context);
        end if;
    end if;
    return v_meta;
end;
$$;

comment on function beamline_internal.audit_metadata() is
    'Metadata of an audit row: txid, application_name, client_addr/port, db_user, and the caller context of audit_set_context (beamline_internal.audit_contexts).';
