/**
 * README's Godot API mapping is complete and true: every method, signal, property and constant
 * Godot 3 registers for WebSocketClient, WebSocketMultiplayerPeer, WebSocketPeer,
 * NetworkedMultiplayerPeer, PacketPeer and MultiplayerAPI — and the networking members of Node and
 * SceneTree — is mapped, and every member of ours the table names exists.
 */
import { readFile } from "node:fs/promises";
import test from "ava";
import { WebSocketMultiplayerPeer } from "../../src/multiplayer/index.js";
import { MultiplayerAPI } from "../../src/scene/index.js";
import { WebSocketClient } from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, runFixtureScript } from "../harness/godot.js";

async function mappingSection(): Promise<string> {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const at = readme.indexOf("\n## Godot API mapping");
  if (at === -1) throw new Error("README has no '## Godot API mapping' section");
  const end = readme.indexOf("\n## ", at + 1);
  // The "### Godot 4: …" tables are test/godot4/api-mapping4.test.ts's.
  return readme
    .slice(at, end === -1 ? undefined : end)
    .split(/\n(?=### )/)
    .filter((part) => !part.startsWith("### Godot 4: "))
    .join("\n");
}

const WHOLE_CLASSES = [
  "WebSocketClient",
  "WebSocketMultiplayerPeer",
  "WebSocketPeer",
  "NetworkedMultiplayerPeer",
  "PacketPeer",
  "MultiplayerAPI",
];
/** Of Node and SceneTree, only their networking members. */
const NETWORKING = /rpc|rset|network|multiplayer|connected_to_server|connection_failed|server_disconnected/;

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}: every registered name is in the mapping table`, async (t) => {
    const section = await mappingSection();
    const { code, lines } = await runFixtureScript(version, "ws_api.gd", {
      GP_CLASSES: [...WHOLE_CLASSES, "Node", "SceneTree"].join(","),
    });
    t.is(code, 0);
    const names = lines
      .filter((l) => /^(METHOD|SIGNAL|PROPERTY|CONSTANT) /.test(l))
      .map((l) => l.split(" ") as [string, string, string])
      .filter(([, cls, name]) => WHOLE_CLASSES.includes(cls) || NETWORKING.test(name))
      .map(([, , name]) => name);
    t.true(names.length > 100);
    const missing = [...new Set(names)].filter((n) => !new RegExp(`\`${n}\\b`).test(section));
    t.deepEqual(missing, []);
  });
}

test("every client./peer./mp./api./node. member the table names exists", async (t) => {
  const section = await mappingSection();
  const client = new WebSocketClient();
  const mp = new WebSocketMultiplayerPeer();
  const api = new MultiplayerAPI();
  const owners: Record<string, object> = {
    client,
    peer: client.getPeer(1)!,
    mp,
    api,
    node: api.node("Game"),
  };
  const named = [...section.matchAll(/`(client|peer|mp|api|node)\.([A-Za-z]+)/g)].map(
    (m) => [m[1]!, m[2]!] as const,
  );
  t.true(named.length > 60);
  const missing = named.filter(([owner, name]) => !(name in owners[owner]!));
  t.deepEqual(missing, []);
});
