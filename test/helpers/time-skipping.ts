import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { testServices } from '../setup/test-services';
import { testRuntimeLogger, testTelemetry } from './sdk-logger';

/** The real time-skipping test server (the binary test setup installed), with the SDK logging unexpected warnings only. */
export function openTimeSkipping(): Promise<TestWorkflowEnvironment> {
  Runtime.install({ logger: testRuntimeLogger(), telemetryOptions: testTelemetry() });
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServices().testServerPath } },
  });
}
