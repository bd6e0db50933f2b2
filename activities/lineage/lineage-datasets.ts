import { join } from 'node:path';
import { parseS3Location, type EntityConfig, type SqlSourceConfig } from '../../lib/config/schema';
import { targetOf } from '../ingest/extract-sql-table';
import type { Warehouse } from '../warehouse';

/** An OpenLineage dataset before facets: where it lives (namespace) and its name there. */
export interface DatasetId {
  namespace: string;
  name: string;
}

/** Where the platform's datasets are, for naming them as OpenLineage does. */
export interface DatasetPlaces {
  /** The warehouse's namespace, and the database prefixing table names where the engine has one. */
  warehouse: { namespace: string; database?: string };
  landingDir: string;
  entities: readonly EntityConfig[];
  sources: readonly SqlSourceConfig[];
  exportDir: string;
  /** The Kafka brokers (the first names the topics' namespace) and the streamed topics with their tables. */
  kafkaBrokers?: readonly string[];
  topics?: ReadonlyArray<{ topic: string; table: string }>;
}

// OpenLineage's naming: local files are namespace `file` and their absolute path; PostgreSQL tables are
// `postgres://host:port` and `database.schema.table`.
const FILE_NAMESPACE = 'file';

/** A folder's or an `s3://` location's child: OpenLineage names S3 objects by namespace `s3://bucket` and key. */
function storedDataset(root: string, child: string): DatasetId {
  const s3 = parseS3Location(root);
  if (s3) return { namespace: `s3://${s3.bucket}`, name: `${s3.prefix}${child}` };
  return { namespace: FILE_NAMESPACE, name: join(root, child) };
}

/** A warehouse table (`schema.table`). */
export function tableDataset(places: DatasetPlaces, table: string): DatasetId {
  const { namespace, database } = places.warehouse;
  return { namespace, name: database ? `${database}.${table}` : table };
}

/** What the batch ingest reads (landing entity folders, SQL-source tables) and the raw tables it writes. */
export function ingestDatasets(places: DatasetPlaces): { inputs: DatasetId[]; outputs: DatasetId[] } {
  const inputs: DatasetId[] = places.entities.map((e) => storedDataset(places.landingDir, e.name));
  const outputs = places.entities.map((e) => tableDataset(places, `raw.${e.name}`));
  for (const s of places.sources) {
    for (const t of s.tables) {
      inputs.push({ namespace: `postgres://${s.host}:${s.port}`, name: `${s.database}.${t.schema}.${t.name}` });
      outputs.push(tableDataset(places, `raw.${targetOf(s, t)}`));
    }
  }
  return { inputs, outputs };
}

/** The marts an export reads and the Delta tables it writes. */
export function exportDatasets(
  places: DatasetPlaces,
  marts: readonly string[],
): { inputs: DatasetId[]; outputs: DatasetId[] } {
  return {
    inputs: marts.map((m) => tableDataset(places, `marts.${m}`)),
    outputs: marts.map((m) => storedDataset(places.exportDir, m)),
  };
}

/** A table's columns as the schema facet lists them; undefined when the table does not exist (yet). */
export async function tableFields(
  w: Warehouse,
  table: string,
): Promise<Array<{ name: string; type: string }> | undefined> {
  const [schema, name] = table.split('.');
  const columns = await w.describeTable({ schema, table: name });
  return columns?.map((c) => ({ name: c.name, type: c.type }));
}

/**
 * What a stream consumer reads (its Kafka topic, OpenLineage's `kafka://host:port` namespace and the topic name)
 * and writes (`raw.<table>`, every event, and `staging.<table>`, merged).
 */
export function streamDatasets(places: DatasetPlaces, topic: string): { inputs: DatasetId[]; outputs: DatasetId[] } {
  const t = places.topics?.find((x) => x.topic === topic);
  const broker = places.kafkaBrokers?.[0];
  return {
    inputs: [{ namespace: broker ? `kafka://${broker}` : 'kafka', name: topic }],
    outputs: t ? [tableDataset(places, `raw.${t.table}`), tableDataset(places, `staging.${t.table}`)] : [],
  };
}
