import { clusterConfig, defaultClusterPorts, type TemporalClusterOptions } from '../../../infra/temporal-cluster';
import { configSchema } from '../../../workers/config-schema';

describe('the multi-process Temporal cluster config', () => {
  const options: TemporalClusterOptions = {
    dir: '/state/services/temporal-cluster',
    host: '127.0.0.1',
    ports: defaultClusterPorts(7233),
    postgres: { host: '127.0.0.1', port: 5442, user: 'edp' },
    tls: {
      caFile: 'ca.crt',
      certFile: 'fe.crt',
      keyFile: 'fe.key',
      clientCertFile: 'c.crt',
      clientKeyFile: 'c.key',
      internode: { caFile: 'in-ca.crt', certFile: 'in.crt', keyFile: 'in.key' },
    },
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

  it('persists to PostgreSQL with SQL visibility and requires client certificates of a CA on every service', () => {
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
    // The services take mTLS of their own CA from each other, never the clients' CA.
    expect(config.global.tls).toMatchObject({
      internode: {
        server: { certFile: 'in.crt', keyFile: 'in.key', requireClientAuth: true, clientCaFiles: ['in-ca.crt'] },
        client: { serverName: '127.0.0.1', rootCaFiles: ['in-ca.crt'] },
      },
    });
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
