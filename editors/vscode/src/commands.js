'use strict';
// The extension's commands, written against a small `ui` surface (the parts of vscode.window /
// vscode.workspace they use) so tests drive them with a stand-in.

const path = require('node:path');
const { COMMAND_ARGS, CliError, EXIT_CHAIN_BROKEN, runCli } = require('./cli');
const { SECRET_KEYS, secretValues } = require('./serverDefinition');
const { maskLine } = require('./masking');

/**
 * @param {object} deps
 * @param {object} deps.ui  {showInformationMessage, showWarningMessage, showErrorMessage,
 *                           showInputBox, openJsonDocument(text), workspaceFolder()}
 * @param {() => Promise<{spec: object, secrets: object, settings: object}>} deps.prepare
 * @param {{get, store, delete}} deps.secretStorage  vscode.SecretStorage
 * @param {(line: string) => void} [deps.log]
 * @param {Function} [deps.execFile]  injected into runCli
 */
function createCommands(deps) {
  const log = deps.log || (() => {});
  const { ui } = deps;

  async function run(args) {
    const { spec, secrets } = await deps.prepare();
    const cwd = ui.workspaceFolder() || undefined;
    return runCli(spec, args, { execFile: deps.execFile, secrets: secretValues(secrets), log, cwd });
  }

  async function guarded(title, body) {
    try {
      return await body();
    } catch (err) {
      const line = maskLine(`${title}: ${err.message}`);
      log(line);
      await ui.showErrorMessage(line);
      return undefined;
    }
  }

  return {
    'beamline-store.verifyHistoryChain': () => guarded('verify history chain', async () => {
      let result;
      try {
        result = await run(COMMAND_ARGS.verifyHistoryChain());
      } catch (err) {
        // The CLI exits 9 (ChainBroken) with the first bad entry and the reason on its error line.
        if (!(err instanceof CliError) || err.exitCode !== EXIT_CHAIN_BROKEN) throw err;
        const reason = err.message.replace(/^beamline: error: (ChainBroken: )?/, '');
        await ui.showWarningMessage(`DevState history chain is broken: ${reason}`);
        return { ok: false, error: err.message };
      }
      if (result && result.ok === true) {
        const count = result.entries ?? result.checked ?? result.count;
        await ui.showInformationMessage(`DevState history chain verified${count !== undefined ? ` (${count} entries)` : ''}`);
      } else {
        const where = result && result.position !== undefined ? ` at entry ${result.position}` : '';
        await ui.showWarningMessage(`DevState history chain is broken${where}: ${result && result.reason ? result.reason : JSON.stringify(result)}`);
      }
      return result;
    }),

    'beamline-store.exportDevStateFiles': () => guarded('export DevState files', async () => {
      const folder = ui.workspaceFolder();
      if (!folder) throw new Error('open a folder first: the files go to <folder>/.trae');
      const dir = path.join(folder, '.trae');
      const result = await run(COMMAND_ARGS.exportDevStateFiles(dir));
      await ui.showInformationMessage(`DevState exported to ${dir}`);
      return result;
    }),

    'beamline-store.openPolicy': () => guarded('open policy', async () => {
      const { settings } = await deps.prepare();
      const tenant = await ui.showInputBox({ prompt: 'Tenant', value: settings.defaultTenant || '', ignoreFocusOut: true });
      if (!tenant) return undefined;
      const policyId = await ui.showInputBox({ prompt: `Policy id in tenant ${tenant}`, ignoreFocusOut: true });
      if (!policyId) return undefined;
      const result = await run(COMMAND_ARGS.getPolicy(tenant, policyId));
      await ui.openJsonDocument(`${JSON.stringify(result, null, 2)}\n`);
      return result;
    }),

    'beamline-store.setSecrets': () => guarded('store secrets', async () => {
      const prompts = [
        [SECRET_KEYS.databasePassword, 'Database password (empty to remove, Esc to keep)'],
        [SECRET_KEYS.hmacSecret, 'BEAMLINE_HMAC_SECRET for the DevState history (empty to remove, Esc to keep)'],
      ];
      const changed = [];
      for (const [key, prompt] of prompts) {
        const value = await ui.showInputBox({ prompt, password: true, ignoreFocusOut: true });
        if (value === undefined) continue;
        if (value === '') await deps.secretStorage.delete(key);
        else await deps.secretStorage.store(key, value);
        changed.push(key);
      }
      await ui.showInformationMessage(changed.length ? `Stored in the editor's secret storage: ${changed.join(', ')}` : 'Secrets unchanged');
      return changed;
    }),
  };
}

module.exports = { createCommands };
