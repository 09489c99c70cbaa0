/**
 * exoform's CDKTF constructs, one barrel for both levels (as aws-cdk-lib does):
 *
 *   - L1, generated from the provider schema (constructs/generated/, `npm run bindings`), namespaced like the
 *     prebuilt cdktf providers: `provider.ExchangeonlineProvider`, `transportConfig.TransportConfig`,
 *     `mailboxSmtpAuthList.MailboxSmtpAuthList`, `dataExchangeonlineCasMailboxes.DataExchangeonlineCasMailboxes`, ...
 *   - L2, hand-written (constructs/lib/): SmtpAuthBaseline, MailboxList, TenantFleet.
 */
export * from './generated/index';
export * from './lib/index';
