/** `obs-sse-rules/proxy` (Node): the guarding reverse proxy that `obs-sse proxy` runs. */
export {
  createProxy,
  installSignalHandlers,
  type Addressing,
  type ObsSseProxy,
  type ProxyOptions,
  type ProxyStats,
  type SignalHandlerOptions,
} from '../proxy/server';
export type * from '../proxy/types';
