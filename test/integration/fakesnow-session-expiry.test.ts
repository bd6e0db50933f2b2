import { rmSync } from 'node:fs';
import { SnowflakeWarehouse } from '../../activities/warehouse';
import { startFakesnow, stopFakesnow } from '../../infra/fakesnow';
import { freePort, waitUntil } from '../../infra/process';
import { tmpDir } from '../helpers/tmp';

/**
 * The local Snowflake server expires a session left idle inside a transaction (a worker killed -9 mid
 * transaction), as Snowflake rolls back a detached session's transaction, scaled down to seconds: its row
 * changes are rolled back, the other sessions' writes to those rows go through, and the expired session's
 * next statement fails instead of committing.
 */
describe('local Snowflake server: a session idle inside a transaction expires', () => {
  const dir = tmpDir('edp-fakesnow-expiry-');
  let port: number;
  const open = (): Promise<SnowflakeWarehouse> =>
    SnowflakeWarehouse.open({
      account: 'fakesnow',
      username: 'fake',
      password: 'snow',
      database: 'expiry',
      schema: 'public',
      accessUrl: `http://127.0.0.1:${port}`,
    });

  beforeAll(async () => {
    port = await freePort();
    await startFakesnow({ dir, port, idleTransactionSeconds: 3 });
  }, 90_000);
  afterAll(async () => {
    await stopFakesnow(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rolls back the idle session and lets the others take its row', async () => {
    const bootstrap = await open();
    await bootstrap.execute('CREATE DATABASE IF NOT EXISTS expiry');
    await bootstrap.close();
    const [dead, live] = [await open(), await open()];
    let resume = (): void => {};
    try {
      await live.execute('CREATE TABLE locks (name VARCHAR NOT NULL, holder VARCHAR)');
      await live.execute(`INSERT INTO locks VALUES ('transform:x', NULL)`);
      const paused = new Promise<void>((r) => (resume = r));
      let taken!: () => void;
      const holding = new Promise<void>((r) => (taken = r));
      const deadTx = dead.transaction(async (tx) => {
        await tx.execute(`UPDATE locks SET holder = 'dead' WHERE name = 'transform:x'`);
        taken();
        await paused; // what the server sees of a client killed here: no further statement
      });
      const deadOutcome = deadTx.then(
        () => 'committed',
        () => 'failed',
      );
      await holding;
      const take = () => live.execute(`UPDATE locks SET holder = 'live' WHERE name = 'transform:x'`);
      await expect(take()).rejects.toThrow(); // the open transaction holds the row
      await waitUntil(
        () =>
          take().then(
            (n) => n === 1,
            () => false,
          ),
        'the live session to take the row of the idle one',
        30_000,
      );
      resume();
      expect(await deadOutcome).toBe('failed');
      expect(await live.query('SELECT holder FROM locks')).toEqual([{ holder: 'live' }]);
    } finally {
      resume(); // the pool closes only once its transaction has ended
      await dead.close().catch(() => undefined);
      await live.close();
    }
  }, 120_000);
});
