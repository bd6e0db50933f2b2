/**
 * Splits one CSV line into its fields, as DuckDB's reader does with `quote` = `escape`: a field that
 * starts with the quote runs to the next lone quote (a doubled quote is one quote character), an empty
 * field is null, and so is an empty quoted field. Returns a reason instead when the line cannot be
 * split: an unterminated quote, or text after a closing quote.
 */
export function splitCsvLine(line: string, delimiter: string, quote: string): Array<string | null> | string {
  const fields: Array<string | null> = [];
  let i = 0;
  for (;;) {
    if (quote !== '' && line.startsWith(quote, i)) {
      let value = '';
      let j = i + quote.length;
      for (;;) {
        const close = line.indexOf(quote, j);
        if (close === -1) return `unterminated quoted field at character ${i + 1}`;
        value += line.slice(j, close);
        if (line.startsWith(quote, close + quote.length)) {
          value += quote;
          j = close + 2 * quote.length;
          continue;
        }
        i = close + quote.length;
        break;
      }
      fields.push(value === '' ? null : value);
      if (i === line.length) return fields;
      if (!line.startsWith(delimiter, i)) return `text after the closing quote at character ${i + 1}`;
      i += delimiter.length;
      continue;
    }
    const end = line.indexOf(delimiter, i);
    const value = end === -1 ? line.slice(i) : line.slice(i, end);
    fields.push(value === '' ? null : value);
    if (end === -1) return fields;
    i = end + delimiter.length;
  }
}

/** One record as canonical CSV (comma, double quotes): null as an empty field, every value quoted. */
export function csvRecord(values: ReadonlyArray<string | number | null>): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null) continue;
    if (typeof v === 'number') out += String(v);
    else out += v.includes('"') ? `"${v.replace(/"/g, '""')}"` : `"${v}"`;
  }
  return out;
}
