import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO = join(__dirname, '..', '..');

/** `edp <args>` as a user runs it, on the repository's config with `stateDir` as its state folder; exit code and output. */
export async function runEdp(stateDir: string, args: string[]): Promise<{ code: number; out: string }> {
  const run = promisify(execFile)(process.execPath, [join(REPO, 'bin', 'edp.js'), ...args], {
    cwd: REPO,
    env: { ...process.env, EDP_STATE_DIR: stateDir, EDP_CONFIG: join(REPO, 'edp.config.yaml') },
    encoding: 'utf8',
  });
  return run.then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }),
  );
}
