/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/types/'],
  transform: {
    // Type checking is `npm run typecheck`'s job: tsconfig.test.json sets isolatedModules, so ts-jest only
    // transpiles, which keeps jest fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  testTimeout: 60000,
};
