/**
 * Debian's awscli through `obs-sse proxy` (enforce) in front of the stand-in, its commands run by one
 * long-lived interpreter (test/clients/drivers/awscli_driver.py calls awscli.clidriver, as the `aws` script does).
 * Every SSE mode it supports, the multipart path on a 6 MiB body, and the wrong uses it lets you make; the
 * verdicts form test/clients/matrix/awscli.json (drift-checked), rendered into docs/compatibility.md.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PythonDriver } from './python-drivers';
import { finishSuite, KEY_ID, stepper, useSuite } from './suite';

jest.setTimeout(120_000);

const s = useSuite('awscli');
const AWS = '/usr/bin/aws';
(existsSync(AWS) ? describe : describe.skip)('awscli (Debian)', () => {
  let version = '';
  const step = stepper(s, 'awscli', () => version);
  let cli: PythonDriver;
  const aws = async (...args: string[]): Promise<void> => {
    const a = await cli.send({ args: ['--endpoint-url', s.h.endpoint, ...args] });
    if (a.rc !== 0)
      throw new Error(`aws ${args.slice(0, 2).join(' ')} exited ${String(a.rc)}: ${String(a.stderr)}`);
  };
  const s3 = (from: string, to: string, ...args: string[]) =>
    aws('s3', 'cp', '--no-progress', from, to, ...args);
  const ssec = (file = s.files.key) => ['--sse-c', 'AES256', '--sse-c-key', `fileb://${file}`];

  beforeAll(async () => {
    const config = join(s.h.dir, 'aws-config');
    writeFileSync(
      config,
      '[default]\nregion = cn-north-4\ns3 =\n  addressing_style = path\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n',
    );
    const env = {
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(s.h.dir, 'none'),
      AWS_ACCESS_KEY_ID: 'AK',
      AWS_SECRET_ACCESS_KEY: 'SK',
      AWS_CA_BUNDLE: s.h.pki.caFile,
      AWS_MAX_ATTEMPTS: '1',
      AWS_PAGER: '',
    };
    // The interpreter of the `aws` script, so that it is Debian's awscli that runs.
    cli = new PythonDriver('/usr/bin/python3', 'awscli_driver.py', [], env);
    await cli.start();
    version = cli.version;
    await aws('s3api', 'create-bucket', '--bucket', 'awscli');
  });
  afterAll(() => cli.stop());

  test('correct uses pass in enforce mode', async () => {
    const to = (k: string) => `s3://awscli/${k}`;
    await step('s3 cp (PutObject)', 'SSE-OBS', 'pass', () => s3(s.files.small, to('obs'), '--sse', 'AES256'));
    await step('s3 cp (PutObject)', 'SSE-KMS', 'pass', () =>
      s3(s.files.small, to('kms'), '--sse', 'aws:kms'),
    );
    await step('s3 cp (PutObject)', 'SSE-KMS + key id', 'pass', () =>
      s3(s.files.small, to('kms-id'), '--sse', 'aws:kms', '--sse-kms-key-id', KEY_ID),
    );
    await step('s3api put-object', 'SSE-KMS + key id + bucket key', 'pass', () =>
      aws(
        's3api',
        'put-object',
        '--bucket',
        'awscli',
        '--key',
        'bk',
        '--body',
        s.files.small,
        '--server-side-encryption',
        'aws:kms',
        '--ssekms-key-id',
        KEY_ID,
        '--bucket-key-enabled',
      ),
    );
    await step('s3 cp (PutObject)', 'SSE-C', 'pass', () => s3(s.files.small, to('c'), ...ssec()));
    await step('s3 cp (HeadObject, GetObject)', 'SSE-C', 'pass', () =>
      s3(to('c'), join(s.h.dir, 'c.out'), ...ssec()),
    );
    await step('s3 cp (CopyObject)', 'SSE-C → SSE-C', 'pass', () =>
      s3(
        to('c'),
        to('c2c'),
        '--sse-c-copy-source',
        'AES256',
        '--sse-c-copy-source-key',
        `fileb://${s.files.key}`,
        ...ssec(s.files.keyB),
      ),
    );
    await step('s3 cp (CopyObject)', 'SSE-C → SSE-KMS', 'pass', () =>
      s3(
        to('c'),
        to('c2k'),
        '--sse-c-copy-source',
        'AES256',
        '--sse-c-copy-source-key',
        `fileb://${s.files.key}`,
        '--sse',
        'aws:kms',
      ),
    );
    await step('s3 cp, 6 MiB (multipart)', 'SSE-C', 'pass', () => s3(s.files.big, to('big-c'), ...ssec()));
    await step('s3 cp, 6 MiB (multipart)', 'SSE-KMS + key id', 'pass', () =>
      s3(s.files.big, to('big-k'), '--sse', 'aws:kms', '--sse-kms-key-id', KEY_ID),
    );
    await step('s3 cp, 6 MiB (multipart copy)', 'SSE-C → SSE-C', 'pass', () =>
      s3(
        to('big-c'),
        to('big-c2'),
        '--sse-c-copy-source',
        'AES256',
        '--sse-c-copy-source-key',
        `fileb://${s.files.key}`,
        ...ssec(),
      ),
    );
  });

  test('wrong uses the client lets you make are blocked with the code naming them', async () => {
    const put = (...args: string[]) =>
      aws('s3api', 'put-object', '--bucket', 'awscli', '--key', 'bad', '--body', s.files.small, ...args);
    await step('s3api put-object', 'SSE-C, 16-byte key', { blocked: 'sse-c/invalid-key' }, () =>
      put('--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${s.files.short}`),
    );
    await step(
      's3api put-object',
      'SSE-KMS + encryption context',
      { blocked: 'sse-kms/encryption-context-dropped' },
      () => put('--server-side-encryption', 'aws:kms', '--ssekms-encryption-context', 'eyJ0ZWFtIjoiYSJ9'),
    );
    await step(
      's3api put-object',
      'SSE-KMS + bucket key, no key id',
      { blocked: 'sse-kms/bucket-key-requires-key-id' },
      () => put('--server-side-encryption', 'aws:kms', '--bucket-key-enabled'),
    );
    await step('s3 cp (PutObject)', 'SSE-OBS + key id', { blocked: 'sse-kms/key-id-requires-kms' }, () =>
      s3(s.files.small, 's3://awscli/bad2', '--sse', 'AES256', '--sse-kms-key-id', KEY_ID),
    );
  });
});

finishSuite('awscli', s);
