'use strict';
// The MCP server definition provider: lists `beamline mcp` eagerly without secrets (no user
// interaction allowed there) and adds the secrets from SecretStorage when the editor resolves
// the definition just before starting the server.

const { SettingsError, buildServerSpec, secretValues } = require('./serverDefinition');
const { maskLine } = require('./masking');

/**
 * @param {object} deps
 * @param {() => object} deps.getSettings           readSettings(...) of the current configuration
 * @param {() => Promise<object>} deps.getSecrets   {databasePassword, hmacSecret} from SecretStorage
 * @param {() => object} [deps.getPaths]            {workspaceFolder, homeDir} for path expansion
 * @param {(spec: object) => object} deps.makeDefinition  spec -> vscode.McpStdioServerDefinition
 * @param {unknown} [deps.onDidChange]              event fired when the settings change
 * @param {(line: string) => void} [deps.log]
 */
function createMcpProvider(deps) {
  const log = deps.log || (() => {});
  const getPaths = deps.getPaths || (() => ({}));
  return {
    onDidChangeMcpServerDefinitions: deps.onDidChange,

    provideMcpServerDefinitions() {
      try {
        const spec = buildServerSpec(deps.getSettings(), {}, getPaths());
        return [deps.makeDefinition(spec)];
      } catch (err) {
        if (!(err instanceof SettingsError)) throw err;
        log(maskLine(`MCP server not offered: ${err.message}`));
        return [];
      }
    },

    async resolveMcpServerDefinition(server) {
      const secrets = await deps.getSecrets();
      const spec = buildServerSpec(deps.getSettings(), secrets, getPaths());
      server.env = { ...(server.env || {}), ...spec.env };
      log(maskLine(`starting ${spec.command} ${spec.args.join(' ')} as ${spec.env.BEAMLINE_ACTOR}` +
        (spec.env.DATABASE_URL ? ` on ${spec.env.DATABASE_URL}` : ''), secretValues(secrets)));
      return server;
    },
  };
}

module.exports = { createMcpProvider };
