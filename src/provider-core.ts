/**
 * The provider proper: the tfplugin6 routes and the exoform provider behind them. src/main.ts loads this only once
 * the handshake line is out; packaged, it is a bundle of its own (exoform-provider-core.js, scripts/package.ts), so
 * a start does not load, compile or initialise any of it before the line Terraform waits on.
 */
import type { Logger } from './protocol/logging';
import type { ListeningServer } from './protocol/provider-listener';
import { serveProviderOn } from './protocol/provider-server';
import { createProviderHandler } from './provider/framework/create-provider-handler';
import { createExoformProvider } from './provider/provider';

/**
 * A provider holds a 60,000-member list three times over during a plan (config, prior state, proposed state) and
 * Terraform runs several providers at once: V8's memory-lean heap growth keeps the peak near the live data, at no
 * measurable cost in speed (figures and how to measure them: docs/performance.md). A runtime flag, because the
 * release executable (a Node single-executable application) cannot carry command-line flags; set after the
 * handshake line, since loading node:v8 costs a few milliseconds of the start Terraform waits on, and after this
 * bundle's code cache was checked or written (a changed flag makes V8 reject a cache made without it).
 */
function leanHeap(): void {
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--optimize-for-size');
}

/** Serves the exoform provider on a server that has written its handshake line. */
export function serveExoform(listening: ListeningServer, logger: Logger, onShutdown: () => void): void {
  serveProviderOn(listening, {
    // Built on the event loop's next turn, off the start-up path Terraform waits on.
    handler: () => {
      leanHeap();
      return createProviderHandler(createExoformProvider(logger));
    },
    logger,
    onShutdown,
  });
}
