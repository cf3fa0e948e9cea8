// Starts and stops a real `dropslot serve` for the browser tests, and runs
// `dropslot admin` against its data dir. Ports are picked by the OS (port 0); the
// addresses and the login link are parsed from what serve prints.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run_file = promisify(execFile);

export const dropslot_bin = process.env.DROPSLOT_BIN || '';

/// A running `dropslot serve`: `api` and `s3` are origins (http://127.0.0.1:PORT),
/// `login_link` the first login URL it printed, `data` its fresh data dir.
export async function start_serve(extra_args = []) {
  if (!dropslot_bin) throw new Error('DROPSLOT_BIN is not set (the path of the dropslot binary)');
  const data = mkdtempSync(join(tmpdir(), 'dropslot-web-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--s3-listen', '127.0.0.1:0', '--data', data, ...extra_args];
  const proc = spawn(dropslot_bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const found = {};
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
    admin: async (...admin_args) => (await run_file(dropslot_bin, ['admin', ...admin_args, '--data', data])).stdout.trim(),
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
