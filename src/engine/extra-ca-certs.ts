// bin/sluice's first line moves NODE_EXTRA_CA_CERTS to SLUICE_DEFERRED_CA_CERTS
// so that Node does not parse the certificates at start-up (about 40 ms of
// every stage). The CLI puts the variable back before anything else, so a
// child (`sink exec`, a Node program it runs) inherits the environment as the
// user set it, and keeps the file for the only TLS client, Kafka's.

const DEFERRED = 'SLUICE_DEFERRED_CA_CERTS';
let deferred: string | undefined;

/** Puts NODE_EXTRA_CA_CERTS back as the user set it; call first thing in the process. */
export function restoreExtraCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[DEFERRED];
  if (file === undefined) return;
  delete env[DEFERRED];
  env['NODE_EXTRA_CA_CERTS'] = file;
  deferred = file;
}

/** The NODE_EXTRA_CA_CERTS file Node did not load at start-up (the launcher deferred it), if any. */
export function deferredExtraCaCerts(): string | undefined {
  return deferred === '' ? undefined : deferred;
}
