import { join } from 'node:path';
import { CommandOptions } from '../../../cli/command';
import { generateCommand } from '../../../cli/commands/generate';
import { freePort } from '../../../infra/process';
import { loadConfig } from '../../../workers/config';
import { tmpDir } from '../../helpers/tmp';

describe('edp generate', () => {
  it('says PostgreSQL must be running only when writing to it failed, never after it succeeded', async () => {
    const dir = tmpDir('edp-generate-');
    const port = await freePort(); // nothing listens there
    const loaded = loadConfig({
      env: { EDP_STATE_DIR: join(dir, 'state'), EDP_LANDING__PATH: join(dir, 'landing') },
    });
    const config = { ...loaded.config, sources: loaded.config.sources.map((s) => ({ ...s, port })) };
    const logged: string[] = [];
    const run = generateCommand.run({
      loaded,
      config,
      rest: [],
      opts: new CommandOptions({ interval: '2026-01-01T04:00Z/2026-01-01T08:00Z', claims: '5' }),
      log: (m) => logged.push(m),
    });
    await expect(run).rejects.toThrow(
      /^wrote the landing files but not the operational rows \(.*ECONNREFUSED.*\): is PostgreSQL running\? Start it with `npx edp up`/,
    );
    expect(logged.filter((l) => l.startsWith('wrote '))).toHaveLength(6);
    expect(logged.join('\n')).not.toMatch(/must be running|added/);
  });
});
