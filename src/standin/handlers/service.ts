import { xmlReply, type Handler } from '../context';
import type { XmlFields } from '../xml';

/** HEAD `/?apiversion`: the OBS SDK asks which API the server speaks before its first call. */
export const headApiVersion: Handler = () => ({ status: 200, headers: [['x-obs-api', '3.0']] });

/** A CORS preflight: allows what was asked, so browser clients reach the stand-in. */
export const options: Handler = (ctx) => ({
  status: 200,
  headers: [
    ['Access-Control-Allow-Origin', ctx.header('origin') ?? '*'],
    ['Access-Control-Allow-Methods', 'GET,PUT,POST,DELETE,HEAD'],
    ['Access-Control-Allow-Headers', ctx.header('access-control-request-headers') ?? '*'],
  ],
});

/** ListBuckets: every bucket, owned by the fake account of the KMS key ids. */
export const listBuckets: Handler = (ctx, env) =>
  xmlReply(ctx, 'ListAllMyBucketsResult', [
    ['Owner', [['ID', env.kms.domainId]]],
    [
      'Buckets',
      [...env.store.buckets.values()].map((b): [string, XmlFields] => [
        'Bucket',
        [
          ['Name', b.name],
          ['CreationDate', b.created.toISOString()],
        ],
      ]),
    ],
  ]);
