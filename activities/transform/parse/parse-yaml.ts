/** Generic test entries as written in properties files, with where they were written. */
export type TestEntries = Array<{ entry: unknown; column?: string; file: string; inRoot: string }>;

/** A list value of a YAML document, or none. */
export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A mapping value of a YAML document, or an empty one. */
export function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The test entries written on an entry: its `tests` and `data_tests` (dbt's newer name). */
export function testsOf(entry: Record<string, unknown>): unknown[] {
  return [...asList(entry.tests), ...asList(entry.data_tests)];
}

/** The line of `name: <name>` in a properties file (1 when not found). */
export function nameLine(text: string, name: string): number {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = new RegExp(`name:\\s*['"]?${esc}['"]?\\s*$`, 'm').exec(text)?.index;
  return at === undefined ? 1 : text.slice(0, at).split('\n').length;
}
