/**
 * Splits one line of RFC 4180 CSV into fields: commas separate, double quotes enclose a field that
 * contains commas, and "" inside quotes is a quote. Enough for cpu_power.csv, which quotes names such
 * as "Intel Core i5+8400  (9M Cache, up to 4.00 GHz) …"; no field spans lines there.
 */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}
