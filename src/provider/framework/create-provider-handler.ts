/**
 * Turns a ProviderDefinition into the protocol's ProviderHandler: Terraform's planning rules (defaults, unknown
 * computed values, replacement), state shaping, and one consistent way of reporting errors.
 */
import { redactUrlCredentials } from '../../bridge/redact';
import {
  errorDiagnostic,
  hasErrors,
  warningDiagnostic,
  type AttributePath,
  type Diagnostic,
} from '../../protocol/diagnostics';
import type { ProviderHandler, ProviderSchemas } from '../../protocol/provider-handler';
import { assertValidSchema } from '../../protocol/schema';
import {
  DiagnosticError,
  FunctionArgumentError,
  PartialResultError,
  type DataSourceDefinition,
  type FunctionDefinition,
  type ProviderDefinition,
  type ResourceDefinition,
} from './resource';
import { Prefetches } from './prefetches';
import {
  Unknown,
  asObject,
  conformToBlock,
  containsUnknown,
  valuesEqual,
  type CtyValue,
  type ObjectValue,
} from './values';

class Collector {
  readonly diagnostics: Diagnostic[] = [];
  warn = (summary: string, detail?: string, path?: AttributePath): void => {
    this.diagnostics.push(warningDiagnostic(summary, detail, path));
  };
}

export function createProviderHandler<Client>(definition: ProviderDefinition<Client>): ProviderHandler {
  const resources = new Map<string, ResourceDefinition<Client>>(definition.resources.map((r) => [r.typeName, r]));
  const dataSources = new Map<string, DataSourceDefinition<Client>>(definition.dataSources.map((d) => [d.typeName, d]));
  const functions = new Map<string, FunctionDefinition>((definition.functions ?? []).map((f) => [f.name, f]));
  for (const r of definition.resources) assertValidSchema(r.typeName, r.schema);
  for (const d of definition.dataSources) assertValidSchema(d.typeName, d.schema);
  assertValidSchema('provider', definition.schema);

  const schemas: ProviderSchemas = {
    provider: definition.schema,
    resources: Object.fromEntries(definition.resources.map((r) => [r.typeName, r.schema])),
    dataSources: Object.fromEntries(definition.dataSources.map((d) => [d.typeName, d.schema])),
    functions: Object.fromEntries([...functions.values()].map((f) => [f.name, f.schema])),
  };

  let client: Client | null = null;
  let configureError: Diagnostic | null = null;

  /** Reads started at UpgradeResourceState (prefetchRead), by resource type, until that type's next call. */
  const prefetches = new Prefetches();
  const settlePrefetches = (typeName: string, refreshing: boolean): void => prefetches.settle(typeName, refreshing);

  function resource(typeName: string): ResourceDefinition<Client> {
    const found = resources.get(typeName);
    if (!found)
      throw new DiagnosticError(
        errorDiagnostic(`Unknown resource type ${typeName}`, 'This provider does not implement it.'),
      );
    return found;
  }

  function dataSource(typeName: string): DataSourceDefinition<Client> {
    const found = dataSources.get(typeName);
    if (!found)
      throw new DiagnosticError(
        errorDiagnostic(`Unknown data source ${typeName}`, 'This provider does not implement it.'),
      );
    return found;
  }

  function requireClient(): Client {
    if (client) return client;
    throw new DiagnosticError(
      configureError ??
        errorDiagnostic(
          'Provider not configured',
          'The exchangeonline provider configuration must be known before resources can be read or changed.',
        ),
    );
  }

  /** Runs one operation, turning thrown errors into diagnostics next to the warnings already collected. */
  async function guard<T>(operation: string, collector: Collector, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      const diagnostic =
        error instanceof DiagnosticError ? error.diagnostic : definition.describeError(error, operation);
      // Credentials in a URL never leave in an error, whichever path wrote the text.
      collector.diagnostics.push({
        ...diagnostic,
        summary: redactUrlCredentials(diagnostic.summary),
        detail: diagnostic.detail === undefined ? undefined : redactUrlCredentials(diagnostic.detail),
      });
      return undefined;
    }
  }

  return {
    schemas,

    async validateProviderConfig(config) {
      return { diagnostics: definition.validateConfig?.(asObject(config)) ?? [] };
    },

    async configureProvider(config, options) {
      const collector = new Collector();
      if (containsUnknown(config)) {
        configureError = errorDiagnostic(
          'Provider configuration is not known yet',
          'The exchangeonline provider block refers to values that are only known after apply. Use values known at plan time (variables, literals, environment variables).',
        );
        return { diagnostics: [] }; // Terraform tolerates this until a resource needs the client.
      }
      const configured = await guard('configure the provider', collector, () =>
        definition.configure(asObject(config), options),
      );
      if (configured !== undefined) client = configured;
      else configureError = collector.diagnostics.find((d) => d.severity === 'error') ?? null;
      return { diagnostics: collector.diagnostics };
    },

    async validateResourceConfig(typeName, config) {
      settlePrefetches(typeName, false);
      return { diagnostics: resource(typeName).validate?.(asObject(config)) ?? [] };
    },

    async validateDataSourceConfig(typeName, config) {
      return { diagnostics: dataSource(typeName).validate?.(asObject(config)) ?? [] };
    },

    async upgradeResourceState(typeName, version, rawState, options) {
      const definitionOf = resource(typeName);
      const raw = rawState as ObjectValue;
      if (version > definitionOf.schema.version) {
        return {
          state: null,
          diagnostics: [
            errorDiagnostic(
              `State of ${typeName} is from a newer provider`,
              `It was written with schema version ${version}; this provider knows version ${definitionOf.schema.version}. Use the provider version that wrote it, or newer.`,
            ),
          ],
        };
      }
      // Older versions are reshaped by the resource's own upgrade; then the object is fitted to the current attributes.
      const upgraded =
        version < definitionOf.schema.version && definitionOf.upgradeState
          ? definitionOf.upgradeState(version, raw)
          : raw;
      if (client && definitionOf.prefetchRead) {
        const prefetch = definitionOf.prefetchRead({ client, state: upgraded, lifetime: options.lifetime });
        if (prefetch) await prefetches.started(typeName, prefetch);
      }
      return { state: conformToBlock(definitionOf.schema.block, upgraded), diagnostics: [] };
    },

    async readResource(request) {
      settlePrefetches(request.typeName, true);
      const definitionOf = resource(request.typeName);
      const collector = new Collector();
      const state = asObject(request.state);
      const result = await guard(`read ${request.typeName}`, collector, () =>
        definitionOf.read({ client: requireClient(), signal: request.signal, warn: collector.warn, state }),
      );
      if (result === undefined)
        return { state: request.state, private: request.private, diagnostics: collector.diagnostics };
      return {
        state: result === null ? null : conformToBlock(definitionOf.schema.block, result),
        private: request.private,
        diagnostics: collector.diagnostics,
      };
    },

    async planResourceChange(request) {
      settlePrefetches(request.typeName, false);
      const definitionOf = resource(request.typeName);
      const collector = new Collector();
      const prior = request.prior === null ? null : asObject(request.prior);
      if (request.proposed === null) {
        if (prior && definitionOf.planDestroy) {
          await guard(`plan the destruction of ${request.typeName}`, collector, async () =>
            definitionOf.planDestroy!({ prior, client, signal: request.signal, warn: collector.warn }),
          );
        }
        return {
          planned: null,
          requiresReplace: [],
          plannedPrivate: request.priorPrivate,
          diagnostics: collector.diagnostics,
        };
      }
      const config = asObject(request.config);
      const planned = planValues(definitionOf, prior, asObject(request.proposed), config);
      await guard(`plan ${request.typeName}`, collector, async () => {
        if (!prior && client && definition.beforeCreatePlan)
          await definition.beforeCreatePlan(client, { signal: request.signal });
        await definitionOf.modifyPlan?.({
          prior,
          planned,
          config,
          client,
          signal: request.signal,
          warn: collector.warn,
        });
      });
      const requiresReplace: AttributePath[] = prior
        ? (definitionOf.requiresReplace ?? [])
            .filter((name) => !valuesEqual(prior[name], planned[name]))
            .map((name) => [name])
        : [];
      return { planned, requiresReplace, plannedPrivate: request.priorPrivate, diagnostics: collector.diagnostics };
    },

    async applyResourceChange(request) {
      settlePrefetches(request.typeName, false);
      const definitionOf = resource(request.typeName);
      const collector = new Collector();
      const prior = request.prior === null ? null : asObject(request.prior);
      const base = { signal: request.signal, warn: collector.warn };
      if (request.planned === null) {
        if (prior) {
          let partial: ObjectValue | undefined;
          const deleted = await guard(`delete ${request.typeName}`, collector, async () => {
            try {
              await definitionOf.delete({ ...base, client: requireClient(), prior });
            } catch (error) {
              if (!(error instanceof PartialResultError)) throw error;
              partial = error.state;
              collector.diagnostics.push(...error.diagnostics);
              return undefined;
            }
            return true;
          });
          if (partial)
            return {
              state: conformToBlock(definitionOf.schema.block, partial),
              private: request.plannedPrivate,
              diagnostics: collector.diagnostics,
            };
          if (deleted === undefined)
            return { state: request.prior, private: request.plannedPrivate, diagnostics: collector.diagnostics };
        }
        return { state: null, diagnostics: collector.diagnostics };
      }
      const planned = asObject(request.planned);
      const config = asObject(request.config);
      const operation = prior ? 'update' : 'create';
      let partial = false;
      const result = await guard(`${operation} ${request.typeName}`, collector, async () => {
        try {
          return await (prior
            ? definitionOf.update({ ...base, client: requireClient(), prior, planned, config })
            : definitionOf.create({ ...base, client: requireClient(), planned, config }));
        } catch (error) {
          if (!(error instanceof PartialResultError)) throw error;
          // Part of it was applied: hand Terraform that state together with the errors.
          partial = true;
          collector.diagnostics.push(...error.diagnostics);
          return error.state;
        }
      });
      if (result === undefined) {
        // Nothing was recorded as applied: keep the prior state (or none, for a failed create).
        return { state: request.prior, private: request.plannedPrivate, diagnostics: collector.diagnostics };
      }
      // Terraform's contract: every value known at plan time comes back as planned. A full success that read back
      // something else (another writer, a lagging read) keeps the plan; the next refresh shows the difference as drift.
      const state = partial
        ? conformToBlock(definitionOf.schema.block, result)
        : keepPlannedValues(planned, conformToBlock(definitionOf.schema.block, result));
      if (containsUnknown(state) && !hasErrors(collector.diagnostics)) {
        collector.diagnostics.push(
          errorDiagnostic(
            `Provider bug: ${request.typeName} left a value unknown after ${operation}`,
            'Please report this.',
          ),
        );
      }
      return { state, private: request.plannedPrivate, diagnostics: collector.diagnostics };
    },

    async importResourceState(typeName, id, options) {
      settlePrefetches(typeName, false);
      const definitionOf = resource(typeName);
      const collector = new Collector();
      if (!definitionOf.importState) {
        return {
          resources: [],
          diagnostics: [errorDiagnostic(`${typeName} cannot be imported`, 'Declare it in configuration instead.')],
        };
      }
      const state = await guard(`import ${typeName}`, collector, () =>
        definitionOf.importState!({ client: requireClient(), signal: options.signal, warn: collector.warn, id }),
      );
      if (state === undefined) return { resources: [], diagnostics: collector.diagnostics };
      return {
        resources: [{ typeName, state: conformToBlock(definitionOf.schema.block, state) }],
        diagnostics: collector.diagnostics,
      };
    },

    async readDataSource(typeName, config, options) {
      const definitionOf = dataSource(typeName);
      const collector = new Collector();
      const configObject = asObject(config);
      const state = await guard(`read data source ${typeName}`, collector, () =>
        definitionOf.read({
          client: requireClient(),
          signal: options.signal,
          warn: collector.warn,
          config: configObject,
        }),
      );
      return {
        state: state === undefined ? config : conformToBlock(definitionOf.schema.block, state),
        diagnostics: collector.diagnostics,
      };
    },

    async callFunction(name, args) {
      const found = functions.get(name);
      if (!found) return { error: { text: `The exchangeonline provider has no function "${name}".` } };
      try {
        return { result: found.call(args) };
      } catch (error) {
        if (error instanceof FunctionArgumentError) return { error: { text: error.message, argument: error.argument } };
        throw error;
      }
    },

    async close() {
      if (client && definition.close) await definition.close(client);
    },
  };
}

/**
 * Terraform's rules for a planned value: configured values as given; optional attributes left out of the
 * configuration take their default; computed values the provider will set are unknown ("known after apply")
 * unless the resource declared them stable.
 */
function planValues<Client>(
  definition: ResourceDefinition<Client>,
  prior: ObjectValue | null,
  proposed: ObjectValue,
  config: ObjectValue,
): ObjectValue {
  const planned: ObjectValue = { ...proposed };
  const attributes = definition.schema.block.attributes;
  const stable = new Set(definition.stableComputed ?? []);
  for (const [name, attribute] of Object.entries(attributes)) {
    if (config[name] !== null && config[name] !== undefined) continue;
    const fallback = definition.defaults?.[name];
    if (fallback !== undefined && (attribute.optional || attribute.required)) {
      planned[name] = fallback;
    } else if (attribute.computed && !attribute.optional && !(prior && stable.has(name))) {
      planned[name] = new Unknown();
    } else if (attribute.computed && attribute.optional && !prior) {
      planned[name] = new Unknown();
    }
  }
  // On update, computed-only values the resource did not declare stable stay as they were when nothing changes.
  if (prior) {
    const changed = Object.keys(attributes).some(
      (name) => !(attributes[name].computed && !attributes[name].optional) && !valuesEqual(prior[name], planned[name]),
    );
    if (!changed) {
      for (const [name, attribute] of Object.entries(attributes)) {
        if (attribute.computed && !attribute.optional) planned[name] = prior[name] as CtyValue;
      }
    }
  }
  return planned;
}

/** `state` with every attribute that was wholly known in `planned` set to its planned value. */
export function keepPlannedValues(planned: ObjectValue, state: ObjectValue): ObjectValue {
  const out: ObjectValue = { ...state };
  for (const [name, value] of Object.entries(planned)) {
    if (name in out && !containsUnknown(value)) out[name] = value;
  }
  return out;
}
