import { cdcTopic, connectorConfig, publishedTables } from '../../../infra/debezium';
import { cdcSchema } from '../../../lib/config/cdc-schema';

const source = {
  host: '127.0.0.1',
  port: 5432,
  database: 'operational',
  user: 'edp_cdc',
  sslmode: 'verify-full' as const,
  sslCaFile: '/etc/ca.pem',
};

describe('the Debezium connector settings from the cdc section', () => {
  it('captures the operational tables and the heartbeat table through the platform’s publication and slot', () => {
    const cdc = cdcSchema.parse({ source: 'operational' });
    expect(publishedTables(cdc)).toEqual([
      'members',
      'eligibility',
      'claims',
      'claim_status_events',
      'providers',
      'accumulators',
      'edp_heartbeat',
    ]);
    expect(cdcTopic(cdc, 'members')).toBe('edp.cdc.public.members');
    const c = connectorConfig(cdc, { ...source, passwordEnv: 'PG_CDC_PASSWORD' });
    expect(c).toMatchObject({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'plugin.name': 'pgoutput',
      'slot.name': 'edp_cdc',
      'publication.name': 'edp_cdc',
      'publication.autocreate.mode': 'disabled',
      'snapshot.mode': 'initial',
      'decimal.handling.mode': 'precise',
      'value.converter.schemas.enable': 'true',
      'database.sslmode': 'verify-full',
      'database.sslrootcert': '/etc/ca.pem',
      'exactly.once.support': 'requested',
      // The secret itself never enters the connector config (stored in a Kafka topic).
      'database.password': '${env:PG_CDC_PASSWORD}',
    });
    expect(c['table.include.list'].split(',')).toContain('public\\.edp_heartbeat');
    expect(c.transforms).toBeUndefined();
  });

  it('reads a password file through the directory provider, and flattens with ExtractNewRecordState on request', () => {
    const cdc = cdcSchema.parse({ source: 'operational', flatten: true, schemas: false, decimalHandling: 'string' });
    const c = connectorConfig(cdc, { ...source, passwordFile: '/run/secrets/pg-cdc' });
    expect(c).toMatchObject({
      'database.password': '${dir:/run/secrets:pg-cdc}',
      transforms: 'unwrap',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
      'value.converter.schemas.enable': 'false',
      'decimal.handling.mode': 'string',
    });
  });

  it('refuses settings Debezium would reject later', () => {
    expect(() => cdcSchema.parse({ source: 'operational', decimalHandling: 'exact' })).toThrow(
      /decimalHandling|Invalid enum/,
    );
    expect(() => cdcSchema.parse({ source: 'operational', slot: 'edp-cdc' })).toThrow(/identifier/);
    expect(() => cdcSchema.parse({ source: 'operational', topicPrefix: 'a..b' })).toThrow();
  });
});
