// Test certificates made with openssl at test time: a CA, a broker certificate
// for 127.0.0.1 and a client certificate, all PEM (Kafka reads PEM stores).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(dir, args) {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
}

function signed(dir, name, subject, extensions) {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '3', '-extfile', `${name}.ext`]);
}

/**
 * Writes into `dir`: ca.pem (CA certificate), server.keystore.pem (broker key +
 * certificate chain, for ssl.keystore.type=PEM), client.pem and client.key.
 * Returns their paths.
 */
export function makeCerts(dir) {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3', '-subj', '/CN=sluice-test-ca']);
  signed(dir, 'server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', '/CN=sluice-test-client', 'extendedKeyUsage=clientAuth\n');
  const keystore = join(dir, 'server.keystore.pem');
  writeFileSync(keystore, readFileSync(join(dir, 'server.key'), 'utf8') + readFileSync(join(dir, 'server.pem'), 'utf8') + readFileSync(join(dir, 'ca.pem'), 'utf8'));
  return { ca: join(dir, 'ca.pem'), keystore, clientCert: join(dir, 'client.pem'), clientKey: join(dir, 'client.key') };
}
