import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createDeadLetterActivities } from '../../activities/dead-letters';
import { evaluateRuleFile, parseRuleFile } from '../../activities/quality';
import { recordSlaStates } from '../../activities/sla';
import { openWarehouse } from '../../workers/warehouse-factory';
import { describeEngines } from '../helpers/engines';
import { testConfig } from '../helpers/platform';

const EDP = join(__dirname, '..', '..', 'bin', 'edp.js');
const interval = { start: '2026-08-01T00:00:00.000Z', end: '2026-08-01T04:00:00.000Z' };

/** `edp …` as a user runs it, in its own process on the test's config file: exit code and output. */
function edp(configFile: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [EDP, ...args],
      { encoding: 'utf8', env: { ...process.env, EDP_CONFIG: configFile } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/**
 * The read-only `edp` commands (cli/commands/) on every engine, as processes over what the platform wrote:
 * each answers from the warehouse in the engine's own SQL. On the local Snowflake server, which refuses
 * DuckDB-only SQL (docs/snowflake.md), a command still written for DuckDB fails here.
 */
describeEngines('read-only edp commands on %s', (engine) => {
  let file: string;
  const pipeline = `cli${engine.name.replace(/\W/g, '')}`;

  beforeAll(async () => {
    const loaded = testConfig(`it-cli-engines-${engine.name}`, {
      ...(await engine.configOverrides('cli_engines')),
      pipeline: { name: pipeline, heartbeatSeconds: 5, sensor: { pokeMinutes: 1, timeoutMinutes: 1 } },
    });
    file = loaded.file;
    // What runs leave behind for the commands to read: a quality run, a dead letter, SLA states.
    const w = await openWarehouse(loaded.config);
    try {
      await w.execute('CREATE SCHEMA IF NOT EXISTS q');
      await w.execute('CREATE OR REPLACE TABLE q.claims (claim_id VARCHAR, status VARCHAR)');
      await w.execute("INSERT INTO q.claims VALUES ('C1', 'paid'), ('C2', 'lost')");
      const rules = parseRuleFile(
        `table: q.claims
key: [claim_id]
rules:
  - { name: status_known, type: format, column: status, expression: "status IN ('paid', 'denied')", severity: warn }
  - { name: rows, type: row_count, min: 1 }`,
        'q.claims.yml',
      );
      await evaluateRuleFile(w, rules, { runId: 'cli-quality-run', interval });
      await createDeadLetterActivities({ warehouse: w }).recordDeadLetter({
        pipeline,
        intervalStart: interval.start,
        intervalEnd: interval.end,
        step: 'export',
        stepWorkflowId: 'wf-export',
        workflowId: 'wf',
        runId: 'cli-dead-run',
        error: 'marts.no_such_mart does not exist',
      });
      await recordSlaStates(w, pipeline, [{ sla: 'latency', breached: true, detail: '95 min > 60' }], [], new Date());
    } finally {
      await w.close(); // the commands open the warehouse themselves (DuckDB: one process at a time)
    }
  });

  const COMMANDS: readonly [args: string[], code: number, shows: RegExp][] = [
    [['config'], 0, /warehouse/],
    [['pipelines', 'list'], 0, new RegExp(pipeline)],
    [['status'], 0, /cli-dead-run|dead letter/i],
    [['query', 'select count(*) as n from audit.dead_letters', '--json'], 0, /"n":\s*"?1"?/],
    [['quality', 'report'], 0, /status_known/],
    [['dead-letters', 'list'], 0, /cli-dead-run/],
    [['sla', 'status'], 1, /latency.*95 min > 60|95 min > 60/s],
    [['schema-changes'], 0, /./s],
    [['stream', 'status'], 0, /./s],
  ];

  it.each(COMMANDS.map(([args, code, shows]) => [args.join(' '), args, code, shows] as const))(
    'edp %s',
    async (_title, args, code, shows) => {
      const { code: exit, out } = await edp(file, args);
      expect(out).not.toMatch(/SQL compilation error|Unknown function|Parser Error|Catalog Error/);
      expect(out).toMatch(shows);
      expect(exit).toBe(code);
    },
  );
});
