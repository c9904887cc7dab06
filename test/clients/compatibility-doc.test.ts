/**
 * docs/compatibility.md holds the client matrices the client suites check (test/clients/matrix/*.json); this
 * test fails when the two drift apart. Regenerate with `npx tsx test/clients/render.ts`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { committedRows, DOC } from './render';

test('docs/compatibility.md shows the committed client matrices', () => {
  const expected = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'render.ts'), '--print'],
    {
      encoding: 'utf8',
    },
  );
  expect(readFileSync(DOC, 'utf8')).toBe(expected);
});

test('every client of the issue is in the matrix, each with correct uses passing and wrong uses blocked', () => {
  const rows = committedRows();
  for (const client of ['aws-sdk-js v3 (+ lib-storage)', 'minio-js', 'boto3', 'awscli', 'rclone', 's3cmd']) {
    const mine = rows.filter((r) => r.client === client);
    expect({ client, passed: mine.some((r) => r.verdict === 'pass') }).toEqual({ client, passed: true });
  }
  // s3cmd offers no SSE-C and no way to send a wrong SSE header; every other client lets some mistake through.
  for (const client of ['aws-sdk-js v3 (+ lib-storage)', 'minio-js', 'boto3', 'awscli', 'rclone']) {
    expect({ client, blocked: rows.some((r) => r.client === client && r.verdict === 'blocked') }).toEqual({
      client,
      blocked: true,
    });
  }
});
