// The yardstick of bench:build: only parse the feed file, with the same parser huntpack uses (csv-parse for CSV inside the
// zip, JSON.parse for JSON), and count the records. Usage: node parse-baseline.mjs csv|json FILE
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { parse } from 'csv-parse/sync';

const [kind, file] = process.argv.slice(2);
let records = 0;
if (kind === 'json') {
  records = JSON.parse(readFileSync(file, 'utf8')).data.length;
} else {
  const zip = unzipSync(readFileSync(file));
  const text = new TextDecoder().decode(zip['full.csv']);
  const body = text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  records = parse(body, { relax_quotes: true, trim: true, skip_empty_lines: true }).length;
}
process.stdout.write(`${records}\n`);
