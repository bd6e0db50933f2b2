import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { testServices } from '../setup/test-services';
import { testRuntimeLogger, testTelemetry } from './sdk-logger';

/** The real time-skipping test server (the binary test setup installed), with the SDK logging unexpected warnings only. */
export function openTimeSkipping(): Promise<TestWorkflowEnvironment> {
  Runtime.install({ logger: testRuntimeLogger(), telemetryOptions: testTelemetry() });
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServices().testServerPath } },
  });
}

/** A suite's time-skipping server and its workflows, bundled once (each worker would bundle them again). */
export interface TimeSkippingSuite {
  env: TestWorkflowEnvironment;
  workflowBundle: WorkflowBundleWithSourceMap;
}

/** Opens the time-skipping server and bundles the workflows before the suite's tests, and tears it down after. */
export function timeSkippingSuite(): TimeSkippingSuite {
  const suite = {} as TimeSkippingSuite;
  beforeAll(async () => {
    suite.env = await openTimeSkipping();
    suite.workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
  }, 180_000);
  afterAll(() => suite.env?.teardown());
  return suite;
}
