/**
 * Debian's rclone through `obs-sse proxy` (enforce) in front of the stand-in. rclone refuses SSE-C over plain
 * HTTP: the harness gives it TLS to the proxy.
 * Every SSE mode it supports, the multipart path on a 6 MiB body, and the wrong uses it lets you make; the
 * verdicts form test/clients/matrix/rclone.json (drift-checked), rendered into docs/compatibility.md.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { finishSuite, b64, KEY_ID, run, stepper, useSuite } from './suite';

jest.setTimeout(120_000);

const s = useSuite('rclone');
const RCLONE = '/usr/bin/rclone';
(existsSync(RCLONE) ? describe : describe.skip)('rclone (Debian)', () => {
  let version = '';
  const step = stepper(s, 'rclone', () => version);
  const rclone = (...args: string[]) =>
    run(
      RCLONE,
      [
        '--s3-upload-cutoff',
        '5M',
        '--s3-chunk-size',
        '5M',
        '--low-level-retries',
        '1',
        '--retries',
        '1',
        ...args,
      ],
      {
        // rclone 1.60's --ca-cert, and AWS_CA_BUNDLE, cannot reach its S3 transport (it refuses to start with
        // either); Go's own SSL_CERT_FILE can.
        SSL_CERT_FILE: s.h.pki.caFile,
        AWS_CA_BUNDLE: '',
        RCLONE_CONFIG: join(s.h.dir, 'rclone.conf'),
        RCLONE_CONFIG_OBS_TYPE: 's3',
        // HuaweiOBS would force virtual-hosted names, which 127.0.0.1 cannot have.
        RCLONE_CONFIG_OBS_PROVIDER: 'Other',
        RCLONE_CONFIG_OBS_ENDPOINT: s.h.endpoint,
        RCLONE_CONFIG_OBS_ACCESS_KEY_ID: 'AK',
        RCLONE_CONFIG_OBS_SECRET_ACCESS_KEY: 'SK',
        RCLONE_CONFIG_OBS_FORCE_PATH_STYLE: 'true',
      },
    );
  const ssec = (k: Buffer = s.keys.a) => [
    '--s3-sse-customer-algorithm',
    'AES256',
    '--s3-sse-customer-key-base64',
    b64(k),
  ];

  beforeAll(async () => {
    writeFileSync(join(s.h.dir, 'rclone.conf'), '');
    version = (await run(RCLONE, ['version'])).split('\n')[0]!.replace('rclone ', '');
    await rclone('mkdir', 'obs:rclone');
  });

  test('correct uses pass in enforce mode', async () => {
    await step('copyto (PutObject)', 'SSE-OBS', 'pass', () =>
      rclone('copyto', s.files.small, 'obs:rclone/obs', '--s3-server-side-encryption', 'AES256'),
    );
    await step('copyto (PutObject)', 'SSE-KMS + key id', 'pass', () =>
      rclone(
        'copyto',
        s.files.small,
        'obs:rclone/kms',
        '--s3-server-side-encryption',
        'aws:kms',
        '--s3-sse-kms-key-id',
        KEY_ID,
      ),
    );
    await step('copyto (PutObject)', 'SSE-C', 'pass', () =>
      rclone('copyto', s.files.small, 'obs:rclone/c', ...ssec()),
    );
    await step('cat (GetObject)', 'SSE-C', 'pass', async () => {
      expect(await rclone('cat', 'obs:rclone/c', ...ssec())).toBe('x');
    });
    await step('copyto, 6 MiB (multipart)', 'SSE-C', 'pass', () =>
      rclone('copyto', s.files.big, 'obs:rclone/big-c', ...ssec()),
    );
    await step('copyto, 6 MiB (multipart)', 'SSE-KMS + key id', 'pass', () =>
      rclone(
        'copyto',
        s.files.big,
        'obs:rclone/big-k',
        '--s3-server-side-encryption',
        'aws:kms',
        '--s3-sse-kms-key-id',
        KEY_ID,
      ),
    );
  });

  test('wrong uses the client lets you make are blocked with the code naming them', async () => {
    await step('copyto (PutObject)', 'SSE-C, 16-byte key', { blocked: 'sse-c/invalid-key' }, () =>
      rclone('copyto', s.files.small, 'obs:rclone/bad', ...ssec(s.keys.short)),
    );
  });
});

finishSuite('rclone', s);
