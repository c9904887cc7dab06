/**
 * `obs-sse-rules/proxy` (Node): the guarding reverse proxy that `obs-sse proxy` runs, and the forward-auth
 * decision server that `obs-sse authz` runs for gateways.
 */
export { createAuthzServer, type AuthzOptions, type AuthzServer, type AuthzStats } from '../authz/server';
export type { GatewayConvention } from '../authz/gateway';
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
