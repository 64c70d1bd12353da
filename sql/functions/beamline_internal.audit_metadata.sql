-- audit_metadata: the metadata object of an audit row: transaction id, application_name,
-- client address and port, database user, and the caller context of audit_set_context.
create or replace function beamline_internal.audit_metadata()
    returns jsonb
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_context text := pg_catalog.current_setting('beamline.audit_context', true);
    v_meta jsonb;
begin
    v_meta := pg_catalog.jsonb_build_object(
        'txid', pg_catalog.txid_current(),
        'application_name', pg_catalog.current_setting('application_name'),
        'client_addr', pg_catalog.inet_client_addr()::text,
        'client_port', pg_catalog.inet_client_port(),
        'db_user', session_user::text);
    if v_context is not null and v_context <> '' then
        begin
            v_meta := v_meta || pg_catalog.jsonb_build_object('context', v_context::jsonb);
        exception when invalid_text_representation then
            v_meta := v_meta || pg_catalog.jsonb_build_object('context_raw', v_context);
        end;
    end if;
    return v_meta;
end;
$$;

comment on function beamline_internal.audit_metadata() is
    'Metadata of an audit row: txid, application_name, client_addr/port, db_user, and the caller context (beamline.audit_context).';
