/** Our numbers are the engine's: Error codes, enums and the WebSocketClient defaults, read from Godot 3. */
import test from "ava";
import {
  ConnectionStatus,
  GODOT3_CLIENT_BUFFERS,
  GodotError,
  WebSocketClient,
  WriteMode,
} from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, runFixtureScript } from "../harness/godot.js";

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}: Error codes, enums and defaults`, async (t) => {
    const { code, lines } = await runFixtureScript(version, "ws_constants.gd");
    t.is(code, 0);
    const constants = new Map<string, number>();
    const settings = new Map<string, number>();
    const defaults = new Map<string, string>();
    for (const l of lines) {
      const [kind, name, value] = l.split(" ");
      if (kind === "CONST") constants.set(name!, Number(value));
      if (kind === "SETTING") settings.set(name!, Number(value));
      if (kind === "DEFAULT") defaults.set(name!, value!);
    }
    t.is(constants.size, Object.keys(GodotError).length + 5);
    for (const [name, value] of Object.entries(GodotError)) t.is(constants.get(name), value, name);
    t.is(constants.get("WRITE_MODE_TEXT"), WriteMode.TEXT);
    t.is(constants.get("WRITE_MODE_BINARY"), WriteMode.BINARY);
    t.is(constants.get("CONNECTION_DISCONNECTED"), ConnectionStatus.DISCONNECTED);
    t.is(constants.get("CONNECTION_CONNECTING"), ConnectionStatus.CONNECTING);
    t.is(constants.get("CONNECTION_CONNECTED"), ConnectionStatus.CONNECTED);
    t.deepEqual(Object.fromEntries(settings), {
      max_in_buffer_kb: GODOT3_CLIENT_BUFFERS.inputBufferSizeKb,
      max_in_packets: GODOT3_CLIENT_BUFFERS.inputMaxPackets,
      max_out_buffer_kb: GODOT3_CLIENT_BUFFERS.outputBufferSizeKb,
      max_out_packets: GODOT3_CLIENT_BUFFERS.outputMaxPackets,
    });
    const ours = new WebSocketClient();
    t.is(
      defaults.get("verify_ssl"),
      String(ours.verifySsl).replace(/^./, (c) => c.toUpperCase()),
    );
    t.is(Number(defaults.get("write_mode")), ours.getPeer(1)!.getWriteMode());
  });
}
