/** The hand-written (L2) constructs. Internals under ./private are not exported. */
export * from './errors';
export * from './mailbox-list';
export * from './smtp-auth-baseline';
export * from './tenant-fleet';
