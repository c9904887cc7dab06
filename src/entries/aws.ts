/**
 * `obs-sse-rules/aws` (Node): the guard as a plugin of the AWS SDK for JavaScript v3,
 * `client.middlewareStack.use(obsSsePlugin({ mode }))`. @aws-sdk/client-s3 is an optional peer: these types
 * describe the SDK structurally and compile without it.
 */
export {
  obsSsePlugin,
  OBS_SSE_MIDDLEWARE,
  guardRequestOf,
  type ObsSsePlugin,
  type ObsSsePluginOptions,
  type SdkHttpRequest,
  type SdkMiddlewareStack,
} from '../guard/aws-sdk';
export { ObsSseGuardError, OBS_SSE_BLOCKED, guardErrorOf } from '../guard/error';
