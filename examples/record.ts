/**
 * Regenerates examples/recording.har: the official OBS SDK (esdk-obs-nodejs) driven against the local
 * stand-in over HTTPS, correct calls and deliberately wrong ones, recorded by the stand-in. Only
 * 127.0.0.1 is contacted. Needs `openssl` for a throwaway certificate.
 *
 *   npx tsx examples/record.ts
 *   npx obs-sse lint examples/recording.har
 *
 * The SDK runs in its S3-compatible mode against an IP address, so requests are path-style
 * (`https://127.0.0.1/bucket/key`) and the linter's default addressing reads them right. Secrets are
 * redacted by the stand-in's HAR writer: customer keys appear as [REDACTED].
 */
import { join } from 'node:path';
import { startStandin } from '../src/standin/server';
import { selfSignedCert } from '../test/dialect/recorded';
import { runScenarios } from '../test/support/sdk';

const SCENARIOS = [
  'create-bucket',
  'put-kms',
  'put-kms-key-project',
  'put-sse-obs',
  'put-sse-c',
  'get-sse-c',
  'copy-sse-c-to-kms',
  'multipart-sse-c',
  'upload-file-sse-c',
  'append-kms',
  'post-object-sse-c',
  'wrong-sse-c-aes128',
  'wrong-kms-key-with-aes256',
  'wrong-sse-c-with-kms',
  'wrong-upload-part-without-sse-c',
];

async function main(): Promise<void> {
  const tls = selfSignedCert();
  const har = join(__dirname, 'recording.har');
  const standin = await startStandin({ har, tls });
  try {
    const results = await runScenarios(
      { port: standin.port, mode: 's3', https: true },
      { only: SCENARIOS, bucket: 'example-bucket' },
    );
    for (const r of results) console.log(`${r.kind.padEnd(8)} ${r.id.padEnd(34)} ${r.status ?? r.error ?? ''}`);
  } finally {
    await standin.close();
  }
  console.log(`wrote ${har}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
