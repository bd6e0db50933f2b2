import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

// Expected with one queue for workflows and one for activities; not worth a warning on every start.
const EXPECTED = /^No (activities|workflows|Nexus services) registered/;

function errorsAsText(key: string, value: unknown): unknown {
  if (key === 'taskToken') return undefined;
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}

/** Installs the Temporal runtime logger once per process: `EDP_LOG_LEVEL` (default WARN), without the expected noise. */
export function installRuntimeLogger(): void {
  const level = (process.env.EDP_LOG_LEVEL?.toUpperCase() ?? 'WARN') as LogLevel;
  const logger = new DefaultLogger(level, (entry: LogEntry) => {
    if (EXPECTED.test(entry.message)) return;
    const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta, errorsAsText)}` : '';
    console.error(
      `${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${meta}`,
    );
  });
  try {
    Runtime.install({ logger });
  } catch {
    /* already installed in this process */
  }
}
