/**
 * generated/TABLES.md can be laid beside the seed row for row: each section's rows are the seed's, in the
 * seed's order, with the API columns the seed has; anything else is marked as the project's addition.
 * The seed (the user's specification, "Overview of Server-Side Encryption APIs") is kept in
 * test/fixtures/seed/ exactly as it was given.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const seed = fs.readFileSync(path.join(root, 'test/fixtures/seed/000_260087bfbdef1fcb.txt'), 'utf8');
const tables = fs.readFileSync(path.join(root, 'generated/TABLES.md'), 'utf8');

/** The seed's sections: per table and direction, its API columns and its header rows, in order. */
function seedSections(): Map<string, { columns: string[]; rows: string[] }> {
  const out = new Map<string, { columns: string[]; rows: string[] }>();
  const lines = seed.split('\n').map((l) => l.trim());
  let table = 0;
  let columns: string[] = [];
  let section: { columns: string[]; rows: string[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const t = /^Table (\d) /.exec(l);
    if (t) {
      table = Number(t[1]);
      columns = [];
      // The column names follow "Description" and end where the first section starts.
      let j = lines.indexOf('Description', i) + 1;
      for (; !lines[j]!.endsWith(' header'); j++) if (lines[j]) columns.push(lines[j]!);
      continue;
    }
    if (l === 'Request header' || l === 'Response header') {
      section = { columns, rows: [] };
      out.set(`${table} ${l === 'Request header' ? 'request' : 'response'}`, section);
    } else if (section && /^x-obs-[a-z0-9-]+$/i.test(l)) section.rows.push(l);
  }
  return out;
}

/** The rendered sections of TABLES.md: per table and direction, the column headings and row labels. */
function renderedSections(): Map<string, { columns: string[]; rows: string[] }> {
  const out = new Map<string, { columns: string[]; rows: string[] }>();
  const parts = tables.split(/^## /m);
  for (const part of parts) {
    const t = /^Table (\d) /.exec(part);
    if (!t) continue;
    for (const [direction, heading] of [
      ['request', '### Request headers'],
      ['response', '### Response headers'],
    ] as const) {
      const start = part.indexOf(heading);
      const next = part.indexOf('\n### ', start + heading.length);
      const body = part.slice(start, next < 0 ? undefined : next);
      const lines = body.split('\n').filter((l) => l.startsWith('| '));
      const head = lines[0]!.split(' | ').slice(1);
      const rows = lines.slice(1).map((l) => l.split(' | ')[0]!.slice(2));
      out.set(`${t[1]} ${direction}`, {
        columns: head.map((c) => c.replace(/ \|$/, '').replace(/ \(\w+\)$/, '')),
        rows: rows.slice(0, rows.findIndex((r) => r.includes('[added')) >>> 0),
      });
      if (rows.some((r, i) => r.includes('[added') && !rows.slice(i).every((x) => x.includes('[added'))))
        throw new Error(`TABLES.md table ${t[1]} ${direction}: an added row comes before a seed row`);
    }
  }
  return out;
}

test('the seed fixture has both tables, each with a request and a response section', () => {
  expect([...seedSections().keys()]).toEqual(['1 request', '1 response', '2 request', '2 response']);
});

test.each([...seedSections()])('TABLES.md table %s: the seed columns and rows, in order', (key, section) => {
  const rendered = renderedSections().get(key);
  expect(rendered?.columns).toEqual(section.columns);
  expect(rendered?.rows).toEqual(section.rows);
});

test("rows and cells beyond the seed are marked as added (the response sections' customer keys)", () => {
  expect(tables).toContain('x-obs-server-side-encryption-customer-key **[added row');
  expect(tables).toContain('- **[added: accepted with a warning, sse-kms/project-id-unlisted]**');
});
