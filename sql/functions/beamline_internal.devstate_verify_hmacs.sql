-- devstate_verify_hmacs: the hmac half of devstate.verify_hmac_chain, one aggregate over the
-- entries p_from <= id <= p_to (NULL = unbounded): how many, the first and last id, and the
-- first id whose hmac is not HMAC-SHA256(canonical message, key of its key_id) under p_keys
-- ({key_id: hex key}, see devstate_keys), or whose metadata (the jsonb every reader returns) is
-- not exactly the signed metadata_canonical parsed: the HMAC covers metadata_canonical, so
-- without this check a superuser who froze that column (ALTER ... DROP EXPRESSION, or a
-- replaced serializer) could rewrite metadata unseen. Compared as text, so even a number
-- written another way (1.50 -> 1.5, equal as jsonb) shows. A SQL function on purpose: PL/pgSQL's SELECT INTO
-- runs its query with a row limit, which turns parallel query off; this one runs in parallel
-- workers (pgcrypto's hmac and the inlined devstate_entry_message are parallel safe).
create or replace function beamline_internal.devstate_verify_hmacs(p_from bigint, p_to bigint, p_keys jsonb)
    returns table (checked bigint, first_id bigint, last_id bigint, bad_id bigint)
    stable
    parallel safe
    set search_path = pg_catalog, pg_temp
    language sql
as $$
    select pg_catalog.count(*), pg_catalog.min(e.id), pg_catalog.max(e.id),
           pg_catalog.min(e.id) filter (where e.metadata::text is distinct from e.metadata_canonical::jsonb::text
                                          or e.hmac is distinct from pg_catalog.encode(beamline_ext.hmac(
               beamline_internal.devstate_entry_message(e.id, e.ts, e.actor, e.action, e.cp_from, e.cp_to,
                   e.state_checksum, e.key_id, e.hmac_prev, e.metadata_canonical),
               pg_catalog.decode(p_keys ->> e.key_id, 'hex'), 'sha256'), 'hex'))
      from devstate.history_entries e
     where (p_from is null or e.id >= p_from) and (p_to is null or e.id <= p_to)
$$;

comment on function beamline_internal.devstate_verify_hmacs(bigint, bigint, jsonb) is
    'Count, first / last id and the first id with a wrong hmac (or metadata that is not its signed canonical text) among entries p_from..p_to, under the keys {key_id: hex}; parallel-safe aggregate used by verify_hmac_chain.';
