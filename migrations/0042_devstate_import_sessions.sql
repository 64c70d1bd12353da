-- Which transactions have an import open (devstate.import_begin → import_entries).
-- depends: 0041_devstate_initial_state
--
-- A row per importing transaction, written by import_begin and checked by import_entries. It
-- replaces a session setting, which any caller could set itself and so open an "import" on a
-- live, non-empty chain. Only the owner can write here (the API functions run as the owner);
-- rows of finished transactions are pruned by the next import_begin.

create table devstate.import_sessions (
    xid         xid8        not null,
    started_at  timestamptz not null default now(),
    constraint import_sessions_pkey primary key (xid)
);

comment on table devstate.import_sessions is
    'Transactions with a DevState import open (written by devstate.import_begin, checked by devstate.import_entries); not settable by callers.';
