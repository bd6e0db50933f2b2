import type { EntityConfig } from '../../lib/config/schema';

/** A landing entity with the settings a test leaves at their defaults: CSV, comma, header, `"`, UTF-8. */
export function testEntity(
  e: Pick<EntityConfig, 'name' | 'pattern' | 'columns'> & Partial<EntityConfig>,
): EntityConfig {
  return {
    format: 'csv',
    delimiter: ',',
    header: true,
    quote: '"',
    encoding: 'utf-8',
    required: [],
    keepRawText: false,
    ...e,
  };
}
