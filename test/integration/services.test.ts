import { Client, Connection } from '@temporalio/client';
import { join } from 'node:path';
import { portOpen } from '../../infra/process';
import { startTemporal, stopTemporal, temporalPid } from '../../infra/temporal';
import { tmpDir } from '../helpers/tmp';
import { freePort } from '../setup/test-services';

/** infra/ service scripts: start waits for readiness, a second start is a no-op, stop stops, history persists. */
describe('infra: Temporal dev server lifecycle', () => {
  it('starts once, reports status, keeps history in SQLite across restarts, and stops', async () => {
    const dir = tmpDir('edp-infra-');
    const port = await freePort();
    const opts = { dir, dbFile: join(dir, 'temporal.sqlite'), host: '127.0.0.1', grpcPort: port };
    try {
      const first = await startTemporal(opts);
      expect(first.alreadyRunning).toBe(false);
      expect(await portOpen('127.0.0.1', port)).toBe(true);
      const second = await startTemporal(opts);
      expect(second).toEqual({ pid: first.pid, alreadyRunning: true });
      expect(temporalPid(dir)).toBe(first.pid);

      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'default' });
      const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      // A workflow nobody polls for: it must still be there after a restart.
      await new Client({ connection }).workflow.start('platformPipeline', {
        workflowId: 'persist-check',
        taskQueue: 'nobody-polls',
      });
      await connection.close();
      expect(namespaceInfo?.name).toBe('default');
      expect(Object.keys(attrs.customAttributes ?? {})).toEqual(
        expect.arrayContaining(['EdpPipeline', 'EdpIntervalStart', 'EdpStatus']),
      );

      expect(await stopTemporal(dir)).toBe(true);
      expect(temporalPid(dir)).toBeUndefined();
      expect(await portOpen('127.0.0.1', port)).toBe(false);
      expect(await stopTemporal(dir)).toBe(false);

      const restarted = await startTemporal(opts);
      expect(restarted.alreadyRunning).toBe(false);
      const again = await Connection.connect({ address: `127.0.0.1:${port}` });
      const kept = await new Client({ connection: again }).workflow.getHandle('persist-check').describe();
      await again.close();
      expect(kept.status.name).toBe('RUNNING');
    } finally {
      await stopTemporal(dir);
    }
  });
});
