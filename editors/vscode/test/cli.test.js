'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { COMMAND_ARGS, CliError, parseJsonOutput, runCli } = require('../src/cli');

const FAKE = path.join(__dirname, 'support', 'fake-beamline');
const spec = (env = {}) => ({ command: FAKE, env: { DATABASE_URL: 'postgresql://router:pw-9876@db/x', BEAMLINE_ACTOR: 'alice', BEAMLINE_HMAC_SECRET: 'hmac-s3cret', ...env } });
const SECRETS = ['pw-9876', 'hmac-s3cret'];

test('parseJsonOutput reads one JSON document and rejects anything else', () => {
  assert.deepEqual(parseJsonOutput(' {"ok": true}\n'), { ok: true });
  assert.throws(() => parseJsonOutput(''), CliError);
  assert.throws(() => parseJsonOutput('hello'), /not JSON/);
});

test('runCli runs the executable with the env and parses --json output', async () => {
  const lines = [];
  const out = await runCli(spec(), COMMAND_ARGS.getPolicy('acme', 'routing'), { secrets: SECRETS, log: (l) => lines.push(l) });
  assert.deepEqual(out, {
    tenant_id: 'acme', policy_id: 'routing', version: 2, is_active: true, data: { providers: [] },
    created_by: 'alice', updated_by: 'alice',
  });
  assert.deepEqual(lines, ['running ' + FAKE + ' policy get acme routing --json']);
});

test('the command forms are the real CLI\'s (beamline devstate verify|export, policy get --help)', async () => {
  assert.deepEqual(COMMAND_ARGS.verifyHistoryChain(), ['devstate', 'verify', '--json']);
  assert.deepEqual(COMMAND_ARGS.exportDevStateFiles('/w/.trae'), ['devstate', 'export', '--dir', '/w/.trae', '--json']);
  assert.deepEqual(COMMAND_ARGS.getPolicy('acme', 'routing'), ['policy', 'get', 'acme', 'routing', '--json']);
  // The stand-in accepts exactly those option sets, so a wrong form fails like the real CLI.
  const verify = await runCli(spec(), COMMAND_ARGS.verifyHistoryChain());
  assert.equal(verify.ok, true);
  assert.equal(verify.checked, 5);
  const exported = await runCli(spec(), COMMAND_ARGS.exportDevStateFiles('/w/.trae'));
  assert.deepEqual(Object.keys(exported).sort(), ['count', 'dir', 'head', 'state_checksum']);
  assert.equal(exported.dir, '/w/.trae');
  await assert.rejects(runCli(spec(), ['devstate', 'export', '/w/.trae', '--json']), (err) => err.exitCode === 2);
  await assert.rejects(runCli(spec(), ['policy', 'get', '--tenant', 'acme', 'routing', '--json']), (err) => err.exitCode === 2);
});

test('a failing run gives the CLI\'s one error line and exit code, secrets masked everywhere', async () => {
  const lines = [];
  await assert.rejects(
    runCli(spec({ FAKE_FAIL: 'NotFound: policy acme/x', FAKE_EXIT: '4' }), COMMAND_ARGS.verifyHistoryChain(), { secrets: SECRETS, log: (l) => lines.push(l) }),
    (err) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.exitCode, 4);
      assert.equal(err.message, 'beamline: error: NotFound: policy acme/x (url postgresql://router:[MASKED]@db/x)');
      return true;
    },
  );
  const all = lines.join('\n');
  assert.ok(!all.includes('pw-9876') && !all.includes('hmac-s3cret'), all);
  assert.ok(all.includes('with key [MASKED]'), all);
});

test('a missing executable is a clear error', async () => {
  await assert.rejects(runCli({ command: '/nonexistent/beamline', env: {} }, ['x']), /not found \(set beamline-store.executable\)/);
});

test('output that is not JSON is an error', async () => {
  await assert.rejects(runCli(spec(), ['not', 'json']), /not JSON/);
});
