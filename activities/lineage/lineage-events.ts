import type { Manifest, Relation } from '../transform/manifest-types';
import type { Warehouse } from '../warehouse';
import {
  exportDatasets,
  ingestDatasets,
  streamDatasets,
  tableDataset,
  tableFields,
  type DatasetId,
  type DatasetPlaces,
} from './lineage-datasets';
import type { LineageEventInput, LineageIo, LineageRunRef } from './lineage-input';
import { lineageRunId } from './lineage-run-id';

/** Who produced the events (OpenLineage `producer` and every facet's `_producer`). */
export const LINEAGE_PRODUCER = 'urn:edp-pipelines';
const SPEC = 'https://openlineage.io/spec';
const RUN_EVENT_SCHEMA = `${SPEC}/2-0-2/OpenLineage.json#/$defs/RunEvent`;

/** A facet with the base fields every facet carries. */
function facet<T extends object>(schemaPath: string, fields: T): T & { _producer: string; _schemaURL: string } {
  const name = schemaPath.split('/').pop()!.replace('.json', '');
  return { _producer: LINEAGE_PRODUCER, _schemaURL: `${SPEC}/${schemaPath}#/$defs/${name}`, ...fields };
}

/** An OpenLineage dataset with its facets. */
interface Dataset extends DatasetId {
  facets?: Record<string, unknown>;
  inputFacets?: Record<string, unknown>;
  outputFacets?: Record<string, unknown>;
}

/** One OpenLineage run event, as posted. */
export interface RunEvent {
  eventType: LineageEventInput['eventType'];
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, unknown> };
  job: { namespace: string; name: string; facets: Record<string, unknown> };
  inputs: Dataset[];
  outputs: Dataset[];
}

/** What building events needs: the jobs' namespace, where datasets are, the warehouse and the planned manifests. */
export interface EventContext {
  namespace: string;
  places: DatasetPlaces;
  warehouse: Warehouse;
  manifest: (ref: { manifestFile: string; checksum: string }) => Promise<Manifest>;
}

const relationName = (r: Relation): string => `${r.schema}.${r.identifier}`;

function jobTypeOf(input: LineageEventInput, resourceType?: string): { integration: string; jobType: string } {
  if (resourceType) return { integration: 'DBT', jobType: resourceType.toUpperCase() };
  if (input.io?.kind === 'quality-table') return { integration: 'EDP', jobType: 'QUALITY_CHECK' };
  if (input.io?.kind === 'stream') return { integration: 'EDP', jobType: 'JOB' };
  return { integration: 'EDP', jobType: input.parent ? 'TASK' : 'DAG' };
}

/** The schema facet of a table the run wrote, once it finished (the table exists then). */
async function withSchema(ctx: EventContext, input: LineageEventInput, table: string, d: Dataset): Promise<Dataset> {
  if (input.eventType !== 'COMPLETE') return d;
  const fields = await tableFields(ctx.warehouse, table);
  return fields
    ? { ...d, facets: { ...d.facets, schema: facet('facets/1-0-0/SchemaDatasetFacet.json', { fields }) } }
    : d;
}

/** Inputs and outputs of a dbt node: what it reads, what it builds, and for a test its assertion. */
async function dbtDatasets(
  ctx: EventContext,
  input: LineageEventInput,
  io: Extract<LineageIo, { kind: 'dbt-node' }>,
): Promise<{ inputs: Dataset[]; outputs: Dataset[]; resourceType?: string }> {
  const manifest = await ctx.manifest(io.manifest);
  const node = manifest.nodes[io.nodeId];
  if (!node) return { inputs: [], outputs: [] };
  const relationOf = (id: string): Relation | undefined =>
    manifest.nodes[id]?.relation ?? manifest.sources[id]?.relation;
  const reads = node.dependsOn.flatMap((id) => {
    const r = relationOf(id);
    return r ? [tableDataset(ctx.places, relationName(r))] : [];
  });
  if (node.resourceType === 'test') {
    const tested = node.generic ? relationOf(node.generic.attachedTo) : undefined;
    const targets = tested ? [tableDataset(ctx.places, relationName(tested))] : reads;
    const assertion = {
      assertion: node.generic?.name ?? node.name,
      success: io.passed ?? false,
      ...(node.generic?.column ? { column: node.generic.column } : {}),
    };
    const finished = input.eventType !== 'START';
    return {
      resourceType: node.resourceType,
      inputs: targets.map((t) =>
        finished
          ? {
              ...t,
              inputFacets: {
                dataQualityAssertions: facet('1-0-1/DataQualityAssertionsDatasetFacet.json', {
                  assertions: [assertion],
                }),
              },
            }
          : t,
      ),
      outputs: [],
    };
  }
  const outputs: Dataset[] = [];
  if (node.relation) {
    const table = relationName(node.relation);
    let out: Dataset = tableDataset(ctx.places, table);
    if (io.rows !== undefined) {
      out = {
        ...out,
        outputFacets: {
          outputStatistics: facet('1-0-1/OutputStatisticsOutputDatasetFacet.json', { rowCount: io.rows }),
        },
      };
    }
    outputs.push(await withSchema(ctx, input, table, out));
  }
  return { inputs: reads, outputs, resourceType: node.resourceType };
}

/** The datasets of an event's run, from what the workflow said it read and wrote. */
async function datasetsOf(
  ctx: EventContext,
  input: LineageEventInput,
): Promise<{ inputs: Dataset[]; outputs: Dataset[]; resourceType?: string }> {
  const io = input.io;
  switch (io?.kind) {
    case 'ingest':
      return ingestDatasets(ctx.places);
    case 'export':
      return exportDatasets(ctx.places, io.marts);
    case 'stream':
      return streamDatasets(ctx.places, io.topic);
    case 'dbt-node':
      return dbtDatasets(ctx, input, io);
    case 'quality-table': {
      const assertions = io.rules.map((r) => ({
        assertion: r.rule,
        success: r.passed,
        ...(r.column ? { column: r.column } : {}),
      }));
      const table: Dataset = {
        ...tableDataset(ctx.places, io.table),
        ...(input.eventType === 'START'
          ? {}
          : {
              inputFacets: {
                dataQualityAssertions: facet('1-0-1/DataQualityAssertionsDatasetFacet.json', { assertions }),
              },
            }),
      };
      return { inputs: [table], outputs: [] };
    }
    default:
      return { inputs: [], outputs: [] };
  }
}

const runFacetOfParent = (namespace: string, parent: LineageRunRef) =>
  facet('1-0-1/ParentRunFacet.json', {
    run: { runId: lineageRunId(parent.runKey) },
    job: { namespace, name: parent.job },
  });

/** Builds the OpenLineage run event a workflow asked for. */
export async function buildRunEvent(ctx: EventContext, input: LineageEventInput): Promise<RunEvent> {
  const { inputs, outputs, resourceType } = await datasetsOf(ctx, input);
  const runFacets: Record<string, unknown> = {};
  if (input.parent) runFacets.parent = runFacetOfParent(ctx.namespace, input.parent);
  if (input.interval) {
    runFacets.nominalTime = facet('1-0-1/NominalTimeRunFacet.json', {
      nominalStartTime: input.interval.start,
      nominalEndTime: input.interval.end,
    });
  }
  if (input.eventType === 'FAIL' && input.errorClass) {
    runFacets.errorMessage = facet('facets/1-0-0/ErrorMessageRunFacet.json', {
      message: input.errorClass,
      programmingLanguage: resourceType ? 'SQL' : 'TypeScript',
    });
  }
  return {
    eventType: input.eventType,
    eventTime: input.eventTime,
    producer: LINEAGE_PRODUCER,
    schemaURL: RUN_EVENT_SCHEMA,
    run: { runId: lineageRunId(input.run.runKey), facets: runFacets },
    job: {
      namespace: ctx.namespace,
      name: input.run.job,
      facets: {
        jobType: facet('facets/2-0-4/JobTypeJobFacet.json', {
          processingType: input.io?.kind === 'stream' ? 'STREAMING' : 'BATCH',
          ...jobTypeOf(input, resourceType),
        }),
      },
    },
    inputs,
    outputs,
  };
}
