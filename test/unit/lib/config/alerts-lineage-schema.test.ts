import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { routeFor } from '../../../../lib/config/schema';
import { loadConfig, redactConfig } from '../../../../workers/config';
import { stepOptions } from '../../../../workers/workflow-inputs';
import { tmpDir } from '../../../helpers/tmp';

const load = (yaml: string) => {
  const dir = tmpDir();
  const file = join(dir, 'edp.config.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {} }).config;
};
const hooks = `alerts:
  webhooks:
    - { name: ops, url: http://127.0.0.1:9/ops }
    - { name: pd, url: http://127.0.0.1:9/pd?token=s3cret, format: pagerduty, routingKey: k }
`;

describe('alerts.routes', () => {
  it('routes a kind to its webhooks at its severity; any other kind to every webhook at error', () => {
    const { alerts } = load(`${hooks}  routes:
    run-failed: { webhooks: [pd], severity: critical }
    stream-stalled: { webhooks: [] }
`);
    expect(routeFor(alerts, 'run-failed')).toEqual({ webhooks: [alerts.webhooks[1]], severity: 'critical' });
    expect(routeFor(alerts, 'stream-stalled')).toEqual({ webhooks: [], severity: 'error' });
    expect(routeFor(alerts, 'test-failed')).toEqual({ webhooks: alerts.webhooks, severity: 'error' });
  });

  it('refuses a route to an unknown webhook, a bad severity or a kind that is not kebab-case, naming the key', () => {
    expect(() => load(`${hooks}  routes:\n    run-failed: { webhooks: [nope] }\n`)).toThrow(
      /alerts\.routes\.run-failed\.webhooks: no webhook named nope/,
    );
    expect(() => load(`${hooks}  routes:\n    run-failed: { severity: loud }\n`)).toThrow(
      /alerts\.routes\.run-failed\.severity/,
    );
    expect(() => load(`${hooks}  routes:\n    RunFailed: {}\n`)).toThrow(/alerts\.routes/);
  });
});

describe('lineage', () => {
  it('is off by default: workflows get no lineage flag', () => {
    expect(stepOptions(load('')).lineage).toBeUndefined();
  });

  it('with a file or an endpoint, workflows emit; the file lands in stateDir; the URL is redacted', () => {
    const config = load(
      'stateDir: state\nlineage:\n  http: { url: "http://127.0.0.1:5000/?token=s3cret" }\n  file: l/e.ndjson\n',
    );
    expect(stepOptions(config).lineage).toBe(true);
    expect(config.lineage.file).toBe(join(config.stateDir, 'l', 'e.ndjson'));
    expect(config.lineage.http).toMatchObject({ endpoint: '/api/v1/lineage', retries: 2, timeoutSeconds: 5 });
    expect(JSON.stringify(redactConfig(config))).not.toContain('s3cret');
  });

  it('refuses an endpoint with both or neither of url and urlEnv', () => {
    expect(() => load('lineage:\n  http: { endpoint: /x }\n')).toThrow(
      /lineage\.http\.url: set exactly one of url and urlEnv/,
    );
  });
});
