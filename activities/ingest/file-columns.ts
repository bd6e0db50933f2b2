import { columnsByOf, type EntityConfig } from '../../lib/config/schema';
import { splitCsvLine } from '../formats/csv-fields';
import { readFirstLine } from '../formats/csv-header';
import { NODE_ENCODING } from '../formats/encodings';

/**
 * The columns a file of the entity loads: all declared columns, less the entity's `optionalColumns`
 * its CSV header does not name (a file made before those columns were added; they load as NULL).
 * Files mapped by position, JSON files (a missing key is NULL already) and entities without optional
 * columns load every declared column.
 */
export async function columnsOfFile(e: EntityConfig, path: string): Promise<EntityConfig['columns']> {
  const optional = e.optionalColumns ?? [];
  if (optional.length === 0 || e.format !== 'csv' || columnsByOf(e) !== 'name') return e.columns;
  const fields = splitCsvLine(await readFirstLine(path, NODE_ENCODING[e.encoding]), e.delimiter, e.quote);
  // A header that cannot be split is the loader's to refuse, with its own reason.
  if (typeof fields === 'string') return e.columns;
  const named = new Set(fields.map((f) => (f ?? '').trim().toLowerCase()));
  const absent = new Set(optional.filter((c) => !named.has(c.toLowerCase())));
  return Object.fromEntries(Object.entries(e.columns).filter(([c]) => !absent.has(c)));
}
