import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

// Expected with one queue for workflows and one for activities; not worth a warning on every start.
const EXPECTED = /^No (activities|workflows|Nexus services) registered/;

function errorsAsText(key: string, value: unknown): unknown {
  if (key === 'taskToken') return undefined;
  if (typeof value === 'bigint') return value.toString();
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}

/** How the worker process logs and exports metrics. */
export interface TelemetryOptions {
  logging: { format: 'text' | 'json'; level: LogLevel };
  /** Prometheus port on 127.0.0.1; 0: none. */
  metricsPort: number;
}

/** One log line: text for people, or a JSON object (time, level, message, then the SDK's metadata such as workflowId and runId). */
export function formatLogEntry(entry: LogEntry, format: 'text' | 'json'): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  if (format === 'json') {
    return JSON.stringify({ time, level: entry.level, message: entry.message, ...(entry.meta ?? {}) }, errorsAsText);
  }
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta, errorsAsText)}` : '';
  return `${time} [${entry.level}] ${entry.message}${meta}`;
}

/**
 * Installs the Temporal runtime once per process: its logger (EDP_LOG_LEVEL overrides the level),
 * and when a port is given, the Prometheus exporter on 127.0.0.1 that serves the SDK's metrics and
 * the platform's `edp_*` ones. Returns false when a runtime was already installed (its settings stay).
 */
export function installRuntime(options: TelemetryOptions): boolean {
  const level = (process.env.EDP_LOG_LEVEL?.toUpperCase() ?? options.logging.level) as LogLevel;
  const logger = new DefaultLogger(level, (entry: LogEntry) => {
    if (EXPECTED.test(entry.message)) return;
    console.error(formatLogEntry(entry, options.logging.format));
  });
  try {
    Runtime.install({
      logger,
      ...(options.metricsPort > 0
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${options.metricsPort}` } } } }
        : {}),
    });
    return true;
  } catch {
    return false; // already installed in this process
  }
}
