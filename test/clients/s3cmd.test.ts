/**
 * Debian's s3cmd through `obs-sse proxy` (enforce) in front of the stand-in. s3cmd has no SSE-C, and no SSE
 * option it offers can be used wrongly.
 * Every SSE mode it supports, the multipart path on a 6 MiB body, and the wrong uses it lets you make; the
 * verdicts form test/clients/matrix/s3cmd.json (drift-checked), rendered into docs/compatibility.md.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { finishSuite, KEY_ID, run, stepper, useSuite } from './suite';

jest.setTimeout(120_000);

const s = useSuite('s3cmd');
const S3CMD = '/usr/bin/s3cmd';
(existsSync(S3CMD) ? describe : describe.skip)('s3cmd (Debian)', () => {
  let version = '';
  const step = stepper(s, 's3cmd', () => version);
  const s3cmd = (...args: string[]) =>
    run(S3CMD, ['-c', join(s.h.dir, 's3cfg'), '--multipart-chunk-size-mb=5', ...args]);

  beforeAll(async () => {
    const host = `127.0.0.1:${s.h.port}`;
    writeFileSync(
      join(s.h.dir, 's3cfg'),
      [
        '[default]',
        'access_key = AK',
        'secret_key = SK',
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        'use_https = True',
        `ca_certs_file = ${s.h.pki.caFile}`,
        'bucket_location = cn-north-4',
        'max_retries = 1',
        '',
      ].join('\n'),
    );
    version = (await run(S3CMD, ['--version'])).trim().replace('s3cmd version ', '');
    await s3cmd('mb', 's3://s3cmd');
  });

  test('correct uses pass in enforce mode (s3cmd has no SSE-C)', async () => {
    await step('put (PutObject)', 'SSE-OBS', 'pass', () =>
      s3cmd('put', s.files.small, 's3://s3cmd/obs', '--server-side-encryption'),
    );
    await step('put (PutObject)', 'SSE-KMS + key id', 'pass', () =>
      s3cmd('put', s.files.small, 's3://s3cmd/kms', `--server-side-encryption-kms-id=${KEY_ID}`),
    );
    await step('get (GetObject)', 'SSE-KMS object', 'pass', () =>
      s3cmd('get', '--force', 's3://s3cmd/kms', join(s.h.dir, 'kms.out')),
    );
    await step('put, 6 MiB (multipart)', 'SSE-KMS + key id', 'pass', () =>
      s3cmd('put', s.files.big, 's3://s3cmd/big-k', `--server-side-encryption-kms-id=${KEY_ID}`),
    );
    await step('cp (CopyObject)', 'none → SSE-OBS', 'pass', () =>
      s3cmd('cp', 's3://s3cmd/kms', 's3://s3cmd/copy', '--server-side-encryption'),
    );
  });
});

finishSuite('s3cmd', s);
