import { DEFAULT_SAMPLE } from './sample-files';

/** `edp --help`. */
export const HELP = `edp — EDP Pipelines: the data platform's pipelines on Temporal

Usage: edp <command> [options]      (every command takes --config FILE; default ./edp.config.yaml)

  start [--once] [--interval S/E]   install and start the services and a worker, generate sample data and run
  demo                              the pipeline end to end; --once (default when CI is set) exits afterwards
  up [--services-only]              start Temporal (Web UI) and Kafka, and a background worker
  down                              stop the background worker and the services
  status                            services, worker, latest runs, open dead letters and SLA states
  config                            the resolved configuration (defaults, EDP_* overrides), secrets redacted
  install                           install the service binaries into the cache, start nothing
  worker                            run a worker in the foreground (Ctrl-C stops it cleanly)
  run --interval S/E [--no-wait]    run platformPipeline for one data interval, e.g. 2026-01-01T04:00Z/2026-01-01T08:00Z
  generate --interval S/E [--seed N --members N --claims N --dirt F --only A,B --skip A,B]
                                    write an interval's sample landing files and operational rows (edp generate --help)
  query "<sql>" [--json]            query the warehouse (through the worker when one holds the DuckDB file)
  schedules apply | show            create or update the Temporal Schedule that runs the pipeline every interval
  backfill --from T --to T [--mode missing|failed|all] [--concurrency N] [--dry-run]
                                    run the intervals in [from, to) the mode selects (default missing, concurrency 2)
  dbt build|run|test|seed|snapshot|compile [--project-dir DIR] [-s SELECTOR ...] [--exclude SELECTOR ...]
      [--vars YAML] [--full-refresh] [--threads N] [--no-wait]
                                    run a dbt project as a durable transform workflow (edp dbt --help)
  quality run [--table S.T ...] [--interval S/E]
                                    run the data-quality rules (all, or for the given tables); exit 1 on an error
  quality report [--run RUN_ID]     the results of a quality run (default the latest); exit 1 if it failed
  stream produce [--rate N --duration S --dirt F --topic T]
                                    produce sample events (claims, Debezium member/provider changes) at a steady rate
  stream start | stop | status      the streamingIngest workflows (one per topic) and streamingMonitor
  stream backfill --topic T (--from-offset N --to-offset N | --from-time ISO --to-time ISO) [--partition P] [--no-wait]
                                    replay a range into raw without duplicating rows already there
  realtime start | stop | status    near-real-time objects: deploy and keep curation tables within their target lag
                                    (realtimeRefresh) | cancel it | each table's lag; exit 1 when one is behind
  dead-letters [list] [--all]       failed runs whose interval has not completed since (--all: every one)
  dead-letters retry <run-id ...> | --all
                                    run the pipeline again for those intervals (steps are idempotent)
  sla check | status                evaluate the SLAs now (records, alerts once per breach) | their latest state; exit 1 on a breach
  codec-keys new --out FILE [--key-id ID]
                                    write a new payload encryption key set (see docs/security.md)
  codec-server [--port N] [--ui-origin URL] [--token-file F]
                                    decode encrypted payloads for the Web UI (loopback; CORS for the UI origin only)
`;

/** Longer help for commands with many options: `edp <command> --help`. */
export const COMMAND_HELP: Record<string, string> = {
  generate: `edp generate --interval S/E [options]

Writes one data interval of deterministic sample data for the healthcare domain:
landing files (members, providers, claims, claim_lines, accumulators as CSV; eligibility as
NDJSON) where the config's entities expect them, and plans plus claim status changes into each
local PostgreSQL source. The same seed and interval always give the same data.

  --interval S/E   the data interval, e.g. 2026-01-01T04:00Z/2026-01-01T08:00Z (required)
  --seed N         random seed (default ${DEFAULT_SAMPLE.seed})
  --members N      members (default ${DEFAULT_SAMPLE.members})
  --claims N       claims in the interval, a few to millions (default ${DEFAULT_SAMPLE.claimsPerInterval}); each has 1-3 lines
  --dirt F         share of rows, 0-1, with one realistic defect (default ${DEFAULT_SAMPLE.dirt}): missing mandatory
                   key, wrong type, extra column, malformed CSV line, bad encoding (a latin-1 byte),
                   unknown foreign key, duplicate record; truncated JSON lines in eligibility
  --only A,B       only these entities / sources (a late-arriving file: generate it on its own later)
  --skip A,B       all but these (e.g. --skip claims to leave the claims file late)
`,
  dbt: `edp dbt <command> [options]

Runs a dbt-format project (dbt_project.yml, models, seeds, snapshots, tests, macros) model by model
as the durable \`transform\` workflow: planned once, one activity per node, resumable after a crash.

  build      seeds, models, snapshots and tests in dependency order; a failing test skips what is downstream
  run        models only            test   tests only
  seed       seeds only             snapshot  snapshots only
  compile    parse and render SQL into target/compiled/ (no warehouse, no Temporal)

  --project-dir DIR       the project (default transform.projectDir: the platform's models/)
  -s, --select SEL        dbt selectors: name, +name, name+, 2+name, @name, tag:T, path:P, source:S.T,
                          resource_type:R, config.materialized:M; space = union, comma = intersection
  --exclude SEL           the same syntax, removed from the selection
  --vars YAML             override project vars, e.g. --vars '{as_of_date: 2026-01-01}'
  --full-refresh          rebuild incremental models from scratch
  --threads N             nodes run at once (default transform.threads)
  --no-wait               start the workflow and return (follow it in the Web UI)

Writes target/manifest.json, target/compiled/ and target/run/ inside the project, like dbt.
Exit code 1 when a node errors or an error-severity test fails. See docs/transform.md.
`,
};
