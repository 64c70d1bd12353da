'use strict';
// Pure logic: from the extension's settings and the secrets held in the editor's SecretStorage
// to the command line and environment of `beamline mcp` (and of the CLI commands).
// Nothing here touches the `vscode` module, so `node --test` covers it directly.

const SECTION = 'beamline-store';
const PROVIDER_ID = 'beamline-store.mcp';
const SERVER_LABEL = 'beamline-store';
const SECRET_KEYS = Object.freeze({
  databasePassword: 'beamline-store.databasePassword',
  hmacSecret: 'beamline-store.hmacSecret',
});

class SettingsError extends Error {}

/**
 * Settings read through `get(key, default)` (a vscode WorkspaceConfiguration or a stand-in),
 * normalised and checked. A password written into `databaseUrl` is refused: it belongs in
 * SecretStorage.
 */
function readSettings(config) {
  const get = (key, fallback) => {
    const value = config.get(key, fallback);
    return value === undefined || value === null ? fallback : value;
  };
  const settings = {
    databaseUrl: String(get('databaseUrl', '')).trim(),
    actor: String(get('actor', '')).trim(),
    readOnly: Boolean(get('readOnly', true)),
    executable: String(get('executable', 'beamline')).trim() || 'beamline',
    beamlineHome: String(get('beamlineHome', '')).trim(),
    defaultTenant: String(get('defaultTenant', '')).trim(),
  };
  if (settings.databaseUrl && urlHasPassword(settings.databaseUrl)) {
    throw new SettingsError(
      `${SECTION}.databaseUrl must not contain a password: remove it from the setting and run ` +
        '"beamline-store: Store the database password and HMAC secret" instead',
    );
  }
  return settings;
}

/** True when a URL or key=value conninfo carries a password. */
function urlHasPassword(url) {
  if (/\bpassword\s*=/i.test(url)) return true;
  const parsed = parseUrl(url);
  return parsed !== null && parsed.password !== '';
}

function parseUrl(url) {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * `url` with `password` added. URLs get it percent-encoded in the userinfo; key=value conninfo
 * strings get a quoted `password='...'` keyword.
 */
function withPassword(url, password) {
  if (!password) return url;
  const parsed = parseUrl(url);
  if (parsed !== null) {
    if (!parsed.username) {
      throw new SettingsError(`${SECTION}.databaseUrl needs a user name to go with the stored password`);
    }
    parsed.password = encodeURIComponent(password);
    return parsed.toString();
  }
  const quoted = password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `${url} password='${quoted}'`;
}

/**
 * Expand `${workspaceFolder}` and a leading `~/` in a path setting.
 */
function expandPath(value, { workspaceFolder, homeDir } = {}) {
  let out = value;
  if (workspaceFolder) out = out.split('${workspaceFolder}').join(workspaceFolder);
  if (homeDir && out.startsWith('~/')) out = homeDir + out.slice(1);
  return out;
}

/**
 * The environment given to `beamline` (MCP server and CLI commands). Only variables we set;
 * the editor merges them over its own environment.
 * @param {object} settings from readSettings
 * @param {{databasePassword?: string, hmacSecret?: string}} secrets from SecretStorage
 */
function buildEnv(settings, secrets = {}, paths = {}) {
  const env = {};
  if (settings.databaseUrl) {
    env.DATABASE_URL = withPassword(settings.databaseUrl, secrets.databasePassword);
  } else if (settings.beamlineHome) {
    env.BEAMLINE_HOME = expandPath(settings.beamlineHome, paths);
  }
  if (settings.actor) env.BEAMLINE_ACTOR = settings.actor;
  if (secrets.hmacSecret) env.BEAMLINE_HMAC_SECRET = secrets.hmacSecret;
  return env;
}

/**
 * What the editor needs to start the MCP server: `{label, command, args, env, version}`.
 * Without `secrets` (the eager `provideMcpServerDefinitions` call) the env carries no secret;
 * `resolveMcpServerDefinition` calls it again with the secrets just before the start.
 */
function buildServerSpec(settings, secrets = {}, paths = {}) {
  if (!settings.actor) {
    throw new SettingsError(`set ${SECTION}.actor: the MCP server acts as (and audits) that user`);
  }
  const args = ['mcp'];
  if (settings.readOnly) args.push('--read-only');
  const env = buildEnv(settings, secrets, paths);
  // export_files / import_files are confined to this directory (the server's file root): the
  // workspace's .trae, where the extension's own Export command writes too.
  if (paths.workspaceFolder) env.BEAMLINE_MCP_ROOT = `${paths.workspaceFolder.replace(/[\\/]+$/, '')}/.trae`;
  return {
    label: SERVER_LABEL,
    command: expandPath(settings.executable, paths),
    args,
    env,
    // A new version makes the editor re-list the tools (e.g. after switching read-only).
    version: settingsVersion(settings),
  };
}

/** A short, secret-free fingerprint of the settings that change the tool list or identity. */
function settingsVersion(settings) {
  const key = [settings.readOnly ? 'ro' : 'rw', settings.actor, settings.databaseUrl, settings.beamlineHome].join('|');
  let hash = 0;
  for (let i = 0; i < key.length; i += 1) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) >>> 0;
  return `0.1.0+${hash.toString(16)}`;
}

/** Every secret value the extension may hold, for masking. */
function secretValues(secrets = {}) {
  return [secrets.databasePassword, secrets.hmacSecret].filter(Boolean);
}

module.exports = {
  SECTION,
  PROVIDER_ID,
  SERVER_LABEL,
  SECRET_KEYS,
  SettingsError,
  readSettings,
  urlHasPassword,
  withPassword,
  expandPath,
  buildEnv,
  buildServerSpec,
  settingsVersion,
  secretValues,
};
