/**
 * What the provider hands every resource and data source once it is configured, and the helpers they share. Its own
 * module so that resources need not import provider.ts, which imports every resource.
 */
import type { ExchangeBridge } from '../../bridge/bridge';
import type { MailboxDirectory } from '../../exchange/mailbox-directory';
import type { ExchangeSession } from '../../exchange/session';
import type { GraphSettings } from '../../graph/graph-auth';
import { errorDiagnostic } from '../../protocol/diagnostics';
import { DiagnosticError } from '../framework/resource';

/** What every resource receives once the provider is configured. */
export interface ExchangeClient {
  readonly organization: string;
  /** Limited to `max_concurrent_requests` calls in flight for this tenant. */
  readonly bridge: ExchangeBridge;
  /** This process's view of the tenant's mailboxes: one bulk read, shared by every mailbox resource. */
  readonly mailboxes: MailboxDirectory;
  /** Host name legacy-TLS SMTP clients use in this tenant's cloud; null where the cloud has no legacy endpoint. */
  readonly legacyTlsHost: string | null;
  /** The cloud's name for messages (e.g. "Microsoft 365 GCC High"). */
  readonly cloudLabel: string;
  /**
   * Resolves once the service has answered for this tenant in this process; before a create is planned, so an
   * unknown `organization` (or refused credentials) fails the plan rather than the apply.
   */
  readonly tenantAnswered: (signal: AbortSignal) => Promise<void>;
  /**
   * The credential settings a Microsoft Graph token is obtained with, for the readiness data source (src/graph/
   * graph-auth.ts builds the client when that data source reads; nothing of Graph is loaded before).
   */
  readonly graph?: GraphSettings;
}

/**
 * One call's view of the tenant for the exchange layer: the client's bridge, the call's cancellation signal, and
 * service warnings turned into Terraform warnings.
 */
export function exchangeSession(context: {
  client: ExchangeClient;
  signal: AbortSignal;
  warn(summary: string, detail?: string): void;
}): ExchangeSession {
  return {
    bridge: context.client.bridge,
    signal: context.signal,
    warn: (message) => context.warn('Exchange Online warning', message),
  };
}

/** Refuses an import ID that is not this provider's tenant (singleton resources import with the tenant's name). */
export function assertImportTenant(context: { id: string; client: ExchangeClient }): void {
  const id = context.id.trim();
  if (id.toLowerCase() === context.client.organization.toLowerCase()) return;
  throw new DiagnosticError(
    errorDiagnostic(
      'Import ID names a different tenant',
      `The import ID is "${id}", but this provider is configured for "${context.client.organization}". Import with the provider's organization ` +
        '(for another tenant, use a provider alias configured for it).',
    ),
  );
}
