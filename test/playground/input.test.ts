/** The playground's paste reader (docs/playground/input.ts): header lines, curl commands and HAR entries. */
import { readPaste, shellWords } from '../../docs/playground/input';

test('shell words: quotes, escapes and line continuations', () => {
  expect(shellWords(`curl -H 'a: b c' "d \\"e\\"" f\\\n g`)).toEqual([
    'curl',
    '-H',
    'a: b c',
    'd "e"',
    'f',
    'g',
  ]);
  expect(shellWords(`curl ''`)).toEqual(['curl', '']);
});

test('curl: method, URL and headers; -T means PUT, -I means HEAD, data means POST', () => {
  const put = readPaste(`curl -T f.bin https://b.obs.example.com/k -H 'x-obs-server-side-encryption: kms'`);
  expect(put).toMatchObject({
    format: 'curl',
    method: 'PUT',
    url: 'https://b.obs.example.com/k',
    request: [['x-obs-server-side-encryption', 'kms']],
  });
  expect(readPaste('curl -I https://b.obs.example.com/k').method).toBe('HEAD');
  expect(readPaste('curl --data x https://b.obs.example.com/').method).toBe('POST');
  expect(readPaste('curl -X DELETE -o out https://b.obs.example.com/k').url).toBe(
    'https://b.obs.example.com/k',
  );
  expect(readPaste('curl -F key=k https://b.obs.example.com/').notes[0]).toMatch(/Form fields/);
});

test('header lines, with or without a request line; a status line makes them response headers', () => {
  expect(
    readPaste('PUT /b/k HTTP/1.1\nHost: obs.example.com\nx-obs-server-side-encryption: kms'),
  ).toMatchObject({
    format: 'headers',
    method: 'PUT',
    url: '/b/k',
    request: [
      ['Host', 'obs.example.com'],
      ['x-obs-server-side-encryption', 'kms'],
    ],
  });
  expect(readPaste('x-a: 1\r\nnot a header\r\nx-b:2').request).toEqual([
    ['x-a', '1'],
    ['x-b', '2'],
  ]);
  expect(readPaste('HTTP/1.1 200 OK\nx-obs-server-side-encryption: kms')).toMatchObject({
    request: [],
    response: [['x-obs-server-side-encryption', 'kms']],
  });
});

test('HAR: a whole log (entry chosen by index) or one entry; malformed JSON is a note, not a crash', () => {
  const entry = (url: string) => ({
    request: { method: 'GET', url, headers: [{ name: 'a', value: '1' }, { value: 'nameless' }] },
    response: { headers: [{ name: 'b', value: 2 }] },
  });
  const log = JSON.stringify({ log: { entries: [entry('https://x/1'), entry('https://x/2')] } });
  expect(readPaste(log, 1)).toMatchObject({
    format: 'har',
    url: 'https://x/2',
    request: [['a', '1']],
    response: [['b', '2']],
  });
  expect(readPaste(log, 9).url).toBe('https://x/2');
  expect(readPaste(JSON.stringify(entry('https://x/3'))).url).toBe('https://x/3');
  expect(readPaste('{ "log": {} }').notes).toEqual(['This JSON has no HAR entry with a request.']);
  expect(readPaste('{ "log": ').notes[0]).toMatch(/^Not valid JSON/);
  expect(readPaste('{"request": null}').notes[0]).toMatch(/no HAR entry/);
});
