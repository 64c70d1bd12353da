-- verify_audit_chain: check a tenant's audit hash chain (docs/AUDIT.md "Tamper evidence"),
-- set-based: one scan of the tenant's rows, with a window per lane for the links, recomputing
-- every row_hash. Needs audit:read in p_tenant. For each lane of the tenant's chain:
--   * the lane starts after its cleanup anchor (beamline_internal.audit_chain_anchors), or at
--     seq 1 with prev_hash = 64 zeros;
--   * each row's seq is the previous row's + 1, its prev_hash the previous row's row_hash, its
--     row_hash the hash of its own canonical message (beamline_internal.audit_row_hash);
--   * the last row is the head recorded in beamline_internal.audit_chain_heads;
--   * p_expected_head, a head exported earlier by beamline.audit_chain_head
--     ({"lanes": [{"lane", "seq", "head"}]}; a pre-lanes {"seq", "head"} is lane 0), must still
--     be in the chain: per lane, its seq not beyond the last row, and the row at that seq
--     carrying that hash (a head older than the last cleanup cannot be checked: it is reported
--     as "expected_head": "removed by cleanup", not as an error).
-- Returns {"ok": true, "tenant", "checked", "lanes": [{"lane", "checked", "first_seq",
-- "last_seq", "head", "anchor_seq", "expected_head"?}], "expected_head"?} or, for the first bad
-- position (lane, then seq), the same with {"ok": false, "lane", "seq", "id"?, "reason"}:
--   "missing rows"     seq skips (rows removed in the middle, or the first rows without a cleanup)
--   "bad hash"         the row's content is not what was hashed (an edit)
--   "bad link"         prev_hash is not the previous row's hash (a row replaced or inserted)
--   "truncated"        rows after the last one were removed (seq = the recorded / expected head)
--   "head mismatch"    the recorded head is not the last row (the head row was rewritten)
--   "unexpected head"  the exported head's position holds another hash (the chain was rewritten)
--   BL007  bad tenant / actor / expected head;  BL001  actor lacks audit:read
create or replace function beamline.verify_audit_chain(p_tenant text, p_actor text, p_expected_head jsonb default null)
    returns jsonb
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:read');
    return beamline_internal.audit_chain_verify(p_tenant, p_expected_head);
end;
$$;

comment on function beamline.verify_audit_chain(text, text, jsonb) is
    'Verify a tenant''s audit hash chain, every lane (set-based): {"ok": true, "checked", "lanes": [...]} or the first bad {"lane", "seq", "id", "reason"} (missing rows, bad hash, bad link, truncated, head mismatch, unexpected head); optional exported head {"lanes": [{"lane", "seq", "head"}]} to catch truncation and rewrites. Needs audit:read.';
