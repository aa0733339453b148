/**
 * Against a real Godot 3 WebSocketServer (non-multiplayer): the handshake, subprotocols, text
 * and binary echo, put_var/get_var, the remote address, Godot's refusal of PacketPeer calls on
 * the client object, and the two delivery models (poll() and autoPoll).
 */
import test from "ava";
import { type Variant, Vector2, variantEquals } from "../../src/variant/index.js";
import { GodotError, WebSocketClient, WriteMode } from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, startFixture } from "../harness/godot.js";
import { pollForSignal, pollUntil, recordSignals } from "./helpers.js";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}: subprotocol negotiation, text and binary echo, remote address`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd", { env: { GP_PROTOCOLS: "alpha,beta" } });
    const client = new WebSocketClient();
    const log = recordSignals(client);
    t.is(client.connectToUrl(`ws://127.0.0.1:${godot.port}/game?x=1`, ["beta", "alpha"]), GodotError.OK);
    const [protocol] = await pollForSignal(client, log, "connection_established");
    // Godot's server takes the first protocol of the client's list that it listens with.
    t.is(protocol, "beta");
    const line = await godot.waitForLine(/^CONNECTED /);
    t.regex(line, /^CONNECTED \d+ \[beta\] 127\.0\.0\.1 \d+$/);
    const ourPort = Number(line.split(" ").pop());
    t.is(client.getConnectedHost(), "127.0.0.1");
    t.is(client.getConnectedPort(), godot.port);
    const peer = client.getPeer(1)!;
    t.is(peer.getConnectedPort(), godot.port);
    t.true(ourPort > 0);

    peer.setWriteMode(WriteMode.TEXT);
    t.is(peer.putPacket(text("héllo")), GodotError.OK);
    peer.writeMode = WriteMode.BINARY;
    const reused = new Uint8Array([0, 1, 2, 255]);
    t.is(peer.putPacket(reused), GodotError.OK);
    reused.fill(9); // the caller may reuse its buffer as soon as putPacket returns
    await pollUntil(client, () => peer.getAvailablePacketCount() === 2);
    t.is(log.filter((e) => e[0] === "data_received").length, 2);
    t.is(str(peer.getPacket()), "héllo");
    t.true(peer.wasStringPacket());
    t.deepEqual([...peer.getPacket()], [0, 1, 2, 255]);
    t.false(peer.wasStringPacket());
    t.is(peer.getPacketError(), GodotError.OK);
    t.is(peer.getPacket().length, 0);
    t.is(peer.getPacketError(), GodotError.ERR_UNAVAILABLE);
    t.regex(await godot.waitForLine(/^PACKET \d+ text/), /text 6$/);
    t.regex(await godot.waitForLine(/^PACKET \d+ binary/), /binary 4$/);
    t.deepEqual(godot.errorLines(), []);
  });

  test(`Godot ${version}: no subprotocol requested, none chosen`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const client = new WebSocketClient();
    const log = recordSignals(client);
    t.is(client.connectToUrl(`127.0.0.1:${godot.port}`), GodotError.OK); // no scheme: ws://, as Godot
    t.deepEqual(await pollForSignal(client, log, "connection_established"), [""]);
    t.regex(await godot.waitForLine(/^CONNECTED /), /\[\] /);
  });

  test(`Godot ${version}: put_var/get_var round trips through Godot's own decoder and encoder`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const client = new WebSocketClient({ autoPoll: true });
    await client.connectToUrlAsync(`ws://127.0.0.1:${godot.port}`);
    const peer = client.getPeer(1)!;
    peer.writeMode = WriteMode.TEXT;
    peer.putPacket(text("!var"));
    await pollUntil(client, () => peer.getAvailablePacketCount() === 1);
    t.is(str(peer.getPacket()), "!ok");
    peer.writeMode = WriteMode.BINARY;
    const values: Variant[] = [
      42,
      -7,
      "héllo wörld",
      true,
      null,
      1.5,
      [1, "two", [3]],
      new Map<Variant, Variant>([["k", 1]]),
      new Vector2(1.5, -2),
      new Uint8Array([0, 1, 255]),
    ];
    for (const v of values) t.is(peer.putVar(v), GodotError.OK);
    await pollUntil(client, () => peer.getAvailablePacketCount() === values.length);
    for (const v of values) {
      const back = peer.getVar();
      t.true(back !== null || v === null);
      t.true(variantEquals(back as Variant, v), `${String(back)} differs from ${String(v)}`);
    }
    const varLines = godot.lines.filter((l) => l.startsWith("VAR "));
    t.is(varLines.length, values.length);
    t.is(varLines[0], "VAR 2 42");
    t.is(varLines[2], 'VAR 4 "héllo wörld"');
    t.is(varLines[8], "VAR 5 Vector2( 1.5, -2 )");
    // A packet that is no Variant: null and ERR_INVALID_DATA, as Godot's get_var.
    peer.writeMode = WriteMode.TEXT;
    peer.putPacket(text("!echo"));
    await pollUntil(client, () => peer.getAvailablePacketCount() === 1);
    peer.getPacket();
    peer.writeMode = WriteMode.BINARY;
    peer.putPacket(new Uint8Array([99, 0, 0, 0]));
    await pollUntil(client, () => peer.getAvailablePacketCount() === 1);
    t.is(peer.getVar(), null);
    t.is(peer.getPacketError(), GodotError.ERR_INVALID_DATA);
    t.truthy(peer.lastError);
    t.deepEqual(godot.errorLines(), []);
  });

  test(`Godot ${version}: PacketPeer calls on the client object fail as Godot's do`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const client = new WebSocketClient({ autoPoll: true });
    await client.connectToUrlAsync(`ws://127.0.0.1:${godot.port}`);
    t.is(client.putPacket(new Uint8Array([1])), GodotError.ERR_UNCONFIGURED);
    t.is(
      client.lastError?.message,
      "Please use get_peer(ID).put_packet/var to communicate with peers when not using the MultiplayerAPI.",
    );
    t.is(client.getAvailablePacketCount(), 0);
    t.regex(client.lastError?.message ?? "", /get_peer\(ID\)\.get_available_packet_count/);
    t.is(client.getPacket().length, 0);
    t.is(client.lastError?.godotError, GodotError.ERR_UNCONFIGURED);
    t.is(client.getPeer(2), null);
    t.truthy(client.getPeer(1));
  });

  test(`Godot ${version}: poll model — nothing reaches user code before poll()`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const client = new WebSocketClient();
    const log = recordSignals(client);
    client.connectToUrl(`ws://127.0.0.1:${godot.port}`);
    // The server sees the connection although the client never polled.
    await godot.waitForLine(/^CONNECTED /);
    t.deepEqual(log, []);
    t.false(client.getPeer(1)!.isConnectedToHost());
    client.poll();
    t.deepEqual(log, [["connection_established", ""]]);
    const peer = client.getPeer(1)!;
    peer.putPacket(new Uint8Array([7]));
    await godot.waitForLine(/^PACKET /);
    // Let the echo arrive; it stays queued until poll().
    await new Promise((r) => setTimeout(r, 100));
    t.is(peer.getAvailablePacketCount(), 0);
    t.is(log.length, 1);
    await pollUntil(client, () => peer.getAvailablePacketCount() === 1);
    t.deepEqual(log[1], ["data_received"]);
  });

  test(`Godot ${version}: autoPoll delivers events as they arrive`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const client = new WebSocketClient({ autoPoll: true });
    const established = new Promise<string>((resolve) => client.once("connection_established", resolve));
    client.connectToUrl(`ws://127.0.0.1:${godot.port}`);
    t.is(await established, "");
    const peer = client.getPeer(1)!;
    const received = new Promise<void>((resolve) => client.once("data_received", resolve));
    peer.putPacket(new Uint8Array([1, 2, 3]));
    await received;
    t.deepEqual([...peer.getPacket()], [1, 2, 3]);
  });
}
