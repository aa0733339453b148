/**
 * relayDecision() predicts what a real Godot 3 server does with a frame for each kind of target:
 * who it forwards the frame to, and whether its own MultiplayerAPI gets it. Frames are written
 * straight to the socket, past our MultiplayerAPI's own checks, so every target can be tried.
 */
import test from "ava";
import { makeFrame, relayDecision, SysType } from "../../src/multiplayer/index.js";
import { type GameBot, joinGame, until } from "../bots/game.js";
import { GAME_SERVERS, startGameServer } from "../harness/game-server.js";

for (const version of GAME_SERVERS) {
  test(`${version}: the server relays every target as relayDecision says, quirks included`, async (t) => {
    const server = await startGameServer(t, version);
    const bots: GameBot[] = [];
    for (const name of ["r0", "r1", "r2", "r3"]) bots.push(await joinGame(t, server.port, name));
    const ids = bots.map((b) => b.bot.id);
    for (const b of bots) await until(() => b.bot.peers.length === 4, "everyone to see everyone");
    const sender = bots[0]!;
    const from = sender.bot.id;
    const peers = [...ids].sort((a, b) => a - b);
    const targets: [string, number][] = [
      ["everyone", 0],
      ["the server", 1],
      ["one peer", ids[2]!],
      ["all but a peer", -ids[3]!],
      ["all but the server", -1],
      ["all but the sender itself", -from],
    ];
    let marker = 10;
    for (const [what, to] of targets) {
      marker++;
      const before = bots.map((b) => b.raw.length);
      sender.bot.peer.client
        .getPeer(1)
        ?.putPacket(makeFrame(SysType.NONE, from, to, Uint8Array.of(4, marker)));
      const expected = relayDecision(from, to, peers);
      // Barriers: a marker to the server and to each other bot, sent after the frame. The server
      // handles one sender's frames in order, so when a marker arrives, the frame was relayed.
      sender.bot.multiplayer.sendBytes(Uint8Array.of(200 + marker), 1);
      for (const b of bots.slice(1)) sender.bot.multiplayer.sendBytes(Uint8Array.of(200 + marker), b.bot.id);
      await until(
        () => sender.raw.some((r) => r.from === 1 && r.bytes[0] === 200 + marker),
        `echo after ${what}`,
      );
      for (const [i, b] of bots.entries()) {
        if (b === sender) continue;
        await until(
          () => b.raw.some((r) => r.from === from && r.bytes[0] === 200 + marker),
          `barrier at bot ${i}`,
        );
        const got = b.raw.slice(before[i]).filter((r) => r.from === from && r.bytes[0] === marker).length;
        t.is(got, expected.forwardTo.includes(b.bot.id) ? 1 : 0, `${what}: bot ${i}`);
      }
      t.is(
        server.lines.some((l) => l === `RAW ${from} [${marker}]`),
        expected.deliverToServer,
        `${what}: does the server's MultiplayerAPI get it?`,
      );
    }
    t.deepEqual(server.errorLines(), []);
  });
}
