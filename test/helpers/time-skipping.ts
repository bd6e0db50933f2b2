import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { testServices } from '../setup/test-services';

/**
 * SDK warnings every passing workflow test produces by design: each test runs a workflow-only and an
 * activity-only worker, and many make activities and workflows fail on purpose (what they assert).
 */
const EXPECTED_WARNINGS = [
  /^No (workflows|activities) registered, not polling/,
  /^Activity failed$/,
  /^Workflow failed$/,
];

/**
 * The SDK logger for tests: warnings and errors, without those {@link EXPECTED_WARNINGS} (`EDP_TEST_LOGS=all`
 * prints them too, to follow a failing test). Anything else, an SDK error above all, still prints.
 */
export function testRuntimeLogger(): DefaultLogger {
  const out = new DefaultLogger('WARN');
  if (process.env.EDP_TEST_LOGS === 'all') return out;
  return new DefaultLogger('WARN', (entry: LogEntry) => {
    if (entry.level === 'WARN' && EXPECTED_WARNINGS.some((re) => re.test(entry.message))) return;
    out.log(entry.level, entry.message, entry.meta);
  });
}

/** The real time-skipping test server (the binary test setup installed), with the SDK logging unexpected warnings only. */
export function openTimeSkipping(): Promise<TestWorkflowEnvironment> {
  Runtime.install({ logger: testRuntimeLogger() });
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServices().testServerPath } },
  });
}
