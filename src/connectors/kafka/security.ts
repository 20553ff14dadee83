import { readFileSync } from 'node:fs';
import type { SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { UsageError } from '../../engine/errors.js';
import { deferredExtraCaCerts } from '../../engine/extra-ca-certs.js';
import { lazyBuiltin } from '../../engine/lazy-builtin.js';
import type { Args, OptionSpec } from '../../spec.js';

/** The environment variable a SASL password is read from (a password is never an option: it would show in `ps`). */
export const PASSWORD_ENV = 'SLUICE_KAFKA_SASL_PASSWORD';

const tls = lazyBuiltin('node:tls');

/** TLS and SASL, declared once for the Kafka source and sink. */
export const securityOptions: OptionSpec[] = [
  { name: 'tls', type: 'boolean', default: false, describe: 'kafka: connect to the brokers with TLS, verified against the system\'s CAs or --tls-ca (implied by --tls-ca and --tls-cert)' },
  { name: 'tls-ca', type: 'string', placeholder: 'FILE', env: 'SLUICE_KAFKA_TLS_CA', describe: 'kafka: PEM file of the CA certificates the brokers\' certificates must chain to' },
  { name: 'tls-cert', type: 'string', placeholder: 'FILE', env: 'SLUICE_KAFKA_TLS_CERT', describe: 'kafka: PEM client certificate, for brokers that require one (with --tls-key)' },
  { name: 'tls-key', type: 'string', placeholder: 'FILE', env: 'SLUICE_KAFKA_TLS_KEY', describe: 'kafka: PEM private key of --tls-cert (unencrypted)' },
  {
    name: 'sasl-mechanism',
    type: 'string',
    choices: ['plain', 'scram-sha-256', 'scram-sha-512'],
    env: 'SLUICE_KAFKA_SASL_MECHANISM',
    describe: 'kafka: SASL authentication (with --sasl-username and a password from SLUICE_KAFKA_SASL_PASSWORD or --sasl-password-file); use it with --tls (SASL_SSL) unless the network is trusted',
  },
  { name: 'sasl-username', type: 'string', placeholder: 'USER', env: 'SLUICE_KAFKA_SASL_USERNAME', describe: 'kafka: SASL user name' },
  {
    name: 'sasl-password-file',
    type: 'string',
    placeholder: 'FILE',
    env: 'SLUICE_KAFKA_SASL_PASSWORD_FILE',
    describe: `kafka: file whose first line is the SASL password; else the password is read from ${PASSWORD_ENV} (never from the command line)`,
  },
];

export interface KafkaSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

function readOption(args: Args, name: string): string | undefined {
  const v = args[name];
  return v === undefined || v === '' ? undefined : String(v);
}

function readFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--${option}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Without --tls-ca, Node's default CAs: its own roots, and NODE_EXTRA_CA_CERTS,
 * which Node did not load itself when the launcher deferred it (extra-ca-certs.ts).
 */
function defaultCas(): { ca?: string[] } {
  const extra = deferredExtraCaCerts();
  if (extra === undefined) return {};
  let pem: string;
  try {
    pem = readFileSync(extra, 'utf8');
  } catch (err) {
    throw new UsageError(`NODE_EXTRA_CA_CERTS: cannot read ${extra}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { ca: [...tls().rootCertificates, pem] };
}

/** The kafkajs `ssl` and `sasl` settings from the options; throws UsageError on an incomplete or unreadable setting. */
export function kafkaSecurity(args: Args, env: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  const ca = readOption(args, 'tls-ca');
  const cert = readOption(args, 'tls-cert');
  const key = readOption(args, 'tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const out: KafkaSecurity = {};
  if (args['tls'] === true || ca !== undefined || cert !== undefined) {
    out.ssl = {
      rejectUnauthorized: true,
      ...(ca !== undefined ? { ca: [readFile(ca, 'tls-ca')] } : defaultCas()),
      ...(cert !== undefined && { cert: readFile(cert, 'tls-cert'), key: readFile(key!, 'tls-key') }),
    };
  }
  const mechanism = readOption(args, 'sasl-mechanism');
  const username = readOption(args, 'sasl-username');
  const passwordFile = readOption(args, 'sasl-password-file');
  if (mechanism === undefined) {
    if (username !== undefined || passwordFile !== undefined) throw new UsageError('--sasl-username and --sasl-password-file need --sasl-mechanism');
    return out;
  }
  if (username === undefined) throw new UsageError(`--sasl-mechanism ${mechanism} needs --sasl-username (or SLUICE_KAFKA_SASL_USERNAME)`);
  const password = passwordFile !== undefined ? readFile(passwordFile, 'sasl-password-file').split(/\r?\n/)[0]! : env[PASSWORD_ENV];
  if (password === undefined || password === '') {
    throw new UsageError(`--sasl-mechanism ${mechanism} needs a password: set ${PASSWORD_ENV} or give --sasl-password-file FILE`);
  }
  if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') throw new UsageError(`--sasl-mechanism: unknown '${mechanism}'`);
  out.sasl = { mechanism, username, password } as SASLOptions;
  return out;
}
