/**
 * Benchmark: Kafka → raw on the exactly-once path (consumeStream: decode, raw + offsets in one
 * transaction per micro-batch, staging merges), against a plain kafkajs consumer that only counts
 * (the limit), in the same run on the same topic; then produce → queryable-in-staging latency at a
 * fixed rate, with the adaptive merge cadence and with the fixed one in the same run. Starts its own broker
 * (infra/, free loopback ports) and DuckDB file.
 *
 * Run by hand: npx tsx bench/streaming.ts [--events 300000] [--rounds 3] [--rate 5000] [--seconds 20]
 *   [--cadence adaptive,fixed]
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { Kafka, logLevel } from 'kafkajs';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStreamIngestActivities } from '../activities/streaming';
import { DuckDbWarehouse } from '../activities/warehouse';
import { produceEvents } from '../cli/stream-producer';
import { startKafka, stopKafka } from '../infra/kafka';
import { freePort } from '../infra/process';
import type { KafkaConfig, StreamTopicConfig } from '../lib/config/schema';
import { claimTopic } from './claim-topic';
import { fmt, loadAverage, loadNote, machine, spread } from './figures';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    cadence: { type: 'string', default: 'adaptive,fixed' },
  },
});
const dir = join(__dirname, '..', '.edp', 'bench', 'streaming');

/** Rows in `raw.<table>` (0 before the table exists). */
const rawCount = async (w: DuckDbWarehouse, table: string): Promise<number> =>
  Number((await w.query<{ n: string }>(`SELECT count(*) AS n FROM raw.${table}`).catch(() => [{ n: '0' }]))[0].n);

const topic = claimTopic;

/** Runs consumeStream in a mock activity context until `done` says so, then cancels it. */
async function consumeUntil(
  kafka: KafkaConfig,
  t: StreamTopicConfig,
  w: DuckDbWarehouse,
  done: () => Promise<boolean>,
  adaptiveMerge = true,
): Promise<void> {
  const acts = createStreamIngestActivities({
    warehouse: w,
    kafka,
    streaming: {
      topics: [t],
      batchMaxRows: 10_000,
      mergeEveryMs: 500,
      adaptiveMerge,
      activitySeconds: 3600,
      monitor: { everySeconds: 15, windowSeconds: 300 },
    },
  });
  const env = new MockActivityEnvironment();
  const run = env.run((input: { topic: string }) => acts.consumeStream(input), { topic: t.topic });
  while (!(await done())) await new Promise((r) => setTimeout(r, 50));
  env.cancel();
  await run;
}

/** Reads the whole backlog with a plain kafkajs consumer that only counts (the limit); returns seconds. */
async function countBacklog(kafka: KafkaConfig, topicName: string, events: number, group: string): Promise<number> {
  const client = new Kafka({ clientId: 'edp-bench-count', brokers: kafka.brokers, logLevel: logLevel.NOTHING });
  const counter = client.consumer({ groupId: group, maxWaitTimeInMs: 100 });
  await counter.connect();
  await counter.subscribe({ topic: topicName, fromBeginning: true });
  let counted = 0;
  const t = performance.now();
  await counter.run({
    eachBatch: async ({ batch }) => {
      counted += batch.messages.length;
      return Promise.resolve();
    },
  });
  while (counted < events) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t) / 1000;
  await counter.disconnect();
  return seconds;
}

async function main(): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [port, controllerPort] = [await freePort(), await freePort()];
  const broker = { dir: join(dir, 'kafka'), host: '127.0.0.1', port, controllerPort, heap: '512m' };
  process.stdout.write('starting a Kafka broker… ');
  await startKafka(broker);
  console.log(`127.0.0.1:${port}`);
  const kafka = { brokers: [`127.0.0.1:${port}`], clientId: 'edp-bench' };
  try {
    console.log(`machine: ${machine()}`);
    // 1. Sustained throughput on a backlog: the same messages, read by a counting consumer and by
    // consumeStream in each round (a table of its own per round: its own consumer group and raw table).
    const events = Number(values.events);
    const backlog = topic('bench.throughput');
    process.stdout.write(`producing ${fmt(events)} events… `);
    const p = await produceEvents({
      kafka,
      topics: [backlog],
      rate: 1_000_000,
      durationSeconds: events / 1_000_000,
      keys: 100_000,
    });
    console.log(`${fmt(p.sent)} in ${p.seconds.toFixed(1)} s`);
    // CPU seconds of this process (all its threads: DuckDB's too; the broker runs apart) for each reader:
    // on a machine shared with other work, wall-clock rates follow the load, the CPU one reading costs does not.
    const cpuSeconds = (since: NodeJS.CpuUsage): number => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1e6;
    };
    const cadences = values.cadence.split(',');
    for (const c of cadences) {
      if (c !== 'adaptive' && c !== 'fixed') throw new Error(`--cadence: adaptive or fixed, not ${c}`);
    }
    const ratios = new Map<string, number[]>(cadences.map((c) => [c, []]));
    const rates = new Map<string, number[]>(cadences.map((c) => [c, []]));
    for (let round = 1; round <= Number(values.rounds); round++) {
      const before = loadAverage();
      const countCpu = process.cpuUsage();
      const limitSeconds = await countBacklog(kafka, backlog.topic, p.sent, `bench-count-${round}`);
      const limitCpu = cpuSeconds(countCpu);
      const limitRate = p.sent / limitSeconds;
      const parts = [`counting consumer (limit) ${fmt(limitRate)} events/s, CPU ${limitCpu.toFixed(1)} s`];
      for (const cadence of cadences) {
        const w = await DuckDbWarehouse.open({ path: join(dir, `throughput-${round}-${cadence}.duckdb`) });
        const t = { ...backlog, table: `${backlog.table}_${round}_${cadence}` };
        const start = performance.now();
        const oursCpuStart = process.cpuUsage();
        await consumeUntil(kafka, t, w, async () => (await rawCount(w, t.table)) >= p.sent, cadence === 'adaptive');
        const oursSeconds = (performance.now() - start) / 1000;
        const oursCpu = cpuSeconds(oursCpuStart);
        await w.close();
        const oursRate = p.sent / oursSeconds;
        ratios.get(cadence)?.push(oursRate / limitRate);
        rates.get(cadence)?.push(oursRate);
        parts.push(
          `consumeStream (${cadence} merges) ${fmt(oursRate)} events/s, ratio ${(oursRate / limitRate).toFixed(2)}, ` +
            `CPU ${oursCpu.toFixed(1)} s, ratio ${(limitCpu / oursCpu).toFixed(2)}`,
        );
      }
      console.log(`round ${round}: ${parts.join('; ')}; ${loadNote(before, loadAverage())}`);
    }
    for (const cadence of cadences) {
      const r = ratios.get(cadence) ?? [];
      const medianRatio = [...r].sort((a, b) => a - b)[Math.floor((r.length - 1) / 2)];
      console.log(
        `consumeStream (${cadence} merges) events/s: ${spread(rates.get(cadence) ?? [], 0)}; ratio to the counting ` +
          `consumer: ${spread(r)}; target ≥ 0.5: ${medianRatio >= 0.5 ? 'met' : 'NOT met'}`,
      );
    }

    // 2. Latency at a fixed rate: produce → merged into staging, from each event's event time; each merge
    // cadence on a topic of its own, one after the other in the same run.
    const rate = Number(values.rate);
    const seconds = Number(values.seconds);
    for (const cadence of cadences) {
      const live = topic(`bench.latency-${cadence}`);
      await produceEvents({ kafka, topics: [live], rate: 10, durationSeconds: 0.1 }); // create the topic first
      const w = await DuckDbWarehouse.open({ path: join(dir, `latency-${cadence}.duckdb`) });
      const target: { events?: number } = {};
      const before = loadAverage();
      const cpuStart = process.cpuUsage();
      const consuming = consumeUntil(
        kafka,
        live,
        w,
        async () => target.events !== undefined && (await rawCount(w, live.table)) >= target.events,
        cadence === 'adaptive',
      );
      const produced = await produceEvents({
        kafka,
        topics: [live],
        rate,
        durationSeconds: seconds,
        keys: 10_000_000,
        seed: 11,
      });
      target.events = produced.sent + 1; // + the topic-creating event
      await consuming;
      const cpu = cpuSeconds(cpuStart);
      const [lat] = await w.query<Record<string, number>>(
        `SELECT quantile_cont(ms, 0.5) AS p50, quantile_cont(ms, 0.95) AS p95, quantile_cont(ms, 0.99) AS p99, count(*) AS n
         FROM (SELECT epoch_ms(_edp_merged_at) - epoch_ms(_edp_event_time) AS ms FROM staging.${live.table})`,
      );
      const [rawLat] = await w.query<Record<string, number>>(
        `SELECT quantile_cont(ms, 0.5) AS p50, quantile_cont(ms, 0.99) AS p99
         FROM (SELECT epoch_ms(_edp_ingested_at) - epoch_ms(_edp_event_time) AS ms FROM raw.${live.table})`,
      );
      // The merge's share alone (cadence wait + merge), apart from the consumer's fetch and write.
      const [mergeLat] = await w.query<Record<string, number>>(
        `SELECT quantile_cont(ms, 0.5) AS p50, quantile_cont(ms, 0.99) AS p99
         FROM (SELECT epoch_ms(s._edp_merged_at) - epoch_ms(r._edp_ingested_at) AS ms
               FROM staging.${live.table} s JOIN raw.${live.table} r
                 ON r.kafka_partition = s._edp_kafka_partition AND r.kafka_offset = s._edp_kafka_offset)`,
      );
      await w.close();
      console.log(
        `latency at ${fmt(rate)} events/s for ${seconds} s, ${cadence} merge cadence (${fmt(produced.sent)} events, ` +
          `${fmt(Number(lat.n))} staging rows; CPU ${cpu.toFixed(1)} s producing and consuming; ${loadNote(before, loadAverage())}):`,
      );
      console.log(`  produce → raw:     p50 ${Math.round(rawLat.p50)} ms, p99 ${Math.round(rawLat.p99)} ms`);
      console.log(`  raw → staging:     p50 ${Math.round(mergeLat.p50)} ms, p99 ${Math.round(mergeLat.p99)} ms`);
      console.log(
        `  produce → staging: p50 ${Math.round(lat.p50)} ms, p95 ${Math.round(lat.p95)} ms, p99 ${Math.round(lat.p99)} ms (target p99 ≤ 500 ms: ${lat.p99 <= 500 ? 'met' : 'NOT met'})`,
      );
    }
  } finally {
    await stopKafka(broker.dir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
