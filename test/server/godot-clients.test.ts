/**
 * Real headless Godot 3 clients (test/godot/g3/game_client.gd, gd_mp_api) play the example game
 * against a real Godot server and against our Node server — the same observations, asserted by
 * the same code: they call its RPCs, get its RPCs and raw packets back, relay to each other
 * through it, see peers announced, and see a kick.
 */
import test from "ava";
import { RpcMode } from "../../src/scene/index.js";
import { Vector2 } from "../../src/variant/index.js";
import { joinGame } from "../bots/game.js";
import { GAME_SERVERS, startGameServer } from "../harness/game-server.js";
import { GODOT3_VERSIONS, startFixture } from "../harness/godot.js";

const idOf = (line: string) => Number(line.split(" ")[1]);

for (const kind of GAME_SERVERS) {
  for (const clientVersion of GODOT3_VERSIONS) {
    test(`${clientVersion} clients on the ${kind} server: calls, callbacks, relay, announcements, kick`, async (t) => {
      const server = await startGameServer(t, kind);
      const url = `ws://127.0.0.1:${server.port}`;
      const b = await startFixture(t, clientVersion, "game_client.gd", {
        env: { GP_SERVER_URL: url, GP_SCRIPT: "idle" },
        ready: /^CONNECTED \d+$/,
      });
      const bId = idOf(await b.waitForLine(/^CONNECTED \d+$/));
      const a = await startFixture(t, clientVersion, "game_client.gd", {
        env: { GP_SERVER_URL: url },
        ready: /^SCRIPT_DONE$/,
      });
      const aId = idOf(await a.waitForLine(/^CONNECTED \d+$/));
      t.not(aId, bId);

      // The server ran the client's calls, rset and raw packet ...
      await server.waitForLine(new RegExp(`^JOIN ${aId} godot-client$`));
      await server.waitForLine(new RegExp(`^CHAT ${aId} hello from godot$`));
      await server.waitForLine(new RegExp(`^CHAT ${aId} second call uses the cached path$`));
      await server.waitForLine(new RegExp(`^MODE /root/Game/Modes v_remote from ${aId} 42$`));
      await server.waitForLine(
        new RegExp(`^MODE /root/Game/Modes/Nested/Deeper f_remote from ${aId} "deep"$`),
      );
      await server.waitForLine(new RegExp(`^UPDATE_POSITION ${aId} \\(1\\.5, -2\\) from ${aId}$`));
      await server.waitForLine(new RegExp(`^RAW ${aId} \\[1, 2, 3\\]$`));
      // ... and called the client back.
      await a.waitForLine(new RegExp(`^WELCOME ${aId} 1$`));
      await a.waitForLine(new RegExp(`^PLAYER_JOINED ${aId} godot-client$`));
      await a.waitForLine(new RegExp(`^CHAT_MESSAGE ${aId} hello from godot$`));
      await a.waitForLine(/^PONG 7$/);
      await a.waitForLine(/^ECHOED \[ 1, 2\.5, "three", Vector2\( 4, 5 \), null, null, null, null \]$/);
      await a.waitForLine(/^RAW 1 \[3, 2, 1\]$/);
      // The other client saw A arrive and got the server's broadcasts about A.
      await b.waitForLine(new RegExp(`^PEER_CONNECTED ${aId}$`));
      await b.waitForLine(new RegExp(`^PLAYER_JOINED ${aId} godot-client$`));
      await b.waitForLine(new RegExp(`^CHAT_MESSAGE ${aId} hello from godot$`));
      await a.waitForLine(new RegExp(`^PEER_CONNECTED ${bId}$`));
      // (A's own update_position went to the server only: when A sent it, connected_to_server had
      // fired on SYS_ADD(1), before the SYS_ADD of B, so A knew no other peer — as Godot does.)

      // Client to client through the server: a bot moves its player; both Godot clients run it.
      const bot = await joinGame(t, server.port, "mover");
      await a.waitForLine(new RegExp(`^PEER_CONNECTED ${bot.bot.id}$`));
      await b.waitForLine(new RegExp(`^PEER_CONNECTED ${bot.bot.id}$`));
      const me = bot.bot.node(`Game/Players/${bot.bot.id}`);
      me.setNetworkMaster(bot.bot.id);
      me.rpcConfig("update_position", RpcMode.PUPPET, () => {});
      me.rpc("update_position", new Vector2(7, 8));
      for (const godot of [a, b]) {
        await godot.waitForLine(new RegExp(`^UPDATE_POSITION ${bot.bot.id} \\(7, 8\\) from ${bot.bot.id}$`));
      }
      await server.waitForLine(new RegExp(`^UPDATE_POSITION ${bot.bot.id} \\(7, 8\\) from ${bot.bot.id}$`));

      // The server kicks A: A's connection ends (Godot 3 reports connection_failed), B sees A leave.
      bot.bot.node("Control").rpcId(1, "kick", aId);
      await a.waitForLine(/^CONNECTION_FAILED$/);
      await b.waitForLine(new RegExp(`^PEER_DISCONNECTED ${aId}$`));
      await b.waitForLine(new RegExp(`^PLAYER_LEFT ${aId}$`));

      t.deepEqual(server.errorLines(), []);
      t.deepEqual(a.errorLines(), []);
      t.deepEqual(b.errorLines(), []);
    });
  }
}
