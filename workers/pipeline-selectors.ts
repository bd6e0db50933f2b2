import type { Manifest } from '../activities/transform';
import { ConfigError } from '../lib/errors';
import type { EdpConfig } from './config-schema';

/** One dbt selector written in a declared pipeline's transform step, with its config key. */
interface WrittenSelector {
  key: string;
  selector: string;
}

function writtenSelectors(config: EdpConfig): WrittenSelector[] {
  return config.pipelines.flatMap((p, i) =>
    p.steps.flatMap((s, j) =>
      s.kind !== 'transform'
        ? []
        : (['select', 'exclude'] as const).flatMap((field) =>
            s[field].map((selector, k) => ({ key: `pipelines.${i}.steps.${j}.${field}.${k}`, selector })),
          ),
    ),
  );
}

/**
 * Rejects a declared transform step whose selector matches no node of the dbt project (`transform.projectDir`),
 * naming the file and key: such a step would build nothing, every run, silently. Parses the project only when
 * some pipeline writes a selector.
 */
export function checkPipelineSelectors(config: EdpConfig, source: string): void {
  const written = writtenSelectors(config);
  if (written.length === 0) return;
  // Loaded here, not at the top: the dbt parser would otherwise weigh on every command's start-up.
  const { DEFAULT_TARGET, parseProject, selectNodes } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../activities/transform') as typeof import('../activities/transform');
  let manifest: Manifest;
  try {
    manifest = parseProject(config.transform.projectDir, { target: DEFAULT_TARGET });
  } catch (err) {
    const why = `cannot check the pipelines' dbt selectors: ${(err as Error).message}`;
    throw new ConfigError(`invalid configuration in ${source}:\n  transform.projectDir: ${why}`);
  }
  const problem = (w: WrittenSelector): string | undefined => {
    try {
      if (selectNodes(manifest, 'build', [w.selector]).length > 0) return undefined;
      return `selector "${w.selector}" matches no node of ${config.transform.projectDir}`;
    } catch (err) {
      return `selector "${w.selector}": ${(err as Error).message}`;
    }
  };
  const bad = written.flatMap((w) => {
    const p = problem(w);
    return p ? [`  ${w.key}: ${p}`] : [];
  });
  if (bad.length > 0) throw new ConfigError(`invalid configuration in ${source}:\n${bad.join('\n')}`);
}
