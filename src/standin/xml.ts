import type { Dialect } from '../types';
import { xmlEscape } from '../xml';
import { decodeXmlText } from '../traffic/upload-id';

const NAMESPACE: Record<Dialect, string> = {
  obs: 'http://obs.myhwclouds.com/doc/2015-06-30/',
  s3: 'http://s3.amazonaws.com/doc/2006-03-01/',
};

/** Text, or nested elements. */
export type XmlValue = string | number | XmlFields;
/** Elements in document order; a repeated element is a repeated pair. */
export type XmlFields = ReadonlyArray<readonly [string, XmlValue]>;

function render(fields: XmlFields): string {
  return fields
    .map(([name, value]) =>
      typeof value === 'object'
        ? `<${name}>${render(value)}</${name}>`
        : `<${name}>${xmlEscape(String(value))}</${name}>`,
    )
    .join('');
}

/** A complete XML document with the dialect's namespace on the root element. */
export function xmlDocument(root: string, fields: XmlFields, dialect: Dialect): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<${root} xmlns="${NAMESPACE[dialect]}">${render(fields)}</${root}>`;
}

/** OBS's error body. */
export function xmlError(
  code: string,
  message: string,
  requestId: string,
  hostId: string,
  extra: XmlFields = [],
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${render([
    ['Code', code],
    ['Message', message],
    ...extra,
    ['RequestId', requestId],
    ['HostId', hostId],
  ])}</Error>`;
}

/**
 * The `<Part><PartNumber/><ETag/></Part>` list of a CompleteMultipartUpload body. Not a general XML
 * parser: the body is small, flat and written by SDKs.
 */
export function parseCompleteParts(xml: string): { partNumber: number; etag: string }[] {
  const parts: { partNumber: number; etag: string }[] = [];
  for (const m of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const body = m[1] ?? '';
    const num = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(body)?.[1];
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(body)?.[1];
    if (num !== undefined) parts.push({ partNumber: Number(num), etag: decodeXmlText(etag ?? '').trim() });
  }
  return parts;
}
