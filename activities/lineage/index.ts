/** OpenLineage: run events of pipeline runs, steps and dbt nodes, to an HTTP endpoint (Marquez, DataHub) or a file. */
export * from './lineage-input';
export * from './lineage-run-id';
export * from './lineage-datasets';
export * from './lineage-events';
export * from './lineage-transport';
export * from './lineage-activities';
