import { DefaultLogger, makeTelemetryFilterString, type LogEntry, type TelemetryOptions } from '@temporalio/worker';

/**
 * SDK warnings every passing workflow test produces by design: each test runs a workflow-only and an
 * activity-only worker on the time-skipping server, and many make activities and workflows fail on purpose (what they assert).
 */
const EXPECTED_WARNINGS = [
  /^No (workflows|activities) registered, not polling/,
  // The time-skipping server is older than the SDK's core expects for one heartbeat detail no test reads.
  /^Temporal Server 1\.16\.0 or newer is required to guarantee that the latest heartbeat details/,
  /^Activity failed$/,
  /^Workflow failed$/,
];

/**
 * The SDK logger for tests: warnings and errors, without those {@link EXPECTED_WARNINGS} (`SDK_TEST_LOGS=all`
 * prints them too, to follow a failing test). Anything else, an SDK error above all, still prints.
 */
export function testRuntimeLogger(): DefaultLogger {
  const out = new DefaultLogger('WARN');
  if (process.env.SDK_TEST_LOGS === 'all') return out;
  return new DefaultLogger('WARN', (entry: LogEntry) => {
    if (entry.level === 'WARN' && EXPECTED_WARNINGS.some((re) => re.test(entry.message))) return;
    out.log(entry.level, entry.message, entry.meta);
  });
}

/** Telemetry that forwards the SDK core's own warnings to the test logger (else core prints them itself). */
export function testTelemetry(): TelemetryOptions {
  return { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } };
}
