/**
 * Three test tiers as Jest projects (`npm run test:unit`, `test:acceptance`, `test:packaging`):
 *   unit        in-process, over local HTTP, or with child processes of node: no terraform, no cdktf, no packaging.
 *               The inner loop; it has no globalSetup.
 *   acceptance  the real terraform and cdktf, and the packaged provider executable: globalSetup packages it once.
 *   packaging   release artifacts, the construct packages, the GitOps pipeline and the examples.
 * A test file belongs to acceptance or packaging by the lists below (a path ending in / is a directory), to unit
 * otherwise. ts-jest runs TypeScript in transpile-only mode; `npm test` type-checks with tsc first.
 */
const ACCEPTANCE = [
  'test/acceptance/',
  'test/constructs/examples.test.ts',
  'test/constructs/mailbox-list.test.ts',
  'test/constructs/main-job.test.ts',
  'test/constructs/smtp-auth-baseline.test.ts',
  'test/constructs/tenant-fleet.test.ts',
  'test/docs-snippets.test.ts',
  'test/protocol/handshake.test.ts',
  'test/protocol/provider-server.test.ts',
  'test/protocol/startup-modules.test.ts',
  'test/protocol/stop-provider.test.ts',
];

const PACKAGING = [
  'test/constructs/cdktn.test.ts',
  'test/constructs/generated-bindings.test.ts',
  'test/constructs/package.test.ts',
  'test/examples.test.ts',
  'test/gitops/',
  'test/release/',
];

const glob = (path) => `<rootDir>/${path.endsWith('/') ? `${path}**/*.test.ts` : path}`;
const regex = (path) => `<rootDir>/${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&')}${path.endsWith('/') ? '' : '$'}`;

const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] }, // tsconfig's isolatedModules: transpile only
};

module.exports = {
  testTimeout: 120000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...[...ACCEPTANCE, ...PACKAGING].map(regex)],
    },
    { ...shared, displayName: 'acceptance', testMatch: ACCEPTANCE.map(glob), globalSetup: '<rootDir>/test/global-setup.ts' },
    { ...shared, displayName: 'packaging', testMatch: PACKAGING.map(glob), globalSetup: '<rootDir>/test/global-setup.ts' },
  ],
};
