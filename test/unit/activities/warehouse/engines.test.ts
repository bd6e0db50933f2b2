import { writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { stringify } from 'yaml';
import { quoterFor } from '../../../../activities/transform';
import {
  chosenEngine,
  DEFAULT_ENGINE,
  ENGINES,
  engineForTarget,
  engineNamed,
  openChosenWarehouse,
  singleWriterOf,
  type EngineName,
} from '../../../../activities/warehouse';
import { loadConfig } from '../../../../workers/config';
import { tmpDir } from '../../../helpers/tmp';

/** The least each engine's section needs; typed by the registry, so a new engine must add its own here. */
const MINIMAL_SECTION: Record<EngineName, Record<string, unknown>> = {
  duckdb: {},
  snowflake: { account: 'a', user: 'u', database: 'd' },
};

function load(config: unknown) {
  const dir = tmpDir('edp-engines-');
  const file = join(dir, 'edp.config.yaml');
  writeFileSync(file, stringify(config));
  return loadConfig({ file, env: {} }).config;
}

describe('the engine registry', () => {
  it.each(ENGINES.map((e) => [e.name, e] as const))(
    '%s parses its config section and is chosen by it',
    (name, engine) => {
      const config = load({ warehouse: { engine: name, [name]: MINIMAL_SECTION[name] } });
      expect(config.warehouse.engine).toBe(name);
      expect(chosenEngine(config.warehouse).engine).toBe(engine);
      expect(engineNamed(name)).toBe(engine);
      expect(engineForTarget(engine.dbtType)).toBe(engine);
      expect(engine.dialect.name).toBe(name);
    },
  );

  it.each(ENGINES.filter((e) => e.configNeeds).map((e) => [e.name, e.configNeeds] as const))(
    '%s chosen without its section names the section and what it needs',
    (name, needs) => {
      expect(() => load({ warehouse: { engine: name } })).toThrow(
        `warehouse.${name}: engine ${name} needs warehouse.${name} (${needs})`,
      );
    },
  );

  it('defaults to the embedded engine, whose single-writer file resolves into the state folder', () => {
    const config = load({});
    expect(config.warehouse.engine).toBe(DEFAULT_ENGINE);
    const held = singleWriterOf(config.warehouse);
    expect(held && isAbsolute(held.file)).toBe(true);
  });

  it('refuses an unknown engine with the same error as before the registry', () => {
    expect(() => load({ warehouse: { engine: 'postgres' } })).toThrow(
      "warehouse.engine: Invalid enum value. Expected 'duckdb' | 'snowflake', received 'postgres'",
    );
    expect(() => load({ warehouse: { oracle: {} } })).toThrow("warehouse: Unrecognized key(s) in object: 'oracle'");
    expect(() => engineNamed('postgres')).toThrow(TypeError);
    expect(() => engineForTarget('postgres')).toThrow(TypeError);
  });

  it('rejects, naming the key, when the chosen engine cannot open for a missing secret', async () => {
    const config = load({ warehouse: { engine: 'snowflake', snowflake: MINIMAL_SECTION.snowflake } });
    await expect(openChosenWarehouse(config.warehouse, {})).rejects.toThrow(
      'Snowflake needs a secret: set SNOWFLAKE_PASSWORD (warehouse.snowflake.passwordEnv)',
    );
  });

  it("quotes dbt relations in each engine's identifier case", () => {
    expect(quoterFor(engineNamed('duckdb').dbtType)('claims')).toBe('"claims"');
    expect(quoterFor(engineNamed('snowflake').dbtType)('claims')).toBe('"CLAIMS"');
  });
});
