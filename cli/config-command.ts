import { stringify } from 'yaml';
import type { EdpConfig } from '../workers/config-schema';
import { redactConfig } from '../workers/config';

/** `edp config`: the resolved configuration (defaults, env overrides, absolute paths), secrets redacted. */
export function configShow(config: EdpConfig, file: string | undefined, overrides: readonly string[]): number {
  console.log(
    `# ${file ?? 'no config file: defaults'}${overrides.length > 0 ? `; overridden by ${overrides.join(', ')}` : ''}`,
  );
  console.log(stringify(redactConfig(config)));
  return 0;
}
