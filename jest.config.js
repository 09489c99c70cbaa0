/** Jest runs TypeScript through ts-jest in transpile-only mode; `npm test` type-checks with tsc first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] }, // tsconfig's isolatedModules: transpile only
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 120000,
};
