/**
 * wss:// against a real Godot 3 WebSocketServer with private_key/ssl_certificate made by the
 * test: verification with a CA, an unknown certificate, trusted_ssl_certificate (accepted when
 * it is the server's, refused otherwise), insecure mode, server-name override, the causes.
 */
import test from "ava";
import {
  type ConnectError,
  GodotError,
  WebSocketClient,
  type WebSocketClientOptions,
} from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, type GodotProcess, startFixture } from "../harness/godot.js";
import {
  makeCertificates,
  pollForSignal,
  pollUntil,
  recordSignals,
  type TestCertificates,
} from "./helpers.js";

let shared: Promise<TestCertificates> | undefined;
const cleanups: (() => Promise<void>)[] = [];
test.after.always(async () => {
  for (const c of cleanups) await c();
});
/** One set of certificates for the whole file. */
function certificates(): Promise<TestCertificates> {
  shared ??= makeCertificates((fn) => cleanups.push(fn));
  return shared;
}

type Outcome = { ok: true; protocol: string; client: WebSocketClient } | { ok: false; error: ConnectError };

async function attempt(
  godot: GodotProcess,
  options: WebSocketClientOptions,
  host = "127.0.0.1",
): Promise<Outcome> {
  const client = new WebSocketClient(options);
  const log = recordSignals(client);
  if (client.connectToUrl(`wss://${host}:${godot.port}/`) !== GodotError.OK) throw client.lastError;
  await pollUntil(client, () =>
    log.some((e) => e[0] === "connection_established" || e[0] === "connection_error"),
  );
  const first = log[0]!;
  if (first[0] === "connection_established") return { ok: true, protocol: first[1] as string, client };
  return { ok: false, error: first[1] as ConnectError };
}

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}: TLS verified with the CA given; echo works; server-name override; wrong host refused`, async (t) => {
    const certs = await certificates();
    const godot = await startFixture(t, version, "ws_server.gd", {
      env: { GP_TLS_KEY: certs.serverKey, GP_TLS_CERT: certs.serverCert },
    });
    const ok = await attempt(godot, { ca: certs.caPem });
    if (!ok.ok) return t.fail(ok.error.message);
    const peer = ok.client.getPeer(1)!;
    t.is(peer.putPacket(new Uint8Array([4, 5, 6])), GodotError.OK);
    await pollUntil(ok.client, () => peer.getAvailablePacketCount() === 1);
    t.deepEqual([...peer.getPacket()], [4, 5, 6]);
    const log = recordSignals(ok.client);
    ok.client.disconnectFromHost(1000, "done");
    const [clean] = await pollForSignal(ok.client, log, "connection_closed");
    t.true(clean);

    // Connecting by IP to a certificate issued for a name.
    const named = await attempt(godot, { ca: certs.caPem, tlsServerName: "game.example" });
    t.true(named.ok);
    if (named.ok) named.client.disconnectFromHost();

    const wrong = await attempt(godot, { ca: certs.caPem, tlsServerName: "wrong.example" });
    t.false(wrong.ok);
    if (!wrong.ok) {
      t.is(wrong.error.reason, "tls");
      t.is(wrong.error.tlsCause, "wrong-host");
      t.is(wrong.error.code, "ERR_TLS_CERT_ALTNAME_INVALID");
    }
    // Without the CA, Node's roots do not know it.
    const unknown = await attempt(godot, {});
    t.false(unknown.ok);
    if (!unknown.ok) t.is(unknown.error.tlsCause, "unknown-ca");
  });

  test(`Godot ${version}: self-signed server — refused by default, accepted pinned or insecure, another pin refused`, async (t) => {
    const certs = await certificates();
    const godot = await startFixture(t, version, "ws_server.gd", {
      env: { GP_TLS_KEY: certs.selfKey, GP_TLS_CERT: certs.selfCert },
    });
    const refused = await attempt(godot, {});
    t.false(refused.ok);
    if (!refused.ok) {
      t.is(refused.error.tlsCause, "self-signed");
      t.is(refused.error.code, "DEPTH_ZERO_SELF_SIGNED_CERT");
    }

    const pinned = await attempt(godot, { trustedSslCertificate: certs.selfCertPem });
    t.true(pinned.ok, pinned.ok ? "" : pinned.error.message);
    if (pinned.ok) {
      t.is(pinned.client.trustedSslCertificate?.trim(), certs.selfCertPem.trim());
      pinned.client.disconnectFromHost();
    }

    const otherPin = await attempt(godot, { trustedSslCertificate: certs.otherCertPem });
    t.false(otherPin.ok);
    if (!otherPin.ok) t.is(otherPin.error.tlsCause, "pin-mismatch");

    // A pin is the only certificate accepted: even a CA that would vouch for nothing else helps not.
    const caPinned = await attempt(godot, { trustedSslCertificate: certs.caPem });
    t.false(caPinned.ok);
    if (!caPinned.ok) t.is(caPinned.error.tlsCause, "pin-mismatch");

    const insecure = await attempt(godot, { verifySsl: false });
    t.true(insecure.ok);
    if (insecure.ok) insecure.client.disconnectFromHost();
  });

  test(`Godot ${version}: an expired certificate is refused with cause expired`, async (t) => {
    const certs = await certificates();
    const godot = await startFixture(t, version, "ws_server.gd", {
      env: { GP_TLS_KEY: certs.expiredKey, GP_TLS_CERT: certs.expiredCert },
    });
    const expired = await attempt(godot, { ca: certs.caPem });
    t.false(expired.ok);
    if (!expired.ok) {
      t.is(expired.error.tlsCause, "expired");
      t.is(expired.error.code, "CERT_HAS_EXPIRED");
    }
  });
}

test("a pin against a server whose CA-signed leaf is the pinned certificate itself is accepted", async (t) => {
  // Pin of a leaf that is not self-signed: it must anchor its own chain (allowPartialTrustChain).
  const certs = await certificates();
  const godot = await startFixture(t, "3.6.2", "ws_server.gd", {
    env: { GP_TLS_KEY: certs.serverKey, GP_TLS_CERT: certs.serverCert },
  });
  const pinned = await attempt(godot, { trustedSslCertificate: certs.serverCertPem });
  t.true(pinned.ok, pinned.ok ? "" : pinned.error.message);
  if (pinned.ok) pinned.client.disconnectFromHost();
});
