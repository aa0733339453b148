/**
 * Closing against a real Godot 3 WebSocketServer: started by us or by the server, with codes and
 * reasons both ways; a killed server; a frozen server found dead by the heartbeat.
 */
import test from "ava";
import { type CloseInfo, GodotError, WebSocketClient, WriteMode } from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, type GodotProcess, runFixtureScript, startFixture } from "../harness/godot.js";
import { pollForSignal, recordSignals } from "./helpers.js";

async function connected(godot: GodotProcess, options = {}) {
  const client = new WebSocketClient(options);
  const log = recordSignals(client);
  t_ok(client.connectToUrl(`ws://127.0.0.1:${godot.port}`));
  await pollForSignal(client, log, "connection_established");
  await godot.waitForLine(/^CONNECTED /);
  return { client, log, peer: client.getPeer(1)! };
}

function t_ok(code: GodotError): void {
  if (code !== GodotError.OK) throw new Error(`expected OK, got ${code}`);
}

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}: we close with a code and reason; Godot sees them; the close is clean`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const { client, log } = await connected(godot);
    client.disconnectFromHost(4001, "bye now ✓");
    const [clean, info] = (await pollForSignal(client, log, "connection_closed")) as [boolean, CloseInfo];
    t.true(clean);
    t.is(info.initiatedBy, "client");
    t.true(info.wasClean);
    // Godot echoes the code of our close frame.
    t.is(info.code, 4001);
    t.regex(await godot.waitForLine(/^CLOSE_REQUEST /), /^CLOSE_REQUEST \d+ 4001 \[bye now ✓\] 9$/);
    t.regex(await godot.waitForLine(/^DISCONNECTED /), / True$/);
    t.false(log.some((e) => e[0] === "server_close_request"));
    t.false(client.getPeer(1)!.isConnectedToHost());
    t.is(client.getConnectedPort(), 0);
    t.deepEqual(godot.errorLines(), []);
  });

  test(`Godot ${version}: the server closes with a code and reason: server_close_request, then a clean close`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const { client, log, peer } = await connected(godot);
    peer.writeMode = WriteMode.TEXT;
    peer.putPacket(new TextEncoder().encode("!close 4002 server says bye"));
    const [clean, info] = (await pollForSignal(client, log, "connection_closed")) as [boolean, CloseInfo];
    const i = log.findIndex((e) => e[0] === "server_close_request");
    t.deepEqual(log[i], ["server_close_request", 4002, "server says bye"]);
    t.true(i < log.findIndex((e) => e[0] === "connection_closed"));
    t.true(clean);
    t.like(info, { code: 4002, reason: "server says bye", wasClean: true, initiatedBy: "server" });
    t.regex(await godot.waitForLine(/^DISCONNECTED /), /^DISCONNECTED \d+ (True|False)$/);
  });

  test(`Godot ${version}: a killed server gives connection_closed(false)`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const { client, log } = await connected(godot);
    await godot.stop("SIGKILL");
    const [clean, info] = (await pollForSignal(client, log, "connection_closed")) as [boolean, CloseInfo];
    t.false(clean);
    t.like(info, { code: 1006, wasClean: false, initiatedBy: "network" });
    t.false(log.some((e) => e[0] === "server_close_request"));
  });

  test(`Godot ${version}: a frozen server (SIGSTOP) is found dead by the heartbeat`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const { client, log } = await connected(godot, { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400 });
    const pgid = godot.pid!;
    process.kill(-pgid, "SIGSTOP");
    t.teardown(() => {
      try {
        process.kill(-pgid, "SIGCONT");
      } catch {
        // already gone
      }
    });
    const [clean, info] = (await pollForSignal(client, log, "connection_closed")) as [boolean, CloseInfo];
    t.false(clean);
    t.is(info.initiatedBy, "heartbeat");
    t.is(info.code, 1006);
    t.regex(info.error?.message ?? "", /ping/);
  });

  test(`Godot ${version}: without heartbeat a healthy idle link stays up; with one, a live server keeps answering`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const { client, log } = await connected(godot, { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 2000 });
    // Long enough for many pings: Godot answers each (wslay pongs on poll).
    await new Promise((r) => setTimeout(r, 300));
    client.poll();
    t.false(log.some((e) => e[0] === "connection_closed"));
    t.true(client.getPeer(1)!.isConnectedToHost());
    client.disconnectFromHost();
    await pollForSignal(client, log, "connection_closed");
  });
}

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}'s own client reports the close it starts as unclean (the quirk we do not copy)`, async (t) => {
    const run = async (steps: string) => {
      const godot = await startFixture(t, version, "ws_server.gd");
      const { lines } = await runFixtureScript(
        version,
        "ws_client_probe.gd",
        { GP_URL: `ws://127.0.0.1:${godot.port}`, GP_STEPS: steps },
        20_000,
      );
      const server = await godot.waitForLine(/^DISCONNECTED /);
      await godot.stop();
      return { client: lines.find((l) => l.startsWith("CLOSED ")), server: server.split(" ")[2] };
    };
    // The client closes: the handshake completes, yet the client says False and the server True.
    t.deepEqual(await run("close:4001:bye now,wait:200"), { client: "CLOSED False", server: "True" });
    // The server closes: now the server says False and the client True.
    t.deepEqual(await run("send:!close 4002 server says bye,wait:200"), {
      client: "CLOSED True",
      server: "False",
    });
  });

  test(`Godot ${version}: a Godot client that quits without disconnecting sends close 1000 without reason`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    await runFixtureScript(version, "ws_client_probe.gd", {
      GP_URL: `ws://127.0.0.1:${godot.port}`,
      GP_STEPS: "quit",
    });
    t.regex(await godot.waitForLine(/^CLOSE_REQUEST /), /^CLOSE_REQUEST \d+ 1000 \[\] 0$/);
  });
}
