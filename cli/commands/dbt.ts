import { resolve } from 'node:path';
import { ProjectError } from '../../lib/errors';
import type { CliCommand } from '../command';
import { CliError } from '../cli-errors';

/** `edp dbt <command>`: a dbt project as the durable transform workflow. */
export const dbtCommand: CliCommand = {
  name: 'dbt',
  help: [
    [
      'dbt build|run|test|seed|snapshot|compile [--project-dir DIR] [-s SELECTOR ...] [--exclude SELECTOR ...]\n      [--vars YAML] [--full-refresh] [--store-failures] [--threads N] [--state DIR [--defer]] [--no-wait]',
      'run a dbt project as a durable transform workflow (edp dbt --help)',
    ],
    [
      'dbt deps [--project-dir DIR] [--upgrade] [--lock] [--no-version-check]',
      "install packages.yml's hub, local and git packages into dbt_packages/ (package-lock.yml)",
    ],
    [
      'dbt source freshness [--project-dir DIR] [-s source:NAME[.TABLE] ...]',
      'check source freshness (loaded_at_field, warn_after/error_after), write target/sources.json',
    ],
    [
      'dbt docs generate [--project-dir DIR]',
      "write dbt's manifest.json and catalog.json (from the warehouse) into target/",
    ],
    [
      'dbt run-results WORKFLOW_ID [--project-dir DIR]',
      "wait for a transform run (--no-wait, or a pipeline run's transform step) and write its target/run_results.json",
    ],
  ],
  details: `edp dbt <command> [options]

Runs a dbt-format project (dbt_project.yml, models, seeds, snapshots, tests, macros) model by model
as the durable \`transform\` workflow: planned once, one activity per node, resumable after a crash.

  build      seeds, models, snapshots and tests in dependency order; a failing test skips what is downstream
  run        models only            test   tests only
  seed       seeds only             snapshot  snapshots only
  compile    parse and render SQL into target/compiled/ (templates' queries read the warehouse; no Temporal)
  docs generate  target/manifest.json and target/catalog.json (columns and types from the warehouse)
  deps       install packages.yml / dependencies.yml packages into dbt_packages/ as dbt does: hub
             packages from DBT_PACKAGE_HUB_URL (default https://hub.getdbt.com/), version ranges and
             the packages' own packages resolved into package-lock.yml, which later runs install from;
             local: copied, git: cloned with git. --upgrade resolves again; --lock only writes the lock;
             --no-version-check admits hub releases whose require_dbt_version excludes dbt 1.10
  run-results WORKFLOW_ID
             wait for that transform run to end (started with --no-wait, or a pipeline's transform step
             edp-transform-<pipeline>-<interval start>) and write its target/run_results.json
  source freshness
             each source table's latest loaded_at_field against its freshness limits: PASS, WARN,
             ERROR STALE; writes target/sources.json; exit 1 on an error (reads the warehouse; no Temporal)

  --project-dir DIR       the project (default transform.projectDir: the platform's models/)
  -s, --select SEL        dbt selectors: name, +name, name+, 2+name, @name, tag:T, path:P, source:S.T,
                          resource_type:R, config.materialized:M; space = union, comma = intersection
  --exclude SEL           the same syntax, removed from the selection
  --vars YAML             override project vars, e.g. --vars '{as_of_date: 2026-01-01}'
  --full-refresh          rebuild incremental models from scratch
  --store-failures        (test, build) every test stores its failing rows in the audit schema, unless it
                          sets store_failures or store_failures_as itself
  --threads N             nodes run at once (default transform.threads)
  --state DIR             an earlier run's target/ (its manifest.json, ours or dbt-core's) for state:
                          selectors: state:modified, state:modified.body|configs|relation, state:new
  --defer                 with --state: nodes not selected are read from the state manifest's tables
  --no-wait               start the workflow and return (follow it in the Web UI)

Writes target/manifest.json (dbt's schema v12), target/run_results.json (v6, after build, run, test, seed,
snapshot), target/compiled/ and target/run/ inside the project, like dbt.
Exit code 1 when a node errors or an error-severity test fails. See docs/transform.md.
`,
  options: {
    'project-dir': { type: 'string' },
    select: { type: 'string', multiple: true, short: 's' },
    models: { type: 'string', multiple: true, short: 'm' },
    exclude: { type: 'string', multiple: true },
    vars: { type: 'string' },
    'full-refresh': { type: 'boolean' },
    'store-failures': { type: 'boolean' },
    threads: { type: 'string' },
    'no-wait': { type: 'boolean' },
    state: { type: 'string' },
    defer: { type: 'boolean' },
    upgrade: { type: 'boolean' },
    lock: { type: 'boolean' },
    'no-version-check': { type: 'boolean' },
  },
  async run({ config, rest, opts, log }) {
    const [sub] = rest;
    if (sub === 'deps') {
      const dir = resolve(opts.string('project-dir') ?? config.transform.projectDir);
      const { installPackages } = await import('../../activities/transform');
      try {
        await installPackages(dir, {
          upgrade: opts.flag('upgrade'),
          lockOnly: opts.flag('lock'),
          versionCheck: !opts.flag('no-version-check'),
          log,
        });
      } catch (err) {
        if (err instanceof ProjectError) throw new CliError(err.message);
        throw err;
      }
      return 0;
    }
    if (sub === 'run-results') {
      if (!rest[1]) throw new CliError('edp dbt run-results needs the workflow id of a transform run');
      const { dbtRunResults } = await import('../dbt-run-results');
      return dbtRunResults(config, { workflowId: rest[1], projectDir: opts.string('project-dir') }, log);
    }
    if (sub === 'source' && rest[1] === 'freshness') {
      const [{ dbtSourceFreshness }, { parseVars }] = await Promise.all([
        import('../dbt-freshness'),
        import('../dbt-command'),
      ]);
      const select = [...opts.list('select'), ...opts.list('models')];
      const request = { projectDir: opts.string('project-dir'), select, vars: parseVars(opts.string('vars')) };
      return dbtSourceFreshness(config, request, log);
    }
    const dbt = {
      projectDir: opts.string('project-dir'),
      select: [...opts.list('select'), ...opts.list('models')],
      exclude: opts.list('exclude'),
      vars: opts.string('vars'),
      fullRefresh: opts.flag('full-refresh'),
      storeFailures: opts.flag('store-failures'),
      threads: opts.optionalNumber('threads'),
      noWait: opts.flag('no-wait'),
      state: opts.string('state'),
      defer: opts.flag('defer'),
    };
    if (sub === 'docs') {
      if (rest[1] !== 'generate') throw new CliError('edp dbt docs: only `edp dbt docs generate` is supported');
      const { dbtDocsGenerate } = await import('../dbt-docs');
      const { parseVars } = await import('../dbt-command');
      const projectDir = resolve(opts.string('project-dir') ?? config.transform.projectDir);
      try {
        return await dbtDocsGenerate(config, { projectDir, vars: parseVars(opts.string('vars')) }, log);
      } catch (err) {
        if (err instanceof ProjectError) throw new CliError(err.message);
        throw err;
      }
    }
    const { dbtCommand: runDbt } = await import('../dbt-command');
    if (sub === 'compile' || dbt.noWait) return runDbt(config, sub, dbt, log);
    const { withWorker } = await import('../session');
    return withWorker(config, () => runDbt(config, sub, dbt, log), log);
  },
};
