import { CompileError } from '../jinja';
import type { NodeConfig } from '../manifest-types';

/** Configs holding a boolean; a Jinja-rendered value arrives as the text `true` or `false`. */
const BOOLEAN_CONFIGS = ['enabled', 'full_refresh', 'quote_columns', 'store_failures'];

/**
 * Boolean configs as booleans: dbt reads a rendered `"{{ var('x', false) }}"` (the text `false`, `False`)
 * as false; any other text is refused, naming the node's file.
 */
export function coerceBooleanConfigs(config: NodeConfig, path: string): NodeConfig {
  for (const key of BOOLEAN_CONFIGS) {
    const v = config[key];
    if (typeof v !== 'string') continue;
    const text = v.trim().toLowerCase();
    if (text !== 'true' && text !== 'false') {
      throw new CompileError(`${path}: config ${key} is '${v}', which is neither true nor false`);
    }
    config[key] = text === 'true';
  }
  return config;
}
