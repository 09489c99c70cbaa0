/**
 * Jest's TypeScript transform: esbuild strips the types (tsconfig's isolatedModules makes that safe; `npm test`
 * type-checks with tsc first). It is much cheaper per file than ts-jest's TypeScript compiler on a cold cache, as CI
 * has it. A file that calls jest.mock goes to ts-jest, which hoists those calls above the imports as Jest requires.
 */
const { createHash } = require('node:crypto');
const { transformSync, version } = require('esbuild');

const MOCKS = /\bjest\s*\.\s*(?:mock|unmock|doMock|dontMock|enableAutomock|disableAutomock)\s*\(/;
// The compiler options that change emitted code, from tsconfig.json (alwaysStrict through strict: a module's
// assignment to a frozen value must throw, as it does in the provider).
const { compilerOptions } = require('../tsconfig.json');
const OPTIONS = {
  loader: 'ts',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  sourcesContent: false,
  tsconfigRaw: { compilerOptions: { ...compilerOptions, alwaysStrict: true } },
};

let tsJest;
const hoisting = () => {
  tsJest ??= require('ts-jest').default.createTransformer({ diagnostics: false });
  return tsJest;
};

module.exports = {
  canInstrument: false,
  process(source, path, options) {
    if (MOCKS.test(source)) return hoisting().process(source, path, options);
    return { code: transformSync(source, { ...OPTIONS, sourcefile: path }).code };
  },
  getCacheKey(source, path, options) {
    if (MOCKS.test(source)) return hoisting().getCacheKey(source, path, options);
    return createHash('sha1')
      .update(`esbuild ${version}\0${JSON.stringify(OPTIONS)}\0${path}\0`)
      .update(source)
      .digest('hex');
  },
};
