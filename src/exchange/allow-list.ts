/**
 * The allow-list file format (one mailbox a line) lives in constructs/lib/allow-list.ts: the construct packages are
 * compiled from constructs/ alone, and the provider function and the MailboxList construct must share one rule.
 */
export * from '../../constructs/lib/allow-list';
