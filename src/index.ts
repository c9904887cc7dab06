/**
 * Everything in one module, as the package root exported it up to 0.1: the isomorphic core (./core, the
 * package root now) and the Node parts that have their own subpaths now (./entries). The CLI and the tests
 * import from here; package users import `obs-sse-rules` and its subpaths (docs/package.md).
 */
export * from './core';
// Takes a rules directory too, which the isomorphic core cannot read; this one wins over core's export.
export { createChecker } from './engine/default';

export * from './entries/rules';
export * from './entries/ajv';
export * from './entries/guard';
