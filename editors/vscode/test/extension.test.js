'use strict';
// The extension's glue, loaded against the `vscode` stand-in: provider registration, secrets
// from SecretStorage (never settings), commands, masking in the output channel.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { createStub, createSecretStorage, loadExtensionWith } = require('./support/vscode-stub');

const FAKE = path.join(__dirname, 'support', 'fake-beamline');
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));

function activate(stubOptions, secrets = {}) {
  const stub = createStub(stubOptions);
  const context = { subscriptions: [], secrets: createSecretStorage(secrets) };
  loadExtensionWith(stub).activate(context);
  return { ...stub, context };
}

const baseSettings = { actor: 'alice', databaseUrl: 'postgresql://router@db:5432/beamline', executable: FAKE };
const storedSecrets = { 'beamline-store.databasePassword': 'db-pass-42', 'beamline-store.hmacSecret': 'hmac-key-42' };

test('activate registers the MCP provider under the id the manifest contributes, and every command', () => {
  const { calls } = activate({ settings: baseSettings });
  assert.deepEqual([...calls.providers.keys()], manifest.contributes.mcpServerDefinitionProviders.map((p) => p.id));
  assert.deepEqual([...calls.commands.keys()].sort(), manifest.contributes.commands.map((c) => c.command).sort());
});

test('provide lists the server without secrets; resolve adds them from SecretStorage', async () => {
  const { calls } = activate({ settings: baseSettings }, storedSecrets);
  const provider = calls.providers.get('beamline-store.mcp');
  const [def] = await provider.provideMcpServerDefinitions();
  assert.equal(def.command, FAKE);
  assert.deepEqual(def.args, ['mcp', '--read-only']);
  assert.deepEqual(def.env, {
    DATABASE_URL: 'postgresql://router@db:5432/beamline',
    BEAMLINE_ACTOR: 'alice',
    BEAMLINE_MCP_ROOT: `${os.tmpdir()}/.trae`, // the file root: the (stub) workspace folder's .trae
  });
  const resolved = await provider.resolveMcpServerDefinition(def);
  assert.equal(resolved.env.DATABASE_URL, 'postgresql://router:db-pass-42@db:5432/beamline');
  assert.equal(resolved.env.BEAMLINE_HMAC_SECRET, 'hmac-key-42');
  const out = calls.output.join('\n');
  assert.ok(out.includes('postgresql://router:[MASKED]@db:5432/beamline'), out);
  assert.ok(!out.includes('db-pass-42') && !out.includes('hmac-key-42'), out);
});

test('without an actor no server is offered, and the reason is logged', async () => {
  const { calls } = activate({ settings: { executable: FAKE } });
  assert.deepEqual(await calls.providers.get('beamline-store.mcp').provideMcpServerDefinitions(), []);
  assert.match(calls.output.join('\n'), /set beamline-store.actor/);
});

test('settings changes fire onDidChangeMcpServerDefinitions', () => {
  const stub = activate({ settings: baseSettings });
  let fired = 0;
  stub.calls.providers.get('beamline-store.mcp').onDidChangeMcpServerDefinitions(() => { fired += 1; });
  stub.fireConfigChange('beamline-store');
  stub.fireConfigChange('editor');
  assert.equal(fired, 1);
});

test('an editor without the MCP provider API (older TRAE) still gets the commands', () => {
  const { calls } = activate({ settings: baseSettings, withMcpApi: false });
  assert.equal(calls.providers.size, 0);
  assert.equal(calls.commands.size, manifest.contributes.commands.length);
  assert.match(calls.output.join('\n'), /mcpServers configuration/);
});

test('verify history chain reports success and a broken chain', async () => {
  const ok = activate({ settings: baseSettings }, storedSecrets);
  assert.deepEqual(await ok.calls.commands.get('beamline-store.verifyHistoryChain')(), {
    checked: 5, first_id: 1, head: 'ab'.repeat(32), last_id: 5, ok: true,
  });
  assert.deepEqual(ok.calls.messages, [['info', 'DevState history chain verified (5 entries)']]);
  const broken = activate({ settings: baseSettings }, storedSecrets);
  process.env.FAKE_BROKEN = '1';
  try {
    await broken.calls.commands.get('beamline-store.verifyHistoryChain')();
  } finally {
    delete process.env.FAKE_BROKEN;
  }
  // The real CLI exits 9 with the first bad entry on its error line: a warning, not an error.
  assert.deepEqual(broken.calls.messages, [
    ['warning', 'DevState history chain is broken: the chain does not verify: bad hmac ({"id": 3, "reason": "bad hmac"})'],
  ]);
});

test('export writes to <workspace>/.trae', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-ext-'));
  try {
    const { calls } = activate({ settings: baseSettings, folder }, storedSecrets);
    const out = await calls.commands.get('beamline-store.exportDevStateFiles')();
    assert.equal(out.dir, path.join(folder, '.trae'));
    assert.deepEqual(calls.messages, [['info', `DevState exported to ${path.join(folder, '.trae')}`]]);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test('open policy asks tenant and id and opens the JSON document', async () => {
  const { calls } = activate({ settings: { ...baseSettings, defaultTenant: 'acme' }, inputs: ['acme', 'routing'] }, storedSecrets);
  await calls.commands.get('beamline-store.openPolicy')();
  assert.equal(calls.documents.length, 1);
  assert.equal(calls.documents[0].language, 'json');
  assert.equal(JSON.parse(calls.documents[0].content).policy_id, 'routing');
});

test('a failing command shows one masked error line', async () => {
  const settings = { ...baseSettings };
  const { calls } = activate({ settings }, storedSecrets);
  process.env.FAKE_FAIL = 'ChainBroken: bad link';
  try {
    await calls.commands.get('beamline-store.verifyHistoryChain')();
  } finally {
    delete process.env.FAKE_FAIL;
  }
  assert.equal(calls.messages.length, 1);
  const [kind, text] = calls.messages[0];
  assert.equal(kind, 'error');
  assert.equal(text, 'verify history chain: beamline: error: ChainBroken: bad link (url postgresql://router:[MASKED]@db:5432/beamline)');
  assert.ok(!calls.output.join('\n').includes('db-pass-42'));
});

test('set secrets stores into SecretStorage, never into settings', async () => {
  const stub = activate({ settings: baseSettings, inputs: ['new-pass', undefined] });
  await stub.calls.commands.get('beamline-store.setSecrets')();
  assert.equal(stub.context.secrets.map.get('beamline-store.databasePassword'), 'new-pass');
  assert.ok(!stub.context.secrets.map.has('beamline-store.hmacSecret'));
  assert.ok(!JSON.stringify(stub.settings).includes('new-pass'));
});
