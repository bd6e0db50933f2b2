import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createTransformActivities,
  storedRunResultsOf,
  type NodeRunResult,
  type RunResultsStored,
  type StoreRunResultsInput,
} from '../../../../activities/transform';
import { tmpDir } from '../../../helpers/tmp';
import { Runner, writeProject } from './helpers';

/** The parts of run_results.json the assertions read. */
interface RunResults {
  metadata: { invocation_id: string; generated_at: string };
  results: Array<{
    unique_id: string;
    status: string;
    failures: number | null;
    timing: Array<{ name: string; started_at: string; completed_at: string }>;
    compiled: boolean | null;
    compiled_code: string | null;
    relation_name: string | null;
  }>;
  args: Record<string, unknown>;
}

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RunResults;

/** The storeRunResults activity: run_results.json written by the run, where the worker can. */
describe('storeRunResults', () => {
  const files = {
    'models/m.sql': 'select {{ 1 + 1 }} as x',
    'models/_m.yml': 'models:\n  - name: m\n    columns:\n      - name: x\n        data_tests: [not_null]\n',
  };

  /** Builds `m` with its test on a worker, and the activity's input for that run as the workflow would give it. */
  async function built(runner: Runner): Promise<StoreRunResultsInput> {
    const startedAt = new Date(Date.now() - 1000).toISOString();
    const plan = await runner.plan();
    const node = plan.nodes.find((n) => n.id === 'model.p.m')!;
    const r: NodeRunResult = await runner.activities.runNode({
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      nodeId: node.id,
      invocationId: 'i',
      runStartedAt: startedAt,
      tests: node.tests?.map((t) => t.id),
    });
    return {
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      workflowId: 'edp-transform-p-2026-01-01T00:00:00.000Z',
      invocationId: '0b6c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
      command: 'build',
      startedAt,
      finishedAt: new Date().toISOString(),
      args: { select: [], exclude: [], full_refresh: false },
      nodes: [r, ...(r.tests ?? [])].map((x) => ({
        id: x.id,
        type: x.type,
        status: x.status,
        rows: x.rows,
        durationMs: x.ms,
        timing: x.timing,
      })),
    };
  }

  it('writes target/run_results.json with timing, compiled code and relation; a second attempt writes the same bytes', async () => {
    const runner = await Runner.open(writeProject(files));
    try {
      const input = await built(runner);
      const file = join(runner.dir, 'target', 'run_results.json');
      expect(await runner.activities.storeRunResults(input)).toEqual({ file });
      const first = readFileSync(file, 'utf8');
      expect(await runner.activities.storeRunResults(input)).toEqual({ file });
      expect(readFileSync(file, 'utf8')).toBe(first);
      const rr = read(file);
      expect(rr.metadata).toMatchObject({ invocation_id: input.invocationId, generated_at: input.finishedAt });
      const [model, test] = rr.results;
      expect(model).toMatchObject({
        unique_id: 'model.p.m',
        status: 'success',
        failures: null,
        compiled: true,
        compiled_code: 'select 2 as x',
        relation_name: '"warehouse"."main"."m"',
      });
      expect(test).toMatchObject({ status: 'pass', failures: 0, relation_name: null, compiled: true });
      expect(test.compiled_code).toBe('select "x" from "main"."m" where "x" is null');
      for (const r of rr.results) {
        expect(r.timing.map((t) => t.name)).toEqual(['compile', 'execute']);
        const [compile, execute] = r.timing;
        expect(Date.parse(compile.started_at)).toBeLessThanOrEqual(Date.parse(compile.completed_at));
        expect(compile.completed_at).toBe(execute.started_at);
        expect(Date.parse(execute.started_at)).toBeLessThanOrEqual(Date.parse(execute.completed_at));
      }
    } finally {
      await runner.close();
    }
  });

  it('keeps a copy by workflow id when the worker does not see the project, or cannot write its target/', async () => {
    const runner = await Runner.open(writeProject(files));
    try {
      const input = await built(runner);
      const state = tmpDir('edp-worker-state-');
      const other = createTransformActivities({
        warehouse: runner.warehouse,
        projectDir: tmpDir('edp-other-project-'),
        manifestCacheDir: join(state, 'manifests'),
      });
      const copy = join(state, 'run_results', 'edp-transform-p-2026-01-01T00_00_00.000Z.json');
      // target/run_results.json cannot be replaced (a folder with a file in it stands where it goes).
      mkdirSync(join(runner.dir, 'target', 'run_results.json'));
      writeFileSync(join(runner.dir, 'target', 'run_results.json', 'x'), '');
      expect(await other.storeRunResults(input)).toEqual({ copy });
      expect(read(copy).results.map((r) => `${r.unique_id} ${r.status}`)).toEqual([
        'model.p.m success',
        expect.stringMatching(/^test\.p\.not_null_m_x\.\w+ pass$/),
      ]);
      // The project is on another host: its folder is not here at all.
      renameSync(runner.dir, `${runner.dir}-elsewhere`);
      writeFileSync(copy, '');
      expect(await other.storeRunResults(input)).toEqual({ copy });
      expect(read(copy).results).toHaveLength(2);
    } finally {
      await runner.close();
    }
  });

  it('names its run in metadata.env, so edp dbt run-results takes it only while it holds that run', async () => {
    const runner = await Runner.open(writeProject(files));
    try {
      const input = await built(runner);
      const env = new MockActivityEnvironment({
        workflowExecution: { workflowId: input.workflowId, runId: 'run-1' },
      });
      const stored: RunResultsStored = await env.run(runner.activities.storeRunResults, input);
      const file = join(runner.dir, 'target', 'run_results.json');
      expect(stored).toEqual({ file });
      expect(storedRunResultsOf(stored, input.workflowId, 'run-1')).toEqual({ file });
      // The same workflow id run again (a pipeline's interval rerun) rewrites the project's file.
      const again = new MockActivityEnvironment({
        workflowExecution: { workflowId: input.workflowId, runId: 'run-2' },
      });
      await again.run(runner.activities.storeRunResults, input);
      expect(storedRunResultsOf(stored, input.workflowId, 'run-1')).toEqual({
        missing: `${file} now holds another run's results`,
      });
      expect(storedRunResultsOf(undefined, input.workflowId, 'run-1')).toEqual({
        missing: 'the run stored none (started before it did, or it could not write one)',
      });
    } finally {
      await runner.close();
    }
  });
});
