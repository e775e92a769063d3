/** Splits one CSV line, honouring double-quoted fields ("a, b" stays one field; "" is a literal quote). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}

/** Parses CSV text with a header row into records keyed by column name. */
export function parseCsv(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const [header, ...rows] = lines;
  if (!header) {
    return [];
  }
  const columns = parseCsvLine(header);
  return rows.map((row) => {
    const values = parseCsvLine(row);
    return Object.fromEntries(columns.map((c, i) => [c, values[i] ?? '']));
  });
}
