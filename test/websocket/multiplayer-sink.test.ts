/**
 * gdMpApi = true: the connection belongs to the multiplayer layer. Against Godot 3's
 * multiplayer server the sink gets every frame (SYS_ID first), and the client emits no
 * data_received / connection_established / connection_closed.
 */
import test from "ava";
import {
  type CloseInfo,
  type ConnectError,
  GodotError,
  type MultiplayerSink,
  WebSocketClient,
} from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, startFixture } from "../harness/godot.js";
import { pollUntil, recordSignals } from "./helpers.js";

class RecordingSink implements MultiplayerSink {
  readonly events: unknown[][] = [];
  connected(protocol: string): void {
    this.events.push(["connected", protocol]);
  }
  packet(data: Uint8Array, isString: boolean): void {
    this.events.push(["packet", [...data], isString]);
  }
  disconnected(info: CloseInfo | null, error: ConnectError | null): void {
    this.events.push(["disconnected", info, error]);
  }
}

test("gdMpApi without a sink is refused with ERR_UNCONFIGURED", (t) => {
  const client = new WebSocketClient();
  t.is(client.connectToUrl("ws://127.0.0.1:9", [], true), GodotError.ERR_UNCONFIGURED);
  t.regex(client.lastError?.message ?? "", /setMultiplayerSink/);
});

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}: every frame goes to the sink, none to data_received`, async (t) => {
    const godot = await startFixture(t, version, "mp_server.gd");
    const client = new WebSocketClient();
    const sink = new RecordingSink();
    client.setMultiplayerSink(sink);
    const log = recordSignals(client);
    t.is(client.connectToUrl(`ws://127.0.0.1:${godot.port}`, [], true), GodotError.OK);
    await pollUntil(client, () => sink.events.filter((e) => e[0] === "packet").length >= 2);
    const id = Number((await godot.waitForLine(/^PEER_CONNECTED \d+$/)).split(" ")[1]);
    t.deepEqual(sink.events[0], ["connected", ""]);
    const sysId = sink.events[1] as [string, number[], boolean];
    t.is(sysId[1].length, 13);
    t.is(sysId[1][0], 3); // SYS_ID
    t.is(Buffer.from(sysId[1]).readInt32LE(9), id);
    t.false(sysId[2]);
    t.deepEqual(sink.events[2], ["packet", [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], false]); // SYS_ADD 1
    // The PacketPeer calls of the client object belong to the multiplayer layer.
    t.is(client.putPacket(new Uint8Array([0])), GodotError.ERR_UNCONFIGURED);
    t.regex(client.lastError?.message ?? "", /multiplayer layer/);
    client.disconnectFromHost();
    await pollUntil(client, () => sink.events.some((e) => e[0] === "disconnected"));
    const [, info, error] = sink.events.at(-1) as [string, CloseInfo, null];
    t.is(error, null);
    t.like(info, { initiatedBy: "client", wasClean: true });
    // No Godot signal reached user code in multiplayer mode.
    t.deepEqual(log, []);
    await godot.waitForLine(/^PEER_DISCONNECTED /);
    t.deepEqual(godot.errorLines(), []);
  });
}
