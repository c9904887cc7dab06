/**
 * `obs-sse-rules/undici` (Node): the undici 7 interceptor, `agent.compose(obsSseGuard({ mode }))`. undici is
 * an optional peer: these types compile without it, and only the caller's own code imports it.
 */
export { obsSseGuard, type ObsSseGuardOptions, type ObsSseInterceptor } from '../guard/undici';
export { ObsSseGuardError, OBS_SSE_BLOCKED, guardErrorOf } from '../guard/error';
