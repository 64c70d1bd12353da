'use strict';
// A small stand-in for the `vscode` module: just the API surface the extension uses, recording
// what the extension does. `installVscodeStub()` makes `require('vscode')` return it.

const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');

class EventEmitter {
  constructor() {
    this.listeners = [];
    this.event = (listener) => {
      this.listeners.push(listener);
      return { dispose: () => { this.listeners = this.listeners.filter((l) => l !== listener); } };
    };
  }
  fire(value) { for (const l of this.listeners) l(value); }
  dispose() { this.listeners = []; }
}

class McpStdioServerDefinition {
  constructor(label, command, args, env, version) {
    Object.assign(this, { label, command, args: args || [], env: env || {}, version });
  }
}

function createStub({ settings = {}, folder = os.tmpdir(), inputs = [], withMcpApi = true } = {}) {
  const calls = { messages: [], documents: [], output: [], providers: new Map(), commands: new Map() };
  const configListeners = new EventEmitter();
  const answers = [...inputs];
  const vscode = {
    EventEmitter,
    McpStdioServerDefinition,
    window: {
      createOutputChannel: (name) => ({ name, appendLine: (l) => calls.output.push(l), dispose() {} }),
      showInformationMessage: async (m) => { calls.messages.push(['info', m]); },
      showWarningMessage: async (m) => { calls.messages.push(['warning', m]); },
      showErrorMessage: async (m) => { calls.messages.push(['error', m]); },
      showInputBox: async (opts) => { calls.messages.push(['input', opts.prompt]); return answers.shift(); },
      showTextDocument: async (doc) => { calls.documents.push(doc); return doc; },
    },
    workspace: {
      workspaceFolders: folder ? [{ uri: { fsPath: folder } }] : undefined,
      getConfiguration: (section) => ({
        get: (key, fallback) => (Object.hasOwn(settings, key) ? settings[key] : fallback),
        section,
      }),
      onDidChangeConfiguration: configListeners.event,
      openTextDocument: async (opts) => ({ ...opts }),
    },
    commands: {
      registerCommand: (id, handler) => { calls.commands.set(id, handler); return { dispose() {} }; },
    },
    lm: withMcpApi
      ? { registerMcpServerDefinitionProvider: (id, provider) => { calls.providers.set(id, provider); return { dispose() {} }; } }
      : {},
  };
  return { vscode, calls, settings, fireConfigChange: (section) => configListeners.fire({ affectsConfiguration: (s) => s === section }) };
}

/** A vscode.SecretStorage stand-in backed by a Map. */
function createSecretStorage(initial = {}) {
  const map = new Map(Object.entries(initial));
  const changed = new EventEmitter();
  return {
    map,
    get: async (key) => map.get(key),
    store: async (key, value) => { map.set(key, value); changed.fire({ key }); },
    delete: async (key) => { map.delete(key); changed.fire({ key }); },
    onDidChange: changed.event,
  };
}

const STUB_ID = path.join(__dirname, '__vscode_stub__.js');
let current = null;
let installed = false;

/** Route `require('vscode')` to `stub.vscode` and load a fresh copy of the extension. */
function loadExtensionWith(stub) {
  current = stub.vscode;
  if (!installed) {
    const original = Module._resolveFilename;
    Module._resolveFilename = function resolve(request, ...rest) {
      if (request === 'vscode') return STUB_ID;
      return original.call(this, request, ...rest);
    };
    installed = true;
  }
  require.cache[STUB_ID] = { id: STUB_ID, filename: STUB_ID, loaded: true, exports: current };
  const extPath = require.resolve('../../src/extension.js');
  delete require.cache[extPath];
  return require(extPath);
}

module.exports = { EventEmitter, McpStdioServerDefinition, createStub, createSecretStorage, loadExtensionWith };
