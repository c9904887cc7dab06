/**
 * Everything in one module, as the package root exported it up to 0.1: the isomorphic core (./core, the
 * package root now) and the Node parts that have their own subpaths now (./entries). The CLI and the tests
 * import from here; package users import `obs-sse-rules` and its subpaths (docs/package.md).
 */
export * from './core';
// Takes a rules directory too, which the isomorphic core cannot read; this one wins over core's export.
export { createChecker } from './engine/default';
// Both the core (redaction helpers, read-only pairs) and the guard contract name a HeaderPairs: the root keeps
// the core's, as 0.1 did; `obs-sse-rules/guard` has the contract's.
export type { HeaderPairs } from './core';

export * from './entries/rules';
export * from './entries/ajv';
export * from './entries/guard';
