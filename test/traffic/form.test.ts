import { formFields } from '../../src/traffic/form';

const body = (boundary: string, parts: Array<[string, string, string?]>): string =>
  parts
    .map(([name, value, filename]) => {
      const disp = `form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}`;
      return `--${boundary}\r\nContent-Disposition: ${disp}\r\n${filename ? 'Content-Type: text/plain\r\n' : ''}\r\n${value}\r\n`;
    })
    .join('') + `--${boundary}--\r\n`;

const FORM: Array<[string, string, string?]> = [
  ['key', 'uploads/a.txt'],
  ['X-Obs-Server-Side-Encryption', 'kms'],
  ['x-obs-server-side-encryption-kms-key-id', 'cn-north-4:abc:key/é'],
  ['file', 'TOP SECRET FILE CONTENT', 'secret.txt'],
];
const EXPECTED = [
  ['key', 'uploads/a.txt'],
  ['x-obs-server-side-encryption', 'kms'],
  ['x-obs-server-side-encryption-kms-key-id', 'cn-north-4:abc:key/é'],
];

test('HAR params: names lower-cased, file parts dropped', () => {
  expect(
    formFields({
      params: [
        { name: 'Key', value: 'a' },
        { name: 'x-obs-server-side-encryption', value: 'AES256' },
        { name: 'upload', fileName: 'a.bin', value: 'BYTES' },
        { name: 'file', value: 'BYTES WITHOUT FILENAME' },
      ],
    }),
  ).toEqual([
    ['key', 'a'],
    ['x-obs-server-side-encryption', 'AES256'],
  ]);
});

test('multipart text with the boundary in postData.mimeType', () => {
  const text = body('----WebKitFormBoundaryX', FORM);
  const fields = formFields({ mimeType: 'multipart/form-data; boundary=----WebKitFormBoundaryX', text });
  expect(fields).toEqual(EXPECTED);
  expect(JSON.stringify(fields)).not.toContain('TOP SECRET');
});

test('multipart text with the boundary in the Content-Type header, or only in the body', () => {
  const text = body('b0undary', FORM);
  expect(formFields({ text }, [['Content-Type', 'multipart/form-data; boundary="b0undary"']])).toEqual(
    EXPECTED,
  );
  expect(formFields({ mimeType: 'multipart/form-data', text })).toEqual(EXPECTED);
  expect(formFields({ text })).toEqual(EXPECTED);
});

test('a multipart body cut inside the file still yields the fields before it', () => {
  const text = body('B', FORM);
  const cut = text.slice(0, text.indexOf('TOP SECRET') + 3);
  expect(formFields({ mimeType: 'multipart/form-data; boundary=B', text: cut })).toEqual(EXPECTED);
});

test('urlencoded text', () => {
  expect(
    formFields({
      mimeType: 'application/x-www-form-urlencoded',
      text: 'key=a+b&X-OBS-Server-Side-Encryption=kms&file=zzz',
    }),
  ).toEqual([
    ['key', 'a b'],
    ['x-obs-server-side-encryption', 'kms'],
  ]);
});

test('nothing for other bodies', () => {
  expect(formFields(undefined)).toEqual([]);
  expect(formFields({ mimeType: 'application/json', text: '{"a":1}' })).toEqual([]);
  expect(formFields({ mimeType: 'multipart/form-data', text: 'not multipart' })).toEqual([]);
  expect(formFields({ params: [], text: '' })).toEqual([]);
});
