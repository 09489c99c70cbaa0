#!/usr/bin/env node
// The `exoform` command. A packaged build ships dist/cli.js; a fresh clone has only TypeScript sources, which are
// loaded through tsx (a devDependency) so that no build step is needed to run the CLI from a checkout.
// EXOFORM_CLI_FROM_SOURCE=1 forces the sources even when dist/cli.js exists (it may be older than the sources).
'use strict';

const { existsSync } = require('node:fs');
const { join } = require('node:path');

function loadCli() {
  const built = join(__dirname, '..', 'dist', 'cli.js');
  if (process.env.EXOFORM_CLI_FROM_SOURCE !== '1' && existsSync(built)) return require(built);
  try {
    require('tsx/cjs');
  } catch {
    process.stderr.write(
      'exoform: dist/cli.js is missing and tsx is not installed, so the TypeScript sources cannot run.\n' +
        "Run 'npm install' in the exoform checkout (or build the package) and try again.\n",
    );
    process.exit(1);
  }
  return require(join(__dirname, '..', 'src', 'cli', 'cli.ts'));
}

loadCli()
  .main(process.argv.slice(2))
  .then((status) => {
    process.exitCode = status;
  })
  .catch((error) => {
    process.stderr.write(`exoform: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  });
