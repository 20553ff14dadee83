#!/usr/bin/env node
// A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM)
// for sluice's tests. No Docker: the jars come from Maven Central via
// scripts/kafka/pom.xml and are cached in .cache/kafka/libs (git-ignored).
//
//   node scripts/kafka/broker.mjs          start a broker, print its address, run until Ctrl-C
//   node scripts/kafka/broker.mjs --fetch  only fetch the jars
//
//   import { startBroker } from './kafka/broker.mjs';
//   const { brokers, stop } = await startBroker({ log: console.error });
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import kafkajs from 'kafkajs';
import { makeCerts } from './certs.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const POM = join(HERE, 'pom.xml');
/** The version CI runs (scripts/kafka/pom.xml); SLUICE_TEST_KAFKA_VERSION picks another, e.g. 4.4.0. */
export const DEFAULT_VERSION = /<kafka\.version>([^<]+)</.exec(readFileSync(POM, 'utf8'))[1];
export const VERSION = process.env.SLUICE_TEST_KAFKA_VERSION || DEFAULT_VERSION;
export const LIBS = join(ROOT, VERSION === DEFAULT_VERSION ? '.cache/kafka/libs' : `.cache/kafka/libs-${VERSION}`);
const STAMP = `${LIBS}.stamp`; // hash of the pom the jars came from
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Throws a readable error unless `cmd` runs (`java -version`, `mvn -v`). */
function requireTool(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} not found on PATH (needed for the Kafka test broker)`);
}

/** Fetches the Kafka jars into .cache/kafka/libs unless they are already there for the current pom. */
export async function ensureJars({ log = () => {} } = {}) {
  const pomText = readFileSync(POM, 'utf8').replace(/<kafka\.version>[^<]+</, `<kafka.version>${VERSION}<`);
  const want = createHash('sha256').update(pomText).digest('hex');
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === want && existsSync(LIBS)) return LIBS;
  requireTool('mvn', ['-v']);
  log(`kafka: fetching Kafka ${VERSION} jars with Maven into ${LIBS} ...`);
  rmSync(LIBS, { recursive: true, force: true });
  rmSync(STAMP, { force: true });
  mkdirSync(dirname(LIBS), { recursive: true });
  const pom = `${LIBS}.pom.xml`;
  writeFileSync(pom, pomText);
  // outputDirectory must be absolute: Maven resolves relative paths against the pom's folder.
  const args = ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${LIBS}`];
  let output = '';
  const code = await new Promise((res) => {
    const mvn = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    mvn.stdout.on('data', (d) => (output += d));
    mvn.stderr.on('data', (d) => (output += d));
    mvn.on('error', (e) => { output += e.message; res(-1); });
    mvn.on('close', res);
  });
  if (code !== 0 || !existsSync(LIBS) || !readdirSync(LIBS).some((f) => f.startsWith('kafka_2.13-'))) {
    throw new Error(`mvn ${args.join(' ')} failed (exit ${code}):\n${output}`);
  }
  writeFileSync(STAMP, want);
  return LIBS;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function portOpen(port) {
  return new Promise((res) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

async function clusterAnswers(brokers) {
  const admin = new kafkajs.Kafka({
    clientId: 'sluice-broker-probe', brokers: [brokers], logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 2000, retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const { brokers: nodes } = await admin.describeCluster();
    return nodes.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Makes the broker create __consumer_offsets and __transaction_state now, so the
 * first consumer group or transaction of a test does not meet "coordinator not
 * available / loading" errors (kafkajs retries them but logs each at ERROR).
 */
async function warmCoordinators(brokers) {
  const kafka = new kafkajs.Kafka({ clientId: 'sluice-broker-warmup', brokers: [brokers], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try { await admin.describeGroups(['sluice-warmup']); } finally { await admin.disconnect(); }
  const producer = kafka.producer({
    transactionalId: 'sluice-warmup', idempotent: true, maxInFlightRequests: 1,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try { await (await producer.transaction()).abort(); } finally { await producer.disconnect(); }
}

function tail(file, lines = 40) {
  try { return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

/** SASL users of the test broker: PLAIN from the JAAS line, SCRAM from the storage format (--add-scram). */
export const SASL_USERS = { plain: ['alice', 'alice-secret'], scram: ['scott', 'scott-secret'] };

function serverProperties({ dir, port, controllerPort, sslPort, saslSslPort, certs }) {
  const plainJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USERS.plain[0]}="${SASL_USERS.plain[1]}";`;
  const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SSL://127.0.0.1:${sslPort},SASL_SSL://127.0.0.1:${saslSslPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port},SSL://127.0.0.1:${sslPort},SASL_SSL://127.0.0.1:${saslSslPort}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
ssl.keystore.type=PEM
ssl.keystore.location=${certs.keystore}
ssl.truststore.type=PEM
ssl.truststore.location=${certs.ca}
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=${plainJaas}
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${scramJaas}
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scramJaas}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${join(dir, 'data')}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.num.partitions=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=16777216
`;
}

function log4jProperties(dir) {
  return `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${join(dir, 'server.log')}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
`;
}

/**
 * Starts a fresh broker in a new temp dir and waits until it answers.
 * Resolves to { brokers: '127.0.0.1:PORT', security, stop, pause, resume, signal }: pause(sig)
 * halts the JVM keeping its data (a broker restart or crash, with resume()); security holds the SSL and SASL_SSL
 * listeners (client certificates required on SSL), the CA and client certificate files and the
 * SASL users (PLAIN and SCRAM-SHA-256/512). Rejects if java/mvn is
 * missing or the broker is not ready within 60 s (the error carries the log tail).
 */
export async function startBroker({ log = () => {} } = {}) {
  requireTool('java', ['-version']);
  await ensureJars({ log });
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const brokers = `127.0.0.1:${port}`;
  const used = new Set([port, controllerPort]);
  const another = async () => {
    let p = await freePort();
    while (used.has(p)) p = await freePort();
    used.add(p);
    return p;
  };
  const sslPort = await another();
  const saslSslPort = await another();
  const certs = makeCerts(dir);
  const props = join(dir, 'server.properties');
  writeFileSync(props, serverProperties({ dir, port, controllerPort, sslPort, saslSslPort, certs }));
  writeFileSync(join(dir, 'log4j.properties'), log4jProperties(dir));
  const jvm = [`-Dlog4j.configuration=${pathToFileURL(join(dir, 'log4j.properties')).href}`, '-cp', `${LIBS}/*`];

  // 22 chars, like kafka-storage random-uuid; as Kafka's Uuid.randomUuid, never one starting with '-',
  // which the storage tool's argument parser takes for an option (1 start in 64 failed so).
  let clusterId;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  const [scramUser, scramPassword] = SASL_USERS.scram;
  const scram = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${scramUser},password=${scramPassword}]`]);
  const fmt = spawnSync('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, ...scram], { encoding: 'utf8' });
  if (fmt.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kafka StorageTool format failed (exit ${fmt.status}):\n${fmt.stdout}${fmt.stderr}`);
  }

  let child;
  let exited = false;
  let exitedP;
  /** Starts the broker's JVM over the formatted dir (again, for resume()) and waits until it answers. */
  const launch = async () => {
    const launched = Date.now();
    const out = openSync(join(dir, 'stdout.log'), 'a');
    child = spawn('java', ['-Xmx512m', ...jvm, 'kafka.Kafka', props], { stdio: ['ignore', out, out] });
    closeSync(out);
    exited = false;
    const jvmProcess = child;
    exitedP = new Promise((res) => {
      jvmProcess.on('exit', (code, sig) => { exited = true; res(sig ?? code); });
      jvmProcess.on('error', (err) => { exited = true; res(err.message); });
    });
    log(`kafka: starting broker on ${brokers} (pid ${child.pid}, dir ${dir})`);
    for (;;) {
      if (exited) {
        const why = `kafka broker exited during start-up (${await exitedP}):\n${tail(join(dir, 'stdout.log'))}\n${tail(join(dir, 'server.log'))}`;
        await stop();
        throw new Error(why);
      }
      if (Date.now() - launched > READY_TIMEOUT_MS) {
        const why = `kafka broker not ready after ${READY_TIMEOUT_MS / 1000} s:\n${tail(join(dir, 'server.log'))}`;
        await stop();
        throw new Error(why);
      }
      if ((await portOpen(port)) && (await clusterAnswers(brokers))) break;
      await sleep(200);
    }
  };
  /** Ends the JVM with `signal` (SIGTERM: a clean shutdown), SIGKILL after a timeout. */
  const halt = async (signal = 'SIGTERM') => {
    if (exited) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exitedP;
    clearTimeout(timer);
  };
  const killOnExit = () => { if (!exited) child?.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); };
  process.on('exit', killOnExit);

  let stopping;
  const stop = () => (stopping ??= (async () => {
    await halt();
    process.off('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  })());
  /** Halts the broker (`signal`: SIGTERM, or SIGKILL for a crash) keeping its data, ports and certificates. */
  const pause = (signal = 'SIGTERM') => halt(signal);
  /** Starts a paused broker again; resolves once it answers. */
  const resume = () => launch();
  /** Sends `sig` to the running JVM (SIGSTOP freezes it with requests in flight, SIGCONT thaws it). */
  const signal = (sig) => { if (!exited) child.kill(sig); };

  await launch();
  try {
    await warmCoordinators(brokers);
  } catch (err) {
    await stop();
    throw new Error(`kafka broker answered but its group/transaction coordinators did not: ${err.message}`);
  }
  log(`kafka: Kafka ${VERSION} broker ready on ${brokers} (SSL ${sslPort}, SASL_SSL ${saslSslPort}) after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const security = {
    ssl: `127.0.0.1:${sslPort}`,
    saslSsl: `127.0.0.1:${saslSslPort}`,
    ca: certs.ca,
    clientCert: certs.clientCert,
    clientKey: certs.clientKey,
    plain: SASL_USERS.plain,
    scram: SASL_USERS.scram,
  };
  return { brokers, security, version: VERSION, stop, pause, resume, signal };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const log = (m) => console.error(m);
  try {
    if (process.argv.includes('--fetch')) {
      await ensureJars({ log });
      log(`kafka: jars ready in ${LIBS}`);
    } else {
      const { brokers, security, stop } = await startBroker({ log });
      console.log(brokers);
      console.log(`SLUICE_TEST_KAFKA_SECURITY='${JSON.stringify(security)}'`);
      const shutdown = async () => { log('kafka: stopping broker ...'); await stop(); process.exit(0); };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    }
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
