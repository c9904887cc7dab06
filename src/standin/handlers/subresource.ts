import { HttpError, type Handler } from '../context';
import { xmlDocument } from '../xml';

/**
 * Bucket and object sub-resources (`?acl`, `?tagging`, `?cors`, ...): writes and deletes are accepted and
 * forgotten, so clients that set them along the way go on; reads are NotImplemented, except an object's
 * tag set, which is always empty: awscli's multipart copy reads the source's tags before copying them.
 */
export const subresource: Handler = (ctx) => {
  const m = ctx.req.method ?? 'GET';
  if (ctx.op === 'ObjectSubresource' && m === 'GET' && ctx.query.has('tagging'))
    return { status: 200, body: xmlDocument('Tagging', [['TagSet', []]], ctx.dialect) };
  if (m === 'GET' || m === 'HEAD')
    throw new HttpError(501, 'NotImplemented', 'The stand-in does not serve this sub-resource.');
  return { status: m === 'DELETE' ? 204 : 200 };
};

/** What the classifier could not name: OBS's NotImplemented, naming the method. */
export const notImplemented: Handler = (ctx) => {
  throw new HttpError(
    501,
    'NotImplemented',
    `The stand-in does not implement ${ctx.req.method} on this resource.`,
  );
};
