// Starts and stops a real `dropslot serve` for the browser tests, and runs
// `dropslot admin` against its data dir. Ports are picked by the OS (port 0); the
// addresses and the login link are parsed from what serve prints.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run_file = promisify(execFile);

export const dropslot_bin = process.env.DROPSLOT_BIN || '';

// Every process started here, so none outlives the test run even when the runner
// is stopped (a CTest timeout sends SIGTERM) or a test fails before its cleanup.
const children = new Set();
const data_dirs = new Set();
function track(proc) {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}
function clean_up() {
  for (const c of children) c.kill('SIGKILL');
  for (const d of data_dirs) rmSync(d, { recursive: true, force: true });
}
process.once('exit', clean_up);
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => process.exit(1));

// The test's environment with `changes` applied; a null value removes the variable.
function env_with(changes) {
  const env = { ...process.env, ...changes };
  for (const [k, v] of Object.entries(env)) if (v === null || v === undefined) delete env[k];
  return env;
}

/// A running `dropslot serve`: `api` and `s3` are origins (http://127.0.0.1:PORT),
/// `login_link` the first login URL it printed, `data` its fresh data dir.
/// With `s3_endpoint` (and `env` holding its credentials) serve uses that store
/// instead of starting the embedded one. `bin` runs another dropslot binary (the
/// benchmark's build from before a change).
export async function start_serve(extra_args = [], { s3_endpoint = '', env = {}, bin = dropslot_bin } = {}) {
  if (!bin) throw new Error('DROPSLOT_BIN is not set (the path of the dropslot binary)');
  const data = mkdtempSync(join(tmpdir(), 'dropslot-web-'));
  data_dirs.add(data);
  const store_args = s3_endpoint ? ['--s3-endpoint', s3_endpoint] : ['--s3-listen', '127.0.0.1:0'];
  const args = ['serve', '--listen', '127.0.0.1:0', ...store_args, '--data', data, ...extra_args];
  const proc = track(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env_with(env) }));
  let output = '';
  const found = { s3: s3_endpoint || undefined };
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its addresses in 60 s:\n${output}`)), 60_000);
    const scan = (chunk) => {
      output += chunk;
      found.api ??= (/dropslot api listening on (https?:\/\/[^\s/]+)/.exec(output) || [])[1];
      found.s3 ??= (/dropslot s3 listening on (https?:\/\/[^\s/]+)/.exec(output) || [])[1];
      found.login_link ??= (/(https?:\/\/\S+[?&]code=[^\s&]+)/.exec(output) || [])[1];
      if (found.api && found.s3 && found.login_link) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.setEncoding('utf8').on('data', scan);
    proc.stderr.setEncoding('utf8').on('data', scan);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited early (${code ?? signal}):\n${output}`));
    });
  });
  try {
    await ready;
  } catch (e) {
    proc.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
    throw e;
  }
  return {
    ...found,
    data,
    output: () => output,
    /// The login code of a link (the `code` parameter).
    code_of: (link) => new URL(link).searchParams.get('code'),
    /// `dropslot admin ...args --data <this serve's dir>`; resolves with stdout trimmed.
    admin: async (...admin_args) => (await run_file(bin, ['admin', ...admin_args, '--data', data])).stdout.trim(),
    /// Stops serve (SIGTERM, then SIGKILL after 10 s) and removes the data dir.
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/// A fresh temporary folder, removed when the run ends even if a test did not.
export function temp_dir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  data_dirs.add(dir);
  return dir;
}

/// Credentials for a separately run store, given to both `dropslot s3` and serve.
export function store_credentials() {
  const id = `DSWEB${randomBytes(8).toString('hex').toUpperCase()}`.slice(0, 20);
  const secret = randomBytes(30).toString('base64').replace(/[+/=]/g, 'x');
  return {
    store_env: { DROPSLOT_S3_ACCESS_KEY_ID: id, DROPSLOT_S3_SECRET_ACCESS_KEY: secret },
    client_env: { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_REGION: 'us-east-1', AWS_SESSION_TOKEN: null, AWS_PROFILE: null },
  };
}

/// A separately run `dropslot s3` on `listen` (port 0 picks one) over `data`.
/// Resolves with `{endpoint, stop}`; stop() kills it (SIGKILL: a store that dies).
export async function start_store(data, listen, env) {
  const proc = track(spawn(dropslot_bin, ['s3', '--data', data, '--listen', listen], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env_with(env),
  }));
  let output = '';
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dropslot s3 did not start in 30 s:\n${output}`)), 30_000);
    const scan = (chunk) => {
      output += chunk;
      const m = /dropslot s3 listening on (https?:\/\/[^\s/]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout.setEncoding('utf8').on('data', scan);
    proc.stderr.setEncoding('utf8').on('data', scan);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`dropslot s3 exited early (${code ?? signal}):\n${output}`));
    });
  }).catch((e) => {
    proc.kill('SIGKILL');
    throw e;
  });
  return {
    endpoint,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
