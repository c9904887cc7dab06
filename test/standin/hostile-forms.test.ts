/**
 * PostObject bodies a client can get wrong, sent raw to the stand-in running as its own process (as
 * `npm run standin` runs it), so that a crash shows as a dead process rather than a failed jest worker.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let child: ChildProcessWithoutNullStreams;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'standin-forms-'));
  child = spawn(process.execPath, [
    require.resolve('tsx/cli'),
    join(__dirname, '../../src/standin/main.ts'),
    '--port',
    '0',
    '--har',
    join(dir, 'forms.har'),
  ]);
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`stand-in exited (${code}): ${out}`)));
  });
}, 30_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw bytes and reads until the server closes or answers; `halfClose` ends our side after writing. */
function raw(bytes: string, halfClose = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, 5000);
    socket.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      // One answer is all these tests want: stop at the end of its XML body.
      if (/<\/Error>|\r\n\r\n$/.test(got) && /^HTTP\/1\.1 \d{3}/.test(got)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.write(bytes);
    if (halfClose) socket.end();
  });
}

function post(contentType: string, body: string, declaredLength = Buffer.byteLength(body)): string {
  return (
    `POST /forms HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: ${declaredLength}\r\nConnection: close\r\n\r\n${body}`
  );
}

const part = (disposition: string, value: string): string =>
  `--b\r\nContent-Disposition: ${disposition}\r\n\r\n${value}\r\n`;

/** The stand-in answers a plain request: it is still up. */
async function stillUp(): Promise<void> {
  const answer = await raw(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  expect(child.exitCode).toBeNull();
}

test.each([
  ['a file part without name=', part('form-data; filename="a.txt"', 'data')],
  ['a file part named only by name*=', part(`form-data; name*=UTF-8''file; filename="a.txt"`, 'data')],
  ['a field without name=', part('form-data', 'x')],
  ['a field named only by name*=', part(`form-data; name*=UTF-8''key`, 'k')],
])('%s is a MalformedPOSTRequest, and the stand-in stays up', async (_, badPart) => {
  const body = part('form-data; name="key"', 'k.txt') + badPart + '--b--\r\n';
  const answer = await raw(post('multipart/form-data; boundary=b', body));
  expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  expect(answer).toContain('<Code>MalformedPOSTRequest</Code>');
  await stillUp();
});

test('a multipart content type without a boundary is a MalformedPOSTRequest, not an InternalError', async () => {
  const answer = await raw(post('multipart/form-data', part('form-data; name="key"', 'k') + '--b--\r\n'));
  expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  expect(answer).toContain('<Code>MalformedPOSTRequest</Code>');
  await stillUp();
});

test('a form cut short by a client that half-closes is answered and recorded', async () => {
  const body = part('form-data; name="key"', 'cut.txt') + '--b\r\nContent-Disposition: form-data; name="fi';
  const answer = await raw(post('multipart/form-data; boundary=b', body, body.length + 500), true);
  // node's parser answers the early end itself (a bare 400) and closes; the form reader then learns the
  // body was cut, and the exchange is recorded as the MalformedPOSTRequest it is.
  expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  await stillUp();
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exit).toBe(0);
  const har = JSON.parse(readFileSync(join(dir, 'forms.har'), 'utf8')) as {
    log: { entries: { request: { method: string }; response: { status: number } }[] };
  };
  const posts = har.log.entries.filter((e) => e.request.method === 'POST');
  // Every POST above was recorded, the cut one included, each with the 400 it got.
  expect(posts.map((e) => e.response.status)).toEqual([400, 400, 400, 400, 400, 400]);
});
