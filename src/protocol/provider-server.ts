/**
 * Serves a ProviderHandler over plugin protocol 6: the tfplugin6.Provider RPCs, go-plugin's controller,
 * stdio and broker services, the handshake, StopProvider and shutdown.
 */
import {
  DiagnosticError,
  diagnosticToProto,
  attributePathToProto,
  errorDiagnostic,
  type Diagnostic,
} from './diagnostics';
import { GrpcError, GrpcStatus, type CallContext, type MethodDescriptor } from './grpc-server';
import type { Logger } from './logging';
import { decodeMsgpack, encodeMsgpack, type CtyValue } from './msgpack';
import type { ProviderHandler, ProviderSchemas } from './provider-handler';
import { functionToProto, schemaToProto } from './schema';
import { methodDescriptor } from './generated/descriptors';
import { listenForTerraform, type ListeningServer, type ListenOptions } from './provider-listener';

interface DynamicValueMessage {
  msgpack?: Uint8Array;
  json?: Uint8Array;
}

function decodeDynamic(value: DynamicValueMessage | undefined): CtyValue {
  if (!value) return null;
  if (value.msgpack && value.msgpack.length) return decodeMsgpack(value.msgpack);
  if (value.json && value.json.length) return JSON.parse(Buffer.from(value.json).toString('utf8')) as CtyValue;
  return null;
}

function encodeDynamic(value: CtyValue): DynamicValueMessage {
  return { msgpack: encodeMsgpack(value) };
}

const diagnostics = (list: readonly Diagnostic[]): object[] => list.map(diagnosticToProto);

/** Turns an unexpected exception into a diagnostic instead of a gRPC failure, which Terraform shows badly. */
function crashDiagnostic(error: unknown, what: string): Diagnostic {
  const message = error instanceof Error ? error.message : String(error);
  return errorDiagnostic(
    `Internal error in the exoform provider during ${what}`,
    `${message}\n\nThis is a bug in the provider. Please report it with the Terraform log (TF_LOG_PROVIDER=debug).`,
  );
}

export interface RouteOptions {
  /**
   * The provider's handler, or a factory for it: a factory runs on the event loop's next turn (or at the first
   * call, if that comes sooner), which keeps building the schemas off the start-up path.
   */
  handler: ProviderHandler | (() => ProviderHandler);
  logger: Logger;
  /** Called after the controller's Shutdown RPC has been answered. */
  onShutdown?: () => void;
}

export type ServeOptions = RouteOptions & ListenOptions;

export interface RunningProvider {
  address: string;
  stop(): Promise<void>;
}

/** Listens, writes the handshake line and serves the provider: src/main.ts does the same in two bundles. */
export async function serveProvider(options: ServeOptions): Promise<RunningProvider> {
  return serveProviderOn(await listenForTerraform(options), options);
}

/**
 * Adds the tfplugin6 and go-plugin routes to a server that has written its handshake line. Call it synchronously
 * once `listenForTerraform` resolves, so the routes are there before the first connection is accepted.
 */
export function serveProviderOn(listening: ListeningServer, options: RouteOptions): RunningProvider {
  const { logger } = options;
  const { server } = listening;
  let built: ProviderHandler | undefined;
  const handler = (): ProviderHandler =>
    (built ??= typeof options.handler === 'function' ? options.handler() : options.handler);
  // StopProvider cancels everything in flight; calls that start afterwards fail fast.
  const stopping = new AbortController();
  const signalFor = (call: CallContext): AbortSignal => AbortSignal.any([call.signal, stopping.signal]);

  const unary = (name: string, run: (request: any, call: CallContext) => Promise<object>): void => {
    const method = methodDescriptor(`/tfplugin6.Provider/${name}`);
    server.addUnary(method, async (request, call) => {
      const started = Date.now();
      try {
        return await run(request, call);
      } catch (error) {
        if (error instanceof GrpcError) throw error;
        if (error instanceof DiagnosticError) return { diagnostics: diagnostics([error.diagnostic]) };
        // Every response type carries diagnostics; report crashes there so Terraform shows them properly.
        return { diagnostics: diagnostics([crashDiagnostic(error, name)]) };
      } finally {
        if (logger.enabled('debug'))
          logger.log('debug', 'rpc', { rpc: name, type: request?.type_name, ms: Date.now() - started });
      }
    });
  };

  const schemas = (): ProviderSchemas => handler().schemas;
  const serverCapabilities = { plan_destroy: true, get_provider_schema_optional: true, move_resource_state: false };

  unary('GetMetadata', async () => ({
    server_capabilities: serverCapabilities,
    resources: Object.keys(schemas().resources).map((type_name) => ({ type_name })),
    data_sources: Object.keys(schemas().dataSources).map((type_name) => ({ type_name })),
    functions: Object.keys(schemas().functions).map((name) => ({ name })),
    ephemeral_resources: [],
    diagnostics: [],
  }));

  let schemaResponse: object | undefined; // built once per process, on first use
  unary('GetProviderSchema', async () => {
    schemaResponse ??= {
      provider: schemaToProto(schemas().provider),
      resource_schemas: mapValues(schemas().resources, schemaToProto),
      data_source_schemas: mapValues(schemas().dataSources, schemaToProto),
      functions: mapValues(schemas().functions, functionToProto),
      ephemeral_resource_schemas: {},
      server_capabilities: serverCapabilities,
      diagnostics: [],
    };
    return schemaResponse;
  });

  unary('ValidateProviderConfig', async (request) => {
    const result = await handler().validateProviderConfig(decodeDynamic(request.config));
    return { diagnostics: diagnostics(result.diagnostics) };
  });

  unary('ConfigureProvider', async (request, call) => {
    const result = await handler().configureProvider(decodeDynamic(request.config), {
      terraformVersion: request.terraform_version ?? '',
      signal: signalFor(call),
    });
    return { diagnostics: diagnostics(result.diagnostics) };
  });

  unary('ValidateResourceConfig', async (request) => {
    const result = await handler().validateResourceConfig(request.type_name, decodeDynamic(request.config));
    return { diagnostics: diagnostics(result.diagnostics) };
  });

  unary('ValidateDataResourceConfig', async (request) => {
    const result = await handler().validateDataSourceConfig(request.type_name, decodeDynamic(request.config));
    return { diagnostics: diagnostics(result.diagnostics) };
  });

  unary('UpgradeResourceState', async (request) => {
    const rawJson = request.raw_state?.json;
    if (!rawJson || !rawJson.length) {
      const flat = request.raw_state?.flatmap && Object.keys(request.raw_state.flatmap).length;
      return {
        diagnostics: diagnostics([
          errorDiagnostic(
            'Unsupported state format',
            flat
              ? 'This state was written in the pre-0.12 flatmap format, which exoform never wrote. Remove the resource from state and import it.'
              : 'The stored state is empty.',
          ),
        ]),
      };
    }
    const raw = JSON.parse(Buffer.from(rawJson).toString('utf8')) as unknown;
    const result = await handler().upgradeResourceState(request.type_name, Number(request.version ?? 0), raw, {
      lifetime: stopping.signal,
    });
    return { upgraded_state: encodeDynamic(result.state), diagnostics: diagnostics(result.diagnostics) };
  });

  unary('ReadResource', async (request, call) => {
    const result = await handler().readResource({
      typeName: request.type_name,
      state: decodeDynamic(request.current_state),
      private: request.private,
      signal: signalFor(call),
    });
    return {
      new_state: encodeDynamic(result.state),
      private: result.private,
      diagnostics: diagnostics(result.diagnostics),
    };
  });

  unary('PlanResourceChange', async (request, call) => {
    const result = await handler().planResourceChange({
      typeName: request.type_name,
      prior: decodeDynamic(request.prior_state),
      proposed: decodeDynamic(request.proposed_new_state),
      config: decodeDynamic(request.config),
      priorPrivate: request.prior_private,
      signal: signalFor(call),
    });
    return {
      planned_state: encodeDynamic(result.planned),
      requires_replace: result.requiresReplace.map(attributePathToProto),
      planned_private: result.plannedPrivate,
      diagnostics: diagnostics(result.diagnostics),
    };
  });

  unary('ApplyResourceChange', async (request, call) => {
    const result = await handler().applyResourceChange({
      typeName: request.type_name,
      prior: decodeDynamic(request.prior_state),
      planned: decodeDynamic(request.planned_state),
      config: decodeDynamic(request.config),
      plannedPrivate: request.planned_private,
      signal: signalFor(call),
    });
    return {
      new_state: encodeDynamic(result.state),
      private: result.private,
      diagnostics: diagnostics(result.diagnostics),
    };
  });

  unary('ImportResourceState', async (request, call) => {
    const result = await handler().importResourceState(request.type_name, request.id ?? '', {
      signal: signalFor(call),
    });
    return {
      imported_resources: result.resources.map((resource) => ({
        type_name: resource.typeName,
        state: encodeDynamic(resource.state),
        private: resource.private,
      })),
      diagnostics: diagnostics(result.diagnostics),
    };
  });

  unary('ReadDataSource', async (request, call) => {
    const result = await handler().readDataSource(request.type_name, decodeDynamic(request.config), {
      signal: signalFor(call),
    });
    return { state: encodeDynamic(result.state), diagnostics: diagnostics(result.diagnostics) };
  });

  unary('GetFunctions', async () => ({ functions: mapValues(schemas().functions, functionToProto), diagnostics: [] }));

  // CallFunction's response has no diagnostics: every failure, a crash included, travels as its FunctionError.
  unary('CallFunction', async (request) => {
    try {
      const outcome = await handler().callFunction(request.name ?? '', (request.arguments ?? []).map(decodeDynamic));
      if ('error' in outcome) return { error: { text: outcome.error.text, function_argument: outcome.error.argument } };
      return { result: encodeDynamic(outcome.result) };
    } catch (error) {
      const crash = crashDiagnostic(error, `CallFunction ${request.name}`);
      return { error: { text: `${crash.summary}: ${crash.detail}` } };
    }
  });

  unary('StopProvider', async () => {
    logger.log('info', 'StopProvider: cancelling in-flight calls');
    stopping.abort();
    return {};
  });

  // go-plugin services Terraform opens on every provider process.
  server.addUnary(methodDescriptor('/plugin.GRPCController/Shutdown'), async () => {
    setImmediate(() => {
      void (async () => {
        await built?.close().catch(() => undefined);
        // A graceful close lets this answer's trailers out first; bounded, so a client that never lets go
        // cannot keep the process alive.
        await Promise.race([server.close(), new Promise<void>((resolve) => setTimeout(resolve, 1000).unref())]);
        options.onShutdown?.();
      })();
    });
    return {};
  });
  server.addStream(methodDescriptor('/plugin.GRPCStdio/StreamStdio'), () => undefined);
  server.addStream(methodDescriptor('/plugin.GRPCBroker/StartStream'), () => undefined);
  server.addUnary(methodDescriptor('/grpc.health.v1.Health/Check'), async () => ({ status: 1 }));

  if (typeof options.handler === 'function') {
    setImmediate(() => {
      try {
        handler();
      } catch (error) {
        // The first call builds it again and reports the failure as its diagnostic.
        logger.log('error', 'could not build the provider', {
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
    });
  }
  return {
    address: listening.address,
    stop: async () => {
      stopping.abort();
      await built?.close();
      await server.close();
    },
  };
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  const out: Record<string, U> = {};
  for (const [key, value] of Object.entries(record)) out[key] = map(value);
  return out;
}

export type { MethodDescriptor };
export { GrpcStatus };
