'use strict';
// Running the `beamline` CLI for the extension's commands and reading its --json output.
// `execFile` is injected so tests run a stand-in process instead of the real CLI.

const childProcess = require('node:child_process');
const { maskLine } = require('./masking');

/**
 * The CLI argument vectors behind the extension's commands (one place to keep in step with the
 * CLI; checked against `beamline devstate verify|export --help` and `beamline policy get --help`:
 * options may follow the positionals, `--json` prints one JSON document on stdout).
 */
const COMMAND_ARGS = Object.freeze({
  verifyHistoryChain: () => ['devstate', 'verify', '--json'],
  exportDevStateFiles: (dir) => ['devstate', 'export', '--dir', dir, '--json'],
  getPolicy: (tenant, policyId) => ['policy', 'get', tenant, policyId, '--json'],
});

/** The CLI's exit code for a history chain that does not verify (ChainBroken, docs/CLI.md). */
const EXIT_CHAIN_BROKEN = 9;

class CliError extends Error {
  /**
   * @param {string} message one masked line
   * @param {{exitCode?: number|null, stderr?: string}} [info]
   */
  constructor(message, info = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = info.exitCode ?? null;
  }
}

/**
 * Parse the CLI's `--json` stdout: one JSON document (trailing log lines on stdout are not
 * expected; the CLI logs to stderr).
 */
function parseJsonOutput(stdout) {
  const text = String(stdout).trim();
  if (text === '') throw new CliError('beamline printed no output (expected JSON)');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`beamline printed output that is not JSON: ${err.message}`);
  }
}

/**
 * The one-line error to show for a failed run: the CLI's own `beamline: error: ...` line when it
 * printed one, else the process failure. Always masked.
 */
function errorLine(stderr, fallback, secrets) {
  const lines = String(stderr || '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const own = lines.find((l) => l.startsWith('beamline: error:'));
  return maskLine(own || lines[lines.length - 1] || fallback, secrets);
}

/**
 * Run `command args...` with `env` merged over `baseEnv`; resolve with the parsed JSON output.
 * @param {{command: string, env: object}} spec from buildServerSpec (command + env)
 * @param {string[]} args
 * @param {{execFile?: Function, baseEnv?: object, cwd?: string, secrets?: string[], log?: Function, timeoutMs?: number}} [opts]
 */
function runCli(spec, args, opts = {}) {
  const execFile = opts.execFile || childProcess.execFile;
  const secrets = opts.secrets || [];
  const log = opts.log || (() => {});
  const env = { ...(opts.baseEnv || process.env), ...spec.env };
  log(maskLine(`running ${spec.command} ${args.join(' ')}`, secrets));
  return new Promise((resolve, reject) => {
    execFile(
      spec.command,
      args,
      { env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 120000, maxBuffer: 64 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        if (stderr) for (const line of String(stderr).split(/\r?\n/)) if (line.trim()) log(maskLine(line, secrets));
        if (err) {
          const exitCode = typeof err.code === 'number' ? err.code : null;
          const fallback = err.code === 'ENOENT'
            ? `cannot run ${spec.command}: not found (set beamline-store.executable)`
            : `${spec.command} failed: ${err.message}`;
          reject(new CliError(errorLine(stderr, fallback, secrets), { exitCode }));
          return;
        }
        try {
          resolve(parseJsonOutput(stdout));
        } catch (parseErr) {
          reject(parseErr);
        }
      },
    );
  });
}

module.exports = { COMMAND_ARGS, EXIT_CHAIN_BROKEN, CliError, parseJsonOutput, errorLine, runCli };
