-- The pg_temp attack (issue 11, critical), performed against EVERY API function.
-- A caller's temporary schema is searched first for relation and type names unless the
-- search_path names pg_temp explicitly (last). On f076be9 (search_path = '') the application
-- role planted `create domain pg_temp.text ... check (pg_temp.f())`, called beamline.validate,
-- and f ran as beamline_owner.
-- Everything is generated from the catalog, so new functions, tables and types are covered:
--   * types: every type named in our functions' signatures, our tables' columns, and every
--     pg_catalog type whose name appears in a function body, plus common ones (text, jsonb,
--     uuid, int4, ..., name, regclass, record): a pg_temp DOMAIN of that name whose CHECK calls
--     the planted pg_temp.attack_hit() (or a same-named composite type where no domain fits);
--   * relations: every table, view and sequence of our schemas and every pg_catalog relation:
--     a pg_temp VIEW of that name with the same columns, whose rows call attack_hit(), with
--     INSTEAD OF INSERT / UPDATE / DELETE triggers that call it too;
--   * functions: every function of ours and every pg_catalog function called by name in a
--     body, same argument types, in pg_temp, calling attack_hit();
--   * then, as the application role, every function it may EXECUTE in beamline and devstate
--     (pg_proc + has_function_privilege) is called three times (plausible arguments twice, so
--     second calls find what the first created, then all NULL), each call in its own
--     exception block.
-- attack_hit() counts, in a sequence (not rolled back with a failing call), every run whose
-- current_user is neither the application role nor the session user (the test's superuser),
-- and then tries what the review's attacker did: grant itself SELECT on the audit log, disable
-- its append-only trigger, delete another tenant's rows (on f076be9 these stuck).
-- Cases:
--   * the database the toolkit creates gives neither PUBLIC nor the app role TEMP;
--   * the plants are live (the app role's own casts ran attack_hit: the attack is real);
--   * every API function was called (none skipped);
--   * no planted code ran as another role (offending calls listed);
--   * owner-only state is unchanged: trigger enabled flags, ACLs of our schemas, tables,
--     functions and the database, role memberships, function definitions and settings, and
--     another tenant's audit rows.
begin;
select plan(7);

-- ===== as the superuser: the victim state and the snapshot =====
-- Another tenant's audit rows, written directly (no function of ours runs before the plants,
-- so every one of them is compiled with the planted objects in place).
set local session_replication_role = replica;
-- (triggers off, so the hash-chain columns are filled here: placeholders, never verified)
insert into beamline.policy_audit_log (tenant_id, policy_id, action, actor, new_data, metadata, seq, prev_hash, row_hash)
select 'victim', 'vp' || g, 'CREATE', 'vic', pg_catalog.jsonb_build_object('n', g), '{}',
       g, pg_catalog.repeat('0', 64), pg_catalog.md5(g::pg_catalog.text) || pg_catalog.md5(g::pg_catalog.text)
  from pg_catalog.generate_series(1, 5) g;
set local session_replication_role = origin;

-- Owner-only state, one row per component; compared before and after (differences listed).
create function pg_temp.owner_state() returns table (component pg_catalog.text, value pg_catalog.text)
    stable
    set search_path = pg_catalog, pg_temp
    language sql
as $$
select 'triggers', pg_catalog.string_agg(t.tgrelid::pg_catalog.regclass::pg_catalog.text || '.' || t.tgname || '=' || t.tgenabled::pg_catalog.text, ',' order by t.tgrelid, t.tgname)
  from pg_catalog.pg_trigger t join pg_catalog.pg_class c on c.oid = t.tgrelid
 where c.relnamespace in ('beamline'::pg_catalog.regnamespace, 'devstate'::pg_catalog.regnamespace, 'beamline_internal'::pg_catalog.regnamespace)
union all
select 'relation acls', pg_catalog.string_agg(c.oid::pg_catalog.regclass::pg_catalog.text || '=' || coalesce(c.relacl::pg_catalog.text, '-'), ',' order by c.oid)
  from pg_catalog.pg_class c
 where c.relnamespace in ('beamline'::pg_catalog.regnamespace, 'devstate'::pg_catalog.regnamespace, 'beamline_internal'::pg_catalog.regnamespace, 'beamline_admin'::pg_catalog.regnamespace)
union all
select 'functions', pg_catalog.string_agg(p.oid::pg_catalog.regprocedure::pg_catalog.text || '=' || coalesce(p.proacl::pg_catalog.text, '-') || pg_catalog.md5(p.prosrc)
                                          || coalesce(p.proconfig::pg_catalog.text, '-') || p.prosecdef::pg_catalog.text, ',' order by p.oid)
  from pg_catalog.pg_proc p
 where p.pronamespace in ('beamline'::pg_catalog.regnamespace, 'devstate'::pg_catalog.regnamespace, 'beamline_internal'::pg_catalog.regnamespace, 'beamline_admin'::pg_catalog.regnamespace)
union all
select 'schema acls', pg_catalog.string_agg(n.nspname || '=' || coalesce(n.nspacl::pg_catalog.text, '-'), ',' order by n.nspname)
  from pg_catalog.pg_namespace n where n.nspname in ('beamline', 'devstate', 'beamline_internal', 'beamline_admin', 'beamline_ext')
union all
select 'database acl', coalesce(d.datacl::pg_catalog.text, '-') from pg_catalog.pg_database d where d.datname = pg_catalog.current_database()
union all
select 'memberships', pg_catalog.string_agg(m.roleid::pg_catalog.regrole::pg_catalog.text || '>' || m.member::pg_catalog.regrole::pg_catalog.text, ',' order by m.roleid, m.member)
  from pg_catalog.pg_auth_members m
union all
select 'roles', pg_catalog.string_agg(r.rolname || r.rolsuper::pg_catalog.text || r.rolcreaterole::pg_catalog.text || r.rolbypassrls::pg_catalog.text, ',' order by r.rolname)
  from pg_catalog.pg_roles r
union all
select 'victim audit rows', pg_catalog.string_agg(a.id::pg_catalog.text || a.action || a.actor || a.new_data::pg_catalog.text, ',' order by a.id)
  from beamline.policy_audit_log a where a.tenant_id = 'victim'
$$;
create temp table owner_state_before as select * from pg_temp.owner_state();


select is(array(select g from pg_catalog.unnest(array['public', 'beamline_app']) g
                 where pg_catalog.has_database_privilege(g, pg_catalog.current_database(), 'TEMPORARY')),
          array[]::text[], 'the toolkit-created database gives neither PUBLIC nor the app role TEMP');

-- An existing database where PUBLIC still holds TEMP (docs/SECURITY.md says how to take it
-- away): the search_path must protect on its own. Rolled back with the file.
select pg_catalog.format('grant temporary on database %I to beamline_app', pg_catalog.current_database()) \gexec

-- ===== as the application role: plant =====
set local role beamline_app;

create sequence pg_temp.attack_owner_hits;
create sequence pg_temp.attack_app_hits;
grant usage, select, update on sequence pg_temp.attack_owner_hits, pg_temp.attack_app_hits to public;

-- The planted payload. Its own SET clause keeps it from resolving its own planted types.
create function pg_temp.attack_hit() returns boolean
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if current_user operator(pg_catalog.=) 'beamline_app'::pg_catalog.name then
        perform pg_catalog.nextval('pg_temp.attack_app_hits'::pg_catalog.regclass);
    elsif current_user operator(pg_catalog.<>) session_user then
        perform pg_catalog.nextval('pg_temp.attack_owner_hits'::pg_catalog.regclass);
        -- what the review's attacker did with the owner's rights
        begin
            grant select on beamline.policy_audit_log to beamline_app;
            alter table beamline.policy_audit_log disable trigger append_only;
            delete from beamline.policy_audit_log where tenant_id operator(pg_catalog.=) 'victim';
            alter table beamline.policy_audit_log enable trigger append_only;
        exception when others then
            null;
        end;
    end if;
    return true;
end
$$;
create function pg_temp.attack_trigger() returns trigger
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform pg_temp.attack_hit();
    return null;
end
$$;
grant execute on function pg_temp.attack_hit(), pg_temp.attack_trigger() to public;

create temp table attack_plants (kind pg_catalog.text, name pg_catalog.text, ok pg_catalog.bool);

do $plant$
declare
    c_ours constant pg_catalog.oid[] := array['beamline'::pg_catalog.regnamespace, 'devstate'::pg_catalog.regnamespace,
                                               'beamline_internal'::pg_catalog.regnamespace, 'beamline_admin'::pg_catalog.regnamespace]::pg_catalog.oid[];
    v_rel  pg_catalog.record;
    v_typ  pg_catalog.record;
    v_fn   pg_catalog.record;
    v_cols pg_catalog.text;
    v_ok   pg_catalog.bool;
begin
    -- relations first (a view brings its own row type of that name)
    for v_rel in
        select distinct on (c.relname) c.oid, c.relname::pg_catalog.text as relname
          from pg_catalog.pg_class c
         where (c.relnamespace operator(pg_catalog.=) any (c_ours)
                or c.relnamespace operator(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace)
           and c.relkind operator(pg_catalog.=) any ('{r,p,v,m,S,f}'::pg_catalog."char"[])
         order by c.relname, c.relnamespace operator(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
    loop
        select pg_catalog.string_agg(pg_catalog.format('null::%I.%I as %I', tn.nspname, t.typname, a.attname), ', ' order by a.attnum)
          into v_cols
          from pg_catalog.pg_attribute a
          join pg_catalog.pg_type t on t.oid operator(pg_catalog.=) a.atttypid
          join pg_catalog.pg_namespace tn on tn.oid operator(pg_catalog.=) t.typnamespace
         where a.attrelid operator(pg_catalog.=) v_rel.oid and a.attnum operator(pg_catalog.>) 0 and not a.attisdropped;
        begin
            execute pg_catalog.format('create view pg_temp.%I as select %s where pg_temp.attack_hit()',
                                      v_rel.relname, coalesce(v_cols, 'true as hit'));
            execute pg_catalog.format('create trigger attack instead of insert or update or delete on pg_temp.%I
                                       for each row execute function pg_temp.attack_trigger()', v_rel.relname);
            v_ok := true;
        exception when others then
            v_ok := false;
        end;
        insert into pg_temp.attack_plants values ('view', v_rel.relname, v_ok);
    end loop;

    -- types: signatures and columns of ours, pg_catalog types named in our bodies, common ones
    for v_typ in
        with body_words(word) as (
            select distinct pg_catalog.lower(m[1])
              from pg_catalog.pg_proc p, pg_catalog.regexp_matches(p.prosrc, '([A-Za-z_][A-Za-z0-9_]*)', 'g') m
             where p.pronamespace operator(pg_catalog.=) any (c_ours)
        ), used(oid) as (
            select pg_catalog.unnest(p.proargtypes::pg_catalog.oid[] operator(pg_catalog.||) coalesce(p.proallargtypes, '{}'::pg_catalog.oid[])
                                     operator(pg_catalog.||) p.prorettype)
              from pg_catalog.pg_proc p where p.pronamespace operator(pg_catalog.=) any (c_ours)
            union
            select a.atttypid from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid operator(pg_catalog.=) a.attrelid
             where c.relnamespace operator(pg_catalog.=) any (c_ours) and a.attnum operator(pg_catalog.>) 0
            union
            select t.oid from pg_catalog.pg_type t
             where t.typnamespace operator(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
               and (t.typname operator(pg_catalog.=) any ('{text,jsonb,json,uuid,int2,int4,int8,bool,timestamptz,timestamp,interval,numeric,name,regclass,regtype,regprocedure,regnamespace,record,bytea,varchar,bpchar,char,oid,float8,date,xid8,void,trigger}'::pg_catalog.name[])
                    or t.typname operator(pg_catalog.=) any (select w.word::pg_catalog.name from body_words w))
        )
        select distinct on (t.typname) t.typname::pg_catalog.text as typname, t.typtype, bt.oid as base, bn.nspname::pg_catalog.text as bnsp
          from used u
          join pg_catalog.pg_type t0 on t0.oid operator(pg_catalog.=) u.oid
          -- an array type plants its element's name (the domain brings the array type along)
          join pg_catalog.pg_type t on t.oid operator(pg_catalog.=) case when t0.typcategory operator(pg_catalog.=) 'A' and t0.typelem operator(pg_catalog.<>) 0 then t0.typelem else t0.oid end
          left join pg_catalog.pg_type bt on bt.typnamespace operator(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                                         and bt.typname operator(pg_catalog.=) t.typname and bt.typtype operator(pg_catalog.=) any ('{b,e,r,m,d}'::pg_catalog."char"[])
          left join pg_catalog.pg_namespace bn on bn.oid operator(pg_catalog.=) bt.typnamespace
         where not exists (select 1 from pg_catalog.pg_class c
                            where c.relnamespace operator(pg_catalog.=) pg_catalog.pg_my_temp_schema() and c.relname operator(pg_catalog.=) t.typname)
         order by t.typname
    loop
        begin
            execute pg_catalog.format('create domain pg_temp.%I as %s check (pg_temp.attack_hit())', v_typ.typname,
                                      case when v_typ.base is not null then pg_catalog.format('%I.%I', v_typ.bnsp, v_typ.typname)
                                           else 'pg_catalog.int4' end);
            v_ok := true;
        exception when others then
            begin
                execute pg_catalog.format('create type pg_temp.%I as (hit pg_catalog.bool)', v_typ.typname);
                v_ok := true;
            exception when others then
                v_ok := false;
            end;
        end;
        insert into pg_temp.attack_plants values ('type', v_typ.typname, v_ok);
    end loop;

    -- SQL's keyword spellings (integer, boolean, ...) always mean pg_catalog's types; planted
    -- anyway, as a guard against a future spelling that is looked up by name
    foreach v_cols in array '{integer,bigint,smallint,boolean,real,decimal,character,varying,double,precision,time,zone}'::pg_catalog.text[] loop
        begin
            execute pg_catalog.format('create domain pg_temp.%I as pg_catalog.int4 check (pg_temp.attack_hit())', v_cols);
            v_ok := true;
        exception when others then
            v_ok := false;
        end;
        insert into pg_temp.attack_plants values ('type', v_cols, v_ok);
    end loop;

    -- functions: ours, and pg_catalog functions called by name in our bodies, same arguments
    for v_fn in
        select p.proname::pg_catalog.text as proname,
               (select pg_catalog.string_agg(pg_catalog.format('%I.%I', tn.nspname, t.typname), ', ' order by a.n)
                  from pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) with ordinality a(typ, n)
                  join pg_catalog.pg_type t on t.oid operator(pg_catalog.=) a.typ
                  join pg_catalog.pg_namespace tn on tn.oid operator(pg_catalog.=) t.typnamespace) as args
          from pg_catalog.pg_proc p
         where p.prokind operator(pg_catalog.=) 'f'
           and (p.pronamespace operator(pg_catalog.=) any (c_ours)
                or (p.pronamespace operator(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                    and p.proname operator(pg_catalog.=) any (
                        select distinct pg_catalog.lower(m[1])::pg_catalog.name
                          from pg_catalog.pg_proc o, pg_catalog.regexp_matches(o.prosrc, '([A-Za-z_][A-Za-z0-9_]*)\s*\(', 'g') m
                         where o.pronamespace operator(pg_catalog.=) any (c_ours))))
    loop
        begin
            execute pg_catalog.format('create function pg_temp.%I(%s) returns pg_catalog.int4 language plpgsql
                                       as $f$ begin perform pg_temp.attack_hit(); return 1; end $f$',
                                      v_fn.proname, coalesce(v_fn.args, ''));
            v_ok := true;
        exception when others then
            v_ok := false;  -- pseudo-type arguments ("any", internal) or a duplicate signature
        end;
        insert into pg_temp.attack_plants values ('function', v_fn.proname, v_ok);
    end loop;
end
$plant$;

-- The plants are live: the application role's own cast to text runs the planted check.
select 'x'::text as probe \gset
select case when s.is_called then s.last_value else 0 end as app_hits_after_plant
  from pg_temp.attack_app_hits s \gset
select (select pg_catalog.count(*) from pg_temp.attack_plants where ok) as planted,
       (select pg_catalog.string_agg(distinct kind || ' ' || name, ', ') from pg_temp.attack_plants
         where name operator(pg_catalog.=) any ('{text,jsonb,uuid,int4,int8,bool,timestamptz,interval,numeric,name,regclass,record,policies,policy_audit_log,user_roles,tenant_quotas,history_entries}'::pg_catalog.text[])
           and ok) as planted_core
\gset

-- ===== as the superuser: a tenant for the attacker (after the plants: compiled with them) =====
reset role;
select pg_catalog.set_config('beamline.hmac_secret', 'test-only-attack-key', true) \gset
select tests.bootstrap('atk', 'attacker') \gset
select tests.bootstrap('devstate', 'attacker') \gset
-- ===== as the application role: call every API function =====
set local role beamline_app;

create temp table attack_calls (fn pg_catalog.text, pass pg_catalog.int4, sqlstate pg_catalog.text, owner_hits pg_catalog.int8);

do $drive$
declare
    v_fn    pg_catalog.record;
    v_args  pg_catalog.text;
    v_state pg_catalog.text;
    v_hits0 pg_catalog.int8;
    v_hits1 pg_catalog.int8;
    c_doc constant pg_catalog.text :=
        '{"providers":[{"id":"openai","weight":100}],"rules":[{"id":"r1","match":{"model":"*"},"route":["openai"]}]}';
begin
    for pass in 1..3 loop
        for v_fn in
            select n.nspname::pg_catalog.text as nsp, p.proname::pg_catalog.text as proname, p.oid,
                   p.proargtypes::pg_catalog.oid[] as types, p.proargnames as names
              from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace
             where n.nspname operator(pg_catalog.=) any ('{beamline,devstate}'::pg_catalog.name[])
               and pg_catalog.has_function_privilege('beamline_app', p.oid, 'EXECUTE')
             order by p.proname operator(pg_catalog.<>) 'put_policy', p.proname, p.oid
        loop
            select pg_catalog.string_agg(
                       case when pass operator(pg_catalog.=) 3 or a.val is null then pg_catalog.format('null::pg_catalog.%I', t.typname)
                            else pg_catalog.format('%L::pg_catalog.%I', a.val, t.typname) end,
                       ', ' order by a.n)
              into v_args
              from pg_catalog.unnest(v_fn.types) with ordinality u(typ, n)
              join pg_catalog.pg_type t on t.oid operator(pg_catalog.=) u.typ
              cross join lateral (select u.n, coalesce(v_fn.names[u.n], '') as pname) nm
              cross join lateral (select nm.n, case t.typname
                  when 'text' then case
                      when nm.pname operator(pg_catalog.~) 'tenant' then 'atk'
                      when nm.pname operator(pg_catalog.~) 'actor|owner' then 'attacker'
                      when nm.pname operator(pg_catalog.~) 'user' then 'u2'
                      when nm.pname operator(pg_catalog.~) 'policy' then 'pol1'
                      when nm.pname operator(pg_catalog.~) 'role' then 'viewer'
                      when nm.pname operator(pg_catalog.~) 'action' then 'policy:read'
                      when nm.pname operator(pg_catalog.~) 'name' then 'policy/atk'
                      when nm.pname operator(pg_catalog.~) 'scope' then 'state'
                      when nm.pname operator(pg_catalog.~) 'checksum|cursor' then null
                      else 'x' end
                  when 'jsonb' then case
                      when nm.pname operator(pg_catalog.~) 'schema' then '{"type": "object"}'
                      when nm.pname operator(pg_catalog.~) 'entries' then '[{"action": "a1", "data": {"n": 1}}]'
                      when nm.pname operator(pg_catalog.~) 'entry' then '{"action": "a1", "metadata": {"n": 1}}'
                      when nm.pname operator(pg_catalog.~) 'permissions|filters' then case when nm.pname operator(pg_catalog.~) 'permissions' then '[]' else '{}' end
                      when nm.pname operator(pg_catalog.~) 'patch' then '{"note": "x"}'
                      else c_doc end
                  when 'int4' then case when nm.pname operator(pg_catalog.~) 'expected' then null else '1' end
                  when 'int8' then '0'
                  when 'interval' then '1 hour'
                  when 'timestamptz' then (pg_catalog.now() operator(pg_catalog.+) '1 day'::pg_catalog.interval)::pg_catalog.text
                  when 'uuid' then pg_catalog.gen_random_uuid()::pg_catalog.text
                  when 'bool' then 'false'
                  else null end as val) a;
            v_hits0 := (select case when s.is_called then s.last_value else 0 end from pg_temp.attack_owner_hits s);
            begin
                execute pg_catalog.format('select pg_catalog.count(*) from %I.%I(%s) as r', v_fn.nsp, v_fn.proname, coalesce(v_args, ''));
                v_state := '00000';
            exception when others then
                get stacked diagnostics v_state = returned_sqlstate;
            end;
            v_hits1 := (select case when s.is_called then s.last_value else 0 end from pg_temp.attack_owner_hits s);
            insert into pg_temp.attack_calls
            values (v_fn.oid::pg_catalog.regprocedure::pg_catalog.text, pass, v_state, v_hits1 operator(pg_catalog.-) v_hits0);
        end loop;
    end loop;
end
$drive$;

select (select pg_catalog.count(distinct fn) from pg_temp.attack_calls) as functions_called,
       (select pg_catalog.count(*) from pg_catalog.pg_proc p
         where p.pronamespace operator(pg_catalog.=) any (array['beamline'::pg_catalog.regnamespace, 'devstate'::pg_catalog.regnamespace]::pg_catalog.oid[])
           and pg_catalog.has_function_privilege('beamline_app', p.oid, 'EXECUTE')) as functions_executable,
       (select case when s.is_called then s.last_value else 0 end from pg_temp.attack_owner_hits s) as owner_hits,
       coalesce((select pg_catalog.string_agg(pg_catalog.format('%s (pass %s, %s, %s runs)', fn, pass, sqlstate, owner_hits), '; ' order by fn, pass)
                   from pg_temp.attack_calls where owner_hits operator(pg_catalog.>) 0), '') as owner_hit_calls,
       (select pg_catalog.string_agg(pg_catalog.format('%s:%s', s.sqlstate, s.n), ' ' order by s.sqlstate)
          from (select c.sqlstate, pg_catalog.count(*) as n from pg_temp.attack_calls c group by 1) s) as call_outcomes
\gset

-- ===== as the superuser: remove every planted object, then assert =====
reset role;
-- (not DISCARD TEMP: pgTAP keeps its plan in temporary tables of the superuser)
do $unplant$
declare
    v_obj pg_catalog.record;
begin
    for v_obj in
        select 'view' as kind, pg_catalog.format('pg_temp.%I', c.relname) as name from pg_catalog.pg_class c
         where c.relnamespace operator(pg_catalog.=) pg_catalog.pg_my_temp_schema() and c.relkind operator(pg_catalog.=) 'v'
        union all
        select 'type', pg_catalog.format('pg_temp.%I', t.typname) from pg_catalog.pg_type t
         where t.typnamespace operator(pg_catalog.=) pg_catalog.pg_my_temp_schema() and t.typtype operator(pg_catalog.=) any ('{d,c}'::pg_catalog."char"[])
           and t.typowner operator(pg_catalog.=) 'beamline_app'::pg_catalog.regrole
           and (t.typrelid operator(pg_catalog.=) 0 or exists (select 1 from pg_catalog.pg_class c where c.oid operator(pg_catalog.=) t.typrelid and c.relkind operator(pg_catalog.=) 'c'))
        union all
        select 'function', p.oid::pg_catalog.regprocedure::pg_catalog.text from pg_catalog.pg_proc p
         where p.pronamespace operator(pg_catalog.=) pg_catalog.pg_my_temp_schema() and p.proowner operator(pg_catalog.=) 'beamline_app'::pg_catalog.regrole
        union all
        select 'table', pg_catalog.format('pg_temp.%I', c.relname) from pg_catalog.pg_class c
         where c.relnamespace operator(pg_catalog.=) pg_catalog.pg_my_temp_schema() and c.relkind operator(pg_catalog.=) any ('{r,S}'::pg_catalog."char"[])
           and c.relowner operator(pg_catalog.=) 'beamline_app'::pg_catalog.regrole
        order by 1 desc
    loop
        begin
            execute pg_catalog.format('drop %s if exists %s cascade',
                                      case v_obj.kind when 'view' then 'view' when 'type' then 'type' when 'function' then 'function'
                                           else 'table' end, v_obj.name);
        exception when wrong_object_type then
            execute pg_catalog.format('drop sequence if exists %s cascade', v_obj.name);
        end;
    end loop;
end
$unplant$;
select pg_catalog.format('revoke temporary on database %I from beamline_app', pg_catalog.current_database()) \gexec

\echo # calls by SQLSTATE: :call_outcomes
select ok(:app_hits_after_plant > 0 and :planted > 100,
          'the plants are live: ' || :planted || ' objects, the app role''s own cast ran the planted check (core plants: ' || :'planted_core' || ')');
select cmp_ok(:functions_called, '>=', 30, 'there are API functions to attack');
select is(:functions_called, :functions_executable, 'every API function the app role can execute was called');
select is(:'owner_hit_calls'::text, ''::text, 'no planted code ran as another role in any call (offending calls listed)');
select is(:owner_hits::int, 0, 'planted code ran as another role 0 times');
select is(array(select pg_catalog.format('%s: %s -> %s', b.component, b.value, a.value)
                  from pg_temp.owner_state_before b join pg_temp.owner_state() a using (component)
                 where a.value is distinct from b.value order by 1),
          array[]::text[],
          'owner-only state unchanged: triggers enabled, ACLs, memberships, function definitions, another tenant''s audit rows');

select * from finish();
rollback;
