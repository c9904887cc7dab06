import busboy from 'busboy';
import { createHash } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { checkSseC, HttpError, requireBucket, xmlReply, type Ctx, type Handler } from '../context';
import { HAR_TEXT_LIMIT } from '../record';
import { detectDialect } from '../route';
import { prefixOf, readSseRequest, sseResponseHeaders } from '../sse';
import { digestStream, type BodyDigest } from '../store';
import { objectWrite } from './object';

/** Reads what is left of a request body, however it ends. */
async function drain(req: NodeJS.ReadableStream & { resume(): unknown }): Promise<void> {
  req.resume();
  await finished(req).catch(() => undefined);
}

/**
 * Reads a PostObject request's multipart body into `ctx.form`: the fields before the file, and the
 * `file` part streamed and hashed like a PUT body. The form's own fields decide the dialect and SSE
 * parameters, since a browser form carries no `x-obs-`/`x-amz-` headers. A body busboy cannot parse is
 * drained and answered MalformedPOSTRequest.
 */
export async function readForm(ctx: Ctx, retainLimit: number): Promise<void> {
  const { req } = ctx;
  const total = createHash('sha256');
  let size = 0;
  req.on('data', (c: Buffer) => {
    total.update(c);
    size += c.length;
  });
  const fields: [string, string][] = [];
  let file: Promise<BodyDigest> | undefined;
  let fileInfo: { filename: string; mimeType: string } | undefined;
  // What makes the form malformed, found inside busboy's listeners: a throw there would escape every
  // promise (busboy calls them from write()) and take the process down.
  let malformed: string | undefined;
  const malformedPost = (why: string): HttpError => {
    ctx.body = { size, sha256: total.digest('hex'), md5: '' };
    return new HttpError(
      400,
      'MalformedPOSTRequest',
      `The body of the POST request is not well-formed: ${why}`,
    );
  };
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: req.headers, limits: { fieldSize: HAR_TEXT_LIMIT, fields: 200 } });
  } catch (err) {
    // A multipart content type without a boundary: busboy refuses it before reading a byte.
    await drain(req);
    throw malformedPost(String(err));
  }
  bb.on('field', (name: string | undefined, value: string) => {
    // busboy names a part `undefined` when it has no plain `name=` (`form-data` alone, or `name*=`).
    if (typeof name !== 'string') malformed ??= 'a form field has no name';
    // OBS ignores fields after the file, as S3 does.
    else if (!file) fields.push([name, value]);
  });
  bb.on('file', (name: string | undefined, stream, info) => {
    if (typeof name !== 'string') malformed ??= 'a file part has no name';
    if (typeof name !== 'string' || name.toLowerCase() !== 'file' || file) {
      stream.resume();
      return;
    }
    fileInfo = { filename: info.filename ?? 'file', mimeType: info.mimeType };
    file = digestStream(stream, retainLimit);
    // Awaited after the form is parsed; until then a failure must not count as unhandled.
    file.catch(() => undefined);
  });
  const done = new Promise<void>((resolve, reject) => {
    bb.once('close', resolve);
    bb.once('error', reject);
    // A body cut short (the client half-closed or left) never ends the form: busboy would wait for
    // bytes that are not coming, and the request would get no answer.
    req.once('close', () => {
      if (!req.complete) reject(new Error('the body ended before its Content-Length'));
    });
  });
  req.pipe(bb);
  try {
    await done;
  } catch (err) {
    await drain(req);
    throw malformedPost(String(err));
  }
  if (malformed !== undefined) {
    if (file) await file.catch(() => undefined);
    throw malformedPost(malformed);
  }
  const fileDigest = file ? await file : undefined;
  ctx.body = { size, sha256: total.digest('hex'), md5: '' };
  ctx.formFields = fields;
  const lower = new Map(fields.map(([n, v]) => [n.toLowerCase(), v]));
  const get = (n: string): string | undefined => lower.get(n.toLowerCase());
  const fieldDialect = detectDialect(
    fields.map(([n]) => n),
    ctx.header('authorization'),
    ctx.query,
  );
  ctx.dialect = fieldDialect;
  ctx.p = prefixOf(fieldDialect);
  ctx.sse = readSseRequest(get, fieldDialect);
  ctx.harParams = fields.map(([name, value]) => ({ name, value }));
  if (fileInfo)
    ctx.harParams.push({ name: 'file', fileName: fileInfo.filename, contentType: fileInfo.mimeType });
  ctx.form = { get };
  if (fileDigest) ctx.form.file = fileDigest;
  if (fileInfo) ctx.form.fileInfo = fileInfo;
}

/**
 * PostObject: the form's `file` becomes the object under the form's `key` (`${filename}` filled in),
 * answered as `success_action_status` asks (204 by default, 201 with an XML body).
 */
export const postObject: Handler = (ctx, env) => {
  const form = ctx.form;
  if (!form)
    throw new HttpError(400, 'MalformedPOSTRequest', 'The body of the POST request is not well-formed.');
  const bucket = requireBucket(ctx);
  let key = form.get('key');
  if (key === undefined)
    throw new HttpError(400, 'InvalidArgument', 'Bucket POST must contain a field named key.');
  if (!form.file || !form.fileInfo)
    throw new HttpError(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
  key = key.replace('${filename}', form.fileInfo.filename);
  checkSseC(ctx);
  const obj = objectWrite(
    ctx,
    env,
    bucket,
    key,
    form.file,
    form.get('content-type') ?? form.fileInfo.mimeType,
  );
  const location = `${ctx.scheme}://${ctx.header('host') ?? env.authority}/${encodeURIComponent(key)}`;
  const headers: [string, string][] = [
    ['ETag', obj.etag],
    ['Location', location],
    ...sseResponseHeaders(obj.sse, ctx.dialect),
  ];
  const status = Number(form.get('success_action_status') ?? '204');
  if (status === 201) {
    return xmlReply(
      ctx,
      'PostResponse',
      [
        ['Location', location],
        ['Bucket', bucket],
        ['Key', key],
        ['ETag', obj.etag],
      ],
      headers,
      201,
    );
  }
  return { status: status === 200 ? 200 : 204, headers };
};
