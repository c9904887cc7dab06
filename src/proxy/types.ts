/**
 * The guard contract moved to src/guard/contract.ts (the guard core owns it; the proxy is one of its
 * adapters). Re-exported here so that imports of the old path keep working.
 */
export type * from '../guard/contract';
