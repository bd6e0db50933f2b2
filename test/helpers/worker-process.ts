import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';

const EDP = join(__dirname, '..', '..', 'bin', 'edp.js');

/** Starts `edp worker` as its own process (so it can be SIGKILLed) and waits until it polls its queues. */
export async function startWorkerProcess(
  configFile: string,
  logFile: string,
  env: NodeJS.ProcessEnv = {},
  options: { cwd?: string; args?: string[] } = {},
): Promise<ChildProcess> {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [EDP, 'worker', ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...env, EDP_CONFIG: configFile },
    stdio: ['ignore', 'pipe', log],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}; see ${logFile}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker polling')) resolve();
    });
  });
  return child;
}

/** Stops the worker with SIGTERM and waits for it to exit. */
export function stopGracefully(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
