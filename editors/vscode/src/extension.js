'use strict';
// Editor glue (VS Code and TRAE): wires settings, SecretStorage, the output channel, the MCP
// server definition provider and the commands. The logic lives in the pure modules next to it.

const os = require('node:os');
const vscode = require('vscode');
const { SECTION, PROVIDER_ID, SECRET_KEYS, readSettings, buildServerSpec } = require('./serverDefinition');
const { createMcpProvider } = require('./provider');
const { createCommands } = require('./commands');
const { maskLine } = require('./masking');

function workspaceFolder() {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length ? folders[0].uri.fsPath : undefined;
}

function paths() {
  return { workspaceFolder: workspaceFolder(), homeDir: os.homedir() };
}

async function readSecrets(secretStorage) {
  return {
    databasePassword: await secretStorage.get(SECRET_KEYS.databasePassword),
    hmacSecret: await secretStorage.get(SECRET_KEYS.hmacSecret),
  };
}

function activate(context) {
  const output = vscode.window.createOutputChannel('beamline-store');
  context.subscriptions.push(output);
  let known = [];
  const log = (line) => output.appendLine(maskLine(line, known));
  const getSettings = () => readSettings(vscode.workspace.getConfiguration(SECTION));
  const getSecrets = async () => {
    const secrets = await readSecrets(context.secrets);
    known = [secrets.databasePassword, secrets.hmacSecret].filter(Boolean);
    return secrets;
  };

  const changed = new vscode.EventEmitter();
  context.subscriptions.push(changed);
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) changed.fire();
  }));
  context.subscriptions.push(context.secrets.onDidChange((e) => {
    if (e.key.startsWith(`${SECTION}.`)) changed.fire();
  }));

  if (vscode.lm && typeof vscode.lm.registerMcpServerDefinitionProvider === 'function') {
    const provider = createMcpProvider({
      getSettings,
      getSecrets,
      getPaths: paths,
      makeDefinition: (spec) => new vscode.McpStdioServerDefinition(spec.label, spec.command, spec.args, spec.env, spec.version),
      onDidChange: changed.event,
      log,
    });
    context.subscriptions.push(vscode.lm.registerMcpServerDefinitionProvider(PROVIDER_ID, provider));
  } else {
    log('this editor has no MCP server provider API: add `beamline mcp` to its mcpServers configuration (docs/TRAE.md)');
  }

  const prepare = async () => {
    const settings = getSettings();
    const secrets = await getSecrets();
    return { settings, secrets, spec: buildServerSpec(settings, secrets, paths()) };
  };
  const ui = {
    showInformationMessage: (m) => vscode.window.showInformationMessage(m),
    showWarningMessage: (m) => vscode.window.showWarningMessage(m),
    showErrorMessage: (m) => vscode.window.showErrorMessage(m),
    showInputBox: (o) => vscode.window.showInputBox(o),
    openJsonDocument: async (text) => vscode.window.showTextDocument(
      await vscode.workspace.openTextDocument({ language: 'json', content: text })),
    workspaceFolder,
  };
  const commands = createCommands({ ui, prepare, secretStorage: context.secrets, log });
  for (const [id, handler] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }
}

function deactivate() {}

module.exports = { activate, deactivate };
