'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const sd = require('../src/serverDefinition');

const config = (values) => ({ get: (k, d) => (k in values ? values[k] : d) });

test('readSettings applies defaults (read-only by default, executable `beamline`)', () => {
  const s = sd.readSettings(config({ actor: ' alice ' }));
  assert.deepEqual(s, { databaseUrl: '', actor: 'alice', readOnly: true, executable: 'beamline', beamlineHome: '', defaultTenant: '' });
});

test('a password in the databaseUrl setting is refused, URL or conninfo form', () => {
  assert.throws(() => sd.readSettings(config({ databaseUrl: 'postgresql://a:pw@h/db' })), sd.SettingsError);
  assert.throws(() => sd.readSettings(config({ databaseUrl: 'host=h password=pw' })), /must not contain a password/);
  assert.doesNotThrow(() => sd.readSettings(config({ databaseUrl: 'postgresql://a@h/db' })));
});

test('withPassword percent-encodes into URLs and quotes into conninfo', () => {
  assert.equal(sd.withPassword('postgresql://a@h:5432/db', 'p@ss:w/rd'), 'postgresql://a:p%40ss%3Aw%2Frd@h:5432/db');
  assert.equal(sd.withPassword("host=h user=a", "it's"), "host=h user=a password='it\\'s'");
  assert.equal(sd.withPassword('postgresql://a@h/db', undefined), 'postgresql://a@h/db');
  assert.throws(() => sd.withPassword('postgresql://h/db', 'pw'), /needs a user name/);
});

test('buildServerSpec: `beamline mcp --read-only`, actor and secrets in env only', () => {
  const settings = sd.readSettings(config({ actor: 'alice', databaseUrl: 'postgresql://router@db/beamline', executable: '${workspaceFolder}/.venv/bin/beamline' }));
  const spec = sd.buildServerSpec(settings, { databasePassword: 'pw1234', hmacSecret: 'hmac-secret' }, { workspaceFolder: '/w' });
  assert.equal(spec.label, 'beamline-store');
  assert.equal(spec.command, '/w/.venv/bin/beamline');
  assert.deepEqual(spec.args, ['mcp', '--read-only']);
  assert.deepEqual(spec.env, {
    DATABASE_URL: 'postgresql://router:pw1234@db/beamline',
    BEAMLINE_ACTOR: 'alice',
    BEAMLINE_HMAC_SECRET: 'hmac-secret',
    BEAMLINE_MCP_ROOT: '/w/.trae',
  });
  assert.ok(!spec.args.join(' ').includes('pw1234'));
});

test('buildServerSpec: writable mode, embedded database home, no secrets', () => {
  const settings = sd.readSettings(config({ actor: 'bob', readOnly: false, beamlineHome: '~/bl' }));
  const spec = sd.buildServerSpec(settings, {}, { homeDir: '/home/bob' });
  assert.deepEqual(spec.args, ['mcp']);
  assert.deepEqual(spec.env, { BEAMLINE_HOME: '/home/bob/bl', BEAMLINE_ACTOR: 'bob' });
});

test('buildServerSpec requires an actor', () => {
  assert.throws(() => sd.buildServerSpec(sd.readSettings(config({})), {}), /set beamline-store.actor/);
});

test('the version changes with read-only mode and never carries a secret', () => {
  const ro = sd.settingsVersion(sd.readSettings(config({ actor: 'a' })));
  const rw = sd.settingsVersion(sd.readSettings(config({ actor: 'a', readOnly: false })));
  assert.notEqual(ro, rw);
  assert.match(ro, /^0\.1\.0\+[0-9a-f]+$/);
});
