import { loadConfig } from './config';
import { runWorker } from './worker';

/** Entry point of a standalone worker process (`edp worker`, `npm run worker`). */
async function main(): Promise<void> {
  const { config } = loadConfig();
  await runWorker(config);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
