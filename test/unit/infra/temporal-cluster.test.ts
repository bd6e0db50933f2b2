import { clusterConfig, defaultClusterPorts, type TemporalClusterOptions } from '../../../infra/temporal-cluster';
import { configSchema } from '../../../workers/config-schema';

describe('the multi-process Temporal cluster config', () => {
  const options: TemporalClusterOptions = {
    dir: '/state/services/temporal-cluster',
    host: '127.0.0.1',
    ports: defaultClusterPorts(7233),
    postgres: { host: '127.0.0.1', port: 5442, user: 'edp' },
    tls: { caFile: 'ca.crt', certFile: 'fe.crt', keyFile: 'fe.key', clientCertFile: 'c.crt', clientKeyFile: 'c.key' },
    namespace: 'edp',
  };

  it("lays the services out as Temporal's own defaults around the frontend port", () => {
    expect(defaultClusterPorts(7233)).toEqual({
      frontend: { grpc: 7233, membership: 6933 },
      history: { grpc: 7234, membership: 6934 },
      matching: { grpc: 7235, membership: 6935 },
      worker: { grpc: 7239, membership: 6939 },
      http: 7243,
    });
  });

  it('persists to PostgreSQL with SQL visibility and requires client certificates of the CA on the frontend', () => {
    const config = clusterConfig(options) as {
      persistence: { datastores: Record<string, { sql: { pluginName: string; databaseName: string } }> };
      global: { tls: Record<string, unknown> };
      services: Record<string, { rpc: { grpcPort: number } }>;
    };
    expect(Object.values(config.persistence.datastores).map((d) => [d.sql.pluginName, d.sql.databaseName])).toEqual([
      ['postgres12', 'temporal'],
      ['postgres12', 'temporal_visibility'],
    ]);
    expect(config.global.tls).toMatchObject({
      frontend: { server: { certFile: 'fe.crt', requireClientAuth: true, clientCaFiles: ['ca.crt'] } },
      systemWorker: { certFile: 'c.crt', keyFile: 'c.key', client: { rootCaFiles: ['ca.crt'] } },
    });
    expect(config.global.tls).not.toHaveProperty('internode'); // loopback only: plain between the services
    expect(Object.keys(config.services).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
  });

  it('the dev server stays the default; `services.temporal.server: cluster` switches', () => {
    expect(configSchema.parse({}).services.temporal.server).toBe('dev');
    expect(configSchema.parse({ services: { temporal: { server: 'cluster' } } }).services.temporal).toMatchObject({
      server: 'cluster',
      cluster: { postgresPort: 5442, pkiDir: 'services/temporal-cluster/pki' },
    });
  });
});
