/** Shared pieces of the websocket tests: driving poll(), waiting for signals, certificates. */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ExecutionContext } from "ava";
import type { WebSocketClient, WebSocketClientEvents } from "../../src/websocket/index.js";

const run = promisify(execFile);

/** Calls client.poll() every few ms until `done()` holds; fails after `limitMs` (a hang guard, not a timing check). */
export async function pollUntil(
  client: WebSocketClient,
  done: () => boolean,
  limitMs = 15_000,
): Promise<void> {
  const start = Date.now();
  for (;;) {
    client.poll();
    if (done()) return;
    if (Date.now() - start > limitMs) throw new Error(`pollUntil: condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Records every signal of a client, in order, as [name, ...args]. */
export function recordSignals(client: WebSocketClient): unknown[][] {
  const log: unknown[][] = [];
  const names: (keyof WebSocketClientEvents)[] = [
    "connection_established",
    "connection_error",
    "connection_closed",
    "data_received",
    "server_close_request",
    "packet_dropped",
    "handler_error",
  ];
  for (const name of names) {
    client.on(name, (...args: unknown[]) => {
      log.push([name, ...args]);
    });
  }
  return log;
}

/** Polls until the signal `name` has been recorded and returns its arguments. */
export async function pollForSignal(
  client: WebSocketClient,
  log: unknown[][],
  name: keyof WebSocketClientEvents,
  limitMs?: number,
): Promise<unknown[]> {
  let found: unknown[] | undefined;
  await pollUntil(
    client,
    () => {
      found = log.find((e) => e[0] === name);
      return found !== undefined;
    },
    limitMs,
  );
  return found!.slice(1);
}

export interface TestCertificates {
  readonly dir: string;
  /** CA that signed server.crt. */
  readonly caPem: string;
  /** Signed by the CA for localhost, 127.0.0.1 and game.example. */
  readonly serverKey: string;
  readonly serverCert: string;
  readonly serverCertPem: string;
  /** Self-signed for localhost and 127.0.0.1. */
  readonly selfKey: string;
  readonly selfCert: string;
  readonly selfCertPem: string;
  /** Another self-signed certificate (a pin that does not match). */
  readonly otherCertPem: string;
  /** Signed by the CA, expired in 2020. */
  readonly expiredKey: string;
  readonly expiredCert: string;
}

const SAN = "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:game.example";

/** Makes the test certificates (P-256 keys: quick to make, and Godot 3's mbedTLS serves them) with the openssl CLI in a temporary folder, removed at test end. */
export async function makeCertificates(
  cleanup: ExecutionContext | ((fn: () => Promise<void>) => void),
): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "godot-peer-certs-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  if (typeof cleanup === "function") cleanup(remove);
  else cleanup.teardown(remove);
  const p = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => run("openssl", args, { cwd: dir });
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await ssl(
    "req",
    "-x509",
    ...key,
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.crt"),
    "-days",
    "3",
    "-subj",
    "/CN=godot-peer test CA",
  );
  await writeFile(p("san.cnf"), `${SAN}\n`);
  // CA-signed server certificate.
  await ssl("req", ...key, "-keyout", p("server.key"), "-out", p("server.csr"), "-subj", "/CN=localhost");
  await ssl(
    "x509",
    "-req",
    "-in",
    p("server.csr"),
    "-CA",
    p("ca.crt"),
    "-CAkey",
    p("ca.key"),
    "-CAcreateserial",
    "-out",
    p("server.crt"),
    "-days",
    "3",
    "-extfile",
    p("san.cnf"),
  );
  // Self-signed certificates.
  for (const name of ["self", "other"]) {
    await ssl(
      "req",
      "-x509",
      ...key,
      "-keyout",
      p(`${name}.key`),
      "-out",
      p(`${name}.crt`),
      "-days",
      "3",
      "-subj",
      "/CN=localhost",
      "-addext",
      SAN,
    );
  }
  // Expired, signed by the CA (openssl 3.0's x509 cannot back-date: use `openssl ca`).
  await ssl(
    "req",
    ...key,
    "-keyout",
    p("expired.key"),
    "-out",
    p("expired.csr"),
    "-subj",
    "/CN=localhost",
    "-addext",
    SAN,
  );
  await writeFile(p("index.txt"), "");
  await writeFile(p("serial"), "1000\n");
  await writeFile(
    p("ca.cnf"),
    "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\n" +
      "policy = p\ncopy_extensions = copy\nunique_subject = no\n[p]\ncommonName = supplied\n",
  );
  await ssl(
    "ca",
    "-batch",
    "-config",
    p("ca.cnf"),
    "-cert",
    p("ca.crt"),
    "-keyfile",
    p("ca.key"),
    "-in",
    p("expired.csr"),
    "-out",
    p("expired.crt"),
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20200102000000Z",
    "-notext",
  );
  const read = (f: string) => readFile(p(f), "utf8");
  return {
    dir,
    caPem: await read("ca.crt"),
    serverKey: p("server.key"),
    serverCert: p("server.crt"),
    serverCertPem: await read("server.crt"),
    selfKey: p("self.key"),
    selfCert: p("self.crt"),
    selfCertPem: await read("self.crt"),
    otherCertPem: await read("other.crt"),
    expiredKey: p("expired.key"),
    expiredCert: p("expired.crt"),
  };
}
