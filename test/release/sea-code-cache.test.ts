/**
 * scripts/release/sea.ts, `codeCachedAssets`: the provider core (src/provider-core.ts), loaded from an asset right
 * after the handshake line, gets a V8 code cache made by the embedded Node at build time. V8 silently ignores a cache
 * it rejects (another V8 version, other flags, other source), which would cost every start its compile: this builds a
 * single executable of the embedded Node with the real core bundle as such an asset, loads it as the side-bundle
 * loader does (scripts/package.ts), and asks V8 whether it took the cache.
 */
import { spawnSync } from 'node:child_process';
import { hostTarget } from '../../scripts/release';
import { sideBundles } from '../../scripts/package';
import { buildSea } from '../../scripts/release/sea';
import { PROVIDER_CORE_BUNDLE } from '../../src/provider-launcher';

const CORE = PROVIDER_CORE_BUNDLE;

// Compiles the asset as the side-bundle stub does (Module.wrap, its cache from sea.getRawAsset), runs it, and reports.
const MAIN = `
const sea = require('node:sea');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');
const filename = path.join(path.dirname(process.execPath), ${JSON.stringify(CORE)});
const cachedData = Buffer.from(sea.getRawAsset(${JSON.stringify(`${CORE}.v8cache`)}));
const script = new vm.Script(Module.wrap(sea.getAsset(${JSON.stringify(CORE)}, 'utf8')), { filename, cachedData });
const core = { exports: {} };
script.runInThisContext().call(core.exports, core.exports, Module.createRequire(filename), core, filename, path.dirname(filename));
process.stdout.write(JSON.stringify({ cacheBytes: cachedData.length, rejected: script.cachedDataRejected, exports: Object.keys(core.exports) }));
`;

test('the release executable takes the provider core from the V8 code cache built for it', async () => {
  const core = (await sideBundles('// test build')).get(CORE);
  expect(core).toBeDefined();
  const executable = buildSea(
    { name: 'test-core-code-cache', main: Buffer.from(MAIN), assets: { [CORE]: core! }, codeCachedAssets: [CORE] },
    hostTarget(),
  );
  const ran = spawnSync(executable, [], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
  expect(ran.stderr).toBe('');
  const report = JSON.parse(ran.stdout) as { cacheBytes: number; rejected: boolean; exports: string[] };
  expect(report.exports).toContain('serveExoform');
  expect(report.cacheBytes).toBeGreaterThan(10_000);
  expect(report.rejected).toBe(false);
}, 300_000);
