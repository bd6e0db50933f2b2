/**
 * Benchmark: the consumer's warehouse work without Kafka — writePartitionBatch and mergeToStaging in a
 * loop over generated claim events (micro-batches of `--batch`, a merge after each), with the CPU each
 * phase costs (this process, DuckDB's threads included) per message.
 *
 * Run by hand: npx tsx bench/stream-phases.ts [--events 60000] [--batch 10000] [--partitions 3]
 */
import type { KafkaMessage } from 'kafkajs';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mergeToStaging } from '../activities/streaming/stream-merge';
import { ensureStreamTables, messageRows } from '../activities/streaming/stream-tables';
import { writePartitionBatch } from '../activities/streaming/write-partition-batch';
import { DuckDbWarehouse } from '../activities/warehouse';
import { streamEvent } from '../cli/stream-producer';
import { rng } from '../cli/sample-data';
import { claimTopic } from './claim-topic';
import { loadAverage, loadNote, machine } from './figures';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '60000' },
    batch: { type: 'string', default: '10000' },
    partitions: { type: 'string', default: '3' },
  },
});

const t = claimTopic('bench.phases');

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const dir = join(__dirname, '..', '.edp', 'bench', 'stream-phases');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const events = Number(values.events);
  const batch = Number(values.batch);
  const partitions = Number(values.partitions);
  const r = rng(7);
  const now = Date.now();
  const byPartition: KafkaMessage[][] = Array.from({ length: partitions }, () => []);
  for (let i = 0; i < events; i++) {
    const { message } = streamEvent(t, i, r, 100_000, 0);
    const list = byPartition[i % partitions];
    list.push({
      key: Buffer.from(String(message.key)),
      value: Buffer.from(String(message.value)),
      timestamp: String(now + i),
      attributes: 0,
      offset: String(list.length),
      headers: {},
    });
  }
  const w = await DuckDbWarehouse.open({ path: join(dir, 'phases.duckdb') });
  await ensureStreamTables(w, t);
  console.log(`machine: ${machine()}`);
  const before = loadAverage();
  let decode = 0;
  for (const list of byPartition) {
    const c = process.cpuUsage();
    messageRows(t, 0, list, now);
    decode += cpuMs(c);
  }
  let write = 0;
  let merge = 0;
  const wall = performance.now();
  for (let at = 0; at < events / partitions; at += batch) {
    for (let p = 0; p < partitions; p++) {
      const c = process.cpuUsage();
      await writePartitionBatch(w, t, p, byPartition[p].slice(at, at + batch));
      write += cpuMs(c);
    }
    const c = process.cpuUsage();
    await mergeToStaging(w, t);
    merge += cpuMs(c);
  }
  const seconds = (performance.now() - wall) / 1000;
  const [{ n }] = await w.query<{ n: string }>(`SELECT count(*) AS n FROM raw.${t.table}`);
  const [{ s }] = await w.query<{ s: string }>(`SELECT count(*) AS s FROM staging.${t.table}`);
  await w.close();
  const us = (ms: number) => ((ms * 1000) / events).toFixed(1);
  console.log(
    `${events} events (${n} raw, ${s} staging), batches of ${batch}: decode alone ${us(decode)} µs/msg; ` +
      `write ${us(write)} µs/msg CPU; merge ${us(merge)} µs/msg CPU; wall ${seconds.toFixed(1)} s; ${loadNote(before, loadAverage())}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
