-- Baseline for policy_read / rbac_check: the bare lookup get_policy does, with no API around it
-- (unique-index SELECT of the active version of a random policy).
\set tenant random(1, :tenants)
\set policy random(1, :policies)
select version, data from beamline.policies
 where tenant_id = 't' || :tenant::int and policy_id = 'p' || :policy::int and is_active;
