/**
 * CSV records as RFC 4180 writes them (export/csv.ts writes the same): fields separated by commas,
 * a field in double quotes may hold commas, quotes (doubled) and line breaks. Each record keeps the
 * line it starts on, so an error can name it.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export function parseCsvRecords(text: string): { records: CsvRecord[]; problem?: string } {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const endField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    if (fields.length > 1 || fields[0] !== '') records.push({ line: start, fields });
    fields = [];
    start = line;
  };
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      line++;
      endRecord();
    } else field += c;
  }
  if (quoted) return { records, problem: `line ${start}: a quoted field is not closed` };
  if (field !== '' || fields.length) endRecord();
  return { records };
}
