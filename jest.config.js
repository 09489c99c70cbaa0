/**
 * Three test tiers as Jest projects (`npm run test:unit`, `test:acceptance`, `test:packaging`; `npm test` runs all
 * three in one invocation, so one globalSetup serves them and no worker idles between tiers):
 *   unit        in-process, over local HTTP, or with short-lived child processes of node: no terraform, no cdktf,
 *               no packaging. The inner loop; it has no globalSetup.
 *   acceptance  the real terraform and cdktf, the packaged provider executable (globalSetup packages it once), a
 *               real browser, and the long real-process suites (repeated kills, thousands of hostile values through
 *               both bridges, a 60,000-mailbox tenant, a fleet emulator of 100,000 mailboxes), which would take the
 *               inner loop past a minute.
 *   packaging   release artifacts, the construct packages, the GitOps pipeline and the examples.
 * A test file belongs to acceptance or packaging by the lists below (a path ending in / is a directory), to unit
 * otherwise. ts-jest runs TypeScript in transpile-only mode; `npm test` type-checks with tsc first.
 */
// Every decoded Terraform value frozen, not only the large shared ones (src/protocol/msgpack.ts). Set here, in the
// process that starts the workers, so the workers, terraform and the provider it starts all inherit it.
process.env.EXOFORM_TEST_FREEZE_DECODED = '1';

const ACCEPTANCE = [
  'test/acceptance/',
  'test/constructs/examples.test.ts',
  'test/constructs/mailbox-list.test.ts',
  'test/constructs/main-job.test.ts',
  'test/constructs/smtp-auth-baseline.test.ts',
  'test/constructs/tenant-fleet.test.ts',
  'test/contract/',
  'test/docs-snippets.test.ts',
  'test/emulator/crash-safety.test.ts',
  'test/emulator/fixtures.test.ts',
  'test/emulator/fleet-store.test.ts',
  'test/protocol/handshake.test.ts',
  'test/protocol/provider-server.test.ts',
  'test/protocol/startup-modules.test.ts',
  'test/protocol/stop-provider.test.ts',
  'test/report/december-2026-report.test.ts',
  'test/report/report-html.test.ts',
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
  testSequencer: '<rootDir>/test/sequencer.js', // longest files first (`npm test` runs the tiers in one invocation)
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...[...ACCEPTANCE, ...PACKAGING].map(regex)],
    },
    {
      ...shared,
      displayName: 'acceptance',
      testMatch: ACCEPTANCE.map(glob),
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'packaging',
      testMatch: PACKAGING.map(glob),
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
