import * as path from 'node:path';
import { fileInput, lint } from '../../src/lint';

test.each(['recording.har', 'gateway.ndjson'])(
  'every finding in examples/%s names its header in lower case',
  async (name) => {
    const r = await lint([fileInput(path.join(__dirname, '../../examples', name))]);
    const headers = r.findings.flatMap((f) => (f.header ? [f.header] : []));
    expect(headers.length).toBeGreaterThan(3);
    expect(headers.filter((h) => h !== h.toLowerCase())).toEqual([]);
  },
);
