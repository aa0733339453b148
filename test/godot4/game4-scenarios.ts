/**
 * The Godot 4 example game's scenarios with real 4.6.3 clients, written once against any server of
 * the game: a real 4.6.3 server (test/godot4/game.test.ts) or our Node server's ExampleGame4
 * (test/server/godot4/game4-real-clients.test.ts) — the same assertions, the same EVT and ERROR
 * lines read through GameLog. A server is anything that starts with the harness's server options
 * and answers with its url and its log.
 *
 * What is asserted: rpc modes, call_local and call_remote, the server's call-backs, the refusals
 * the engine logs, relay between clients, raw packets to 0 / −1 / −X, authentication, kick,
 * server_relay off. Mixed games (bots among the clients): run(t, start, join) with a StartClient
 * that starts a bot for some names.
 */
import type { ExecutionContext } from "ava";
import {
  type GameEvent,
  type GameLog,
  type Godot4ClientOptions,
  type Godot4GameClient,
  type Godot4ServerOptions,
  startGodot4Client,
} from "../harness/godot4-game.js";

/** A running server of the game: its log (EVT lines, refusals, ERROR lines) and where to connect. */
export type Game4Server = GameLog & { readonly url: string };

/** Starts a server of the game for one test (stopped when the test ends). */
export type StartServer = (t: ExecutionContext, options?: Godot4ServerOptions) => Promise<Game4Server>;

/**
 * Starts one client of the game: a real 4.6.3 client (REAL_CLIENT) by default. The hook for mixed
 * games: a factory that starts a Godot 4 bot for some names and a real client for others, giving
 * the same handle (its GameLog of the client's EVT lines, connected(), and proc.exited where a
 * scenario checks how the process ended).
 */
export type StartClient = (
  t: ExecutionContext,
  url: string,
  options?: Godot4ClientOptions,
) => Promise<Godot4GameClient>;

export const REAL_CLIENT: StartClient = startGodot4Client;

export interface Game4Scenario {
  /** What it shows, e.g. "kick_me disconnects the caller, the others see it leave". */
  readonly title: string;
  /** Whether the title reads "game: …" or "game with auth: …" / "game without server_relay: …". */
  readonly prefix: string;
  readonly run: (t: ExecutionContext, start: StartServer, join?: StartClient) => Promise<void>;
}

export const GAME4_SCENARIOS: Game4Scenario[] = [];

function scenario(
  title: string,
  body: (t: ExecutionContext, start: StartServer, join: StartClient) => Promise<void>,
): void {
  const run = (t: ExecutionContext, start: StartServer, join: StartClient = REAL_CLIENT) =>
    body(t, start, join);
  const m = /^(with auth|without server_relay): (.*)$/.exec(title);
  GAME4_SCENARIOS.push(m ? { prefix: ` ${m[1]}:`, title: m[2] as string, run } : { prefix: ":", title, run });
}

const ARENA = "/root/Main/World/Arena";
const bytesOf = (e: GameEvent) => String(e.bytes);
const fromBytes = (g: Godot4GameClient | Game4Server, from: number) =>
  g
    .events("raw", (e) => e.from === from)
    .map(bytesOf)
    .sort();

interface Pair {
  server: Game4Server;
  a: Godot4GameClient;
  b: Godot4GameClient;
  aId: number;
  bId: number;
}

/** A server and two clients that know each other, both through the scripted session. */
async function playPair(t: ExecutionContext, start: StartServer, join: StartClient): Promise<Pair> {
  const server = await start(t);
  const a = await join(t, server.url, { name: "alice", peers: 1 });
  const b = await join(t, server.url, { name: "bob", peers: 1 });
  const aId = await a.connected();
  const bId = await b.connected();
  await settled(server, [a, b], [aId, bId]);
  return { server, a, b, aId, bId };
}

/**
 * Waits until every client's log and the server's are complete: each client has seen every "bye"
 * (game4.gd), and the server has logged them, after everything else of those sessions.
 */
async function settled(server: Game4Server, clients: Godot4GameClient[], ids: number[]): Promise<void> {
  for (const c of clients) await c.waitForEvent("settled");
  for (const id of ids) await server.waitForEvent("chat", (e) => e.id === id && e.text === "bye");
}

scenario(
  "any_peer calls run on the server, authority ones are refused and logged",
  async (t, start, join) => {
    const { server, a, b, aId, bId } = await playPair(t, start, join);
    for (const [id, name] of [
      [aId, "alice"],
      [bId, "bob"],
    ] as const) {
      t.deepEqual(
        server.events("join", (e) => e.id === id).map((e) => e.name),
        [name],
      );
      t.deepEqual(
        server.events("chat", (e) => e.id === id).map((e) => e.text),
        [`hello from ${name}`, "bye"],
      );
      t.deepEqual(
        server.events("echo", (e) => e.id === id).map((e) => e.args),
        ['[1, 2.5, "three", Vector2(4, 5)]'],
      );
      t.deepEqual(
        server.events("ping", (e) => e.id === id).map((e) => e.seq),
        [1, 2],
      );
      const ran = server
        .events("call", (e) => e.from === id)
        .map((e) => `${e.node} ${e.method} ${String(e.args)}`)
        .sort();
      t.deepEqual(
        ran,
        [
          `${ARENA} Local_any "local"`,
          `${ARENA} Upper_any "upper"`,
          `${ARENA} _any_under "under"`,
          `${ARENA} alpha_local "alpha"`,
          `${ARENA} base_any "inherited"`,
          `${ARENA} cfg_any "runtime"`,
          `${ARENA} move Vector2(1, 2)`,
          `${ARENA} zz_ordered 3`,
          `${ARENA}/Outpost base_any "outpost"`,
        ].sort(),
      );
    }
    // Refused, in the order sent, with the mode the engine names; nothing else refused.
    const refusals = await server.waitForRefusals(12);
    for (const id of [aId, bId]) {
      t.deepEqual(
        refusals.filter((r) => r.from === id).map((r) => `${r.node} ${r.method} ${r.mode}`),
        [
          `${ARENA} _auth_only authority`,
          `${ARENA} Base_auth authority`,
          `${ARENA} default_rpc authority`,
          `${ARENA} cfg_auth authority`,
          `${ARENA} cfg_disabled disabled`,
          "/root/Main pong authority",
        ],
      );
    }
    t.is(refusals.length, 12);
    // Every ERROR line is one of those refusals.
    t.is(server.errorLines().length, 12, server.errorLines().join("\n"));
    t.deepEqual(a.errorLines(), []);
    t.deepEqual(b.errorLines(), []);
  },
);

scenario("replies, broadcasts, call_local, and the server's calls to clients", async (t, start, join) => {
  const { server, a, b, aId, bId } = await playPair(t, start, join);
  for (const [c, id] of [
    [a, aId],
    [b, bId],
  ] as const) {
    t.deepEqual(
      c.events("welcome").map((e) => e.id),
      [id],
    );
    t.deepEqual(
      c.events("pong").map((e) => e.seq),
      [1, 2],
    );
    t.deepEqual(
      c.events("echoed").map((e) => e.args),
      ['[1, 2.5, "three", Vector2(4, 5)]'],
    );
    // chat is broadcast to every client, with the sender's id.
    t.deepEqual(
      c
        .events("chat_message")
        .map((e) => `${e.from} ${e.text}`)
        .sort(),
      [`${aId} hello from alice`, `${bId} hello from bob`, `${aId} bye`, `${bId} bye`].sort(),
    );
    const calls = (method: string) =>
      c
        .events("call", (e) => e.method === method)
        .map((e) => `${e.from} ${String(e.args)}`)
        .sort();
    // Local_any.rpc() (any_peer, call_local): ran on the caller itself and on the other client.
    t.deepEqual(calls("Local_any"), [`${aId} "local"`, `${bId} "local"`].sort());
    // alpha_local.rpc_id(1): call_local does not make a call to someone else run here.
    t.deepEqual(calls("alpha_local"), []);
    // The server, asked through Control: default_rpc (authority) to the asker only …
    t.deepEqual(calls("default_rpc"), [`1 ${id}`]);
    // … and Auth_local (authority, call_local) to everyone, once per asker.
    t.deepEqual(calls("Auth_local"), ['1 "from server"', '1 "from server"']);
  }
  // Auth_local ran on the server too (call_local), as its own call.
  t.deepEqual(
    server.events("call", (e) => e.method === "Auth_local").map((e) => e.from),
    [1, 1],
  );
});

scenario("relay between real clients, raw packets to 0 / -1 / -X both ways", async (t, start, join) => {
  const { server, a, b, aId, bId } = await playPair(t, start, join);
  for (const [c, me, other] of [
    [a, aId, bId],
    [b, bId, aId],
  ] as const) {
    const pos = (from: number) =>
      c
        .events("position", (e) => e.from === from)
        .map((e) => e.value)
        .sort();
    // From the other client: its unicast to us and its broadcast; not its all-but-us.
    t.deepEqual(pos(other), [`Vector2(${me % 1000}, 1)`, `Vector2(${other % 1000}, 2)`].sort());
    // The server: our broadcast and our all-but-the-other; not our unicast to the other.
    t.deepEqual(
      server
        .events("position", (e) => e.from === me)
        .map((e) => e.value)
        .sort(),
      [`Vector2(${me % 1000}, 2)`, `Vector2(${me % 1000}, 3)`].sort(),
    );
    t.deepEqual(
      c.events("call", (e) => e.method === "move").map((e) => `${e.from} ${String(e.args)}`),
      [`${other} Vector2(${other % 1000}, 7)`],
    );
    // Raw from the other client, relayed: unicast [20, x], to 0 [21], to -1 [22]; its -us [23] skipped us.
    t.deepEqual(fromBytes(c, other), [`20,${other % 256}`, "21", "22"].sort());
    // Raw from the server: the echo of ours ([1,2,3] reversed; [21] and [23] it ran, [22] it did not),
    // and what each client asked it to send to 0, -1 and -asker.
    t.deepEqual(
      fromBytes(c, 1),
      [
        "3,2,1",
        "21",
        "23",
        `10,${me % 256}`,
        `11,${me % 256}`,
        `10,${other % 256}`,
        `11,${other % 256}`,
        `12,${other % 256}`,
      ].sort(),
    );
    // The server's own view of our raw packets.
    t.deepEqual(fromBytes(server, me), ["1,2,3", "21", "23"].sort());
  }
  t.deepEqual(a.errorLines(), []);
  t.deepEqual(b.errorLines(), []);
});

scenario(
  "with auth: a good token is admitted, a bad one kicked at once, silence timed out",
  async (t, start, join) => {
    const server = await start(t, { auth: true, authTimeout: 1 });
    const good = await join(t, server.url, { name: "good", token: "good-7", peers: 1 });
    const goodId = await good.connected();
    const bad = await join(t, server.url, { name: "bad", token: "bad-7", session: "idle" });
    // Kicked from inside the auth callback: to the client, authentication of the server failed.
    await bad.waitForEvent("server_disconnected");
    t.deepEqual(
      bad.events().map((e) => e.ev),
      ["peer_authenticating", "peer_authentication_failed", "server_disconnected"],
    );
    t.is((await bad.proc.exited).code, 0);
    // No token (a client without an auth callback): it thinks it is in, the server waits, then kicks.
    const silent = await join(t, server.url, { name: "silent", session: "idle" });
    const silentId = await silent.connected();
    await silent.waitForEvent("server_disconnected");
    t.deepEqual(
      silent.events().map((e) => e.ev),
      ["connected", "peer_connected", "peer_disconnected", "server_disconnected"],
    );
    const failed = await server.waitForEvents("peer_authentication_failed", 2);
    const badId = Number(server.events("auth", (e) => e.token === "bad-7")[0]?.id);
    t.deepEqual(
      failed.map((e) => e.id),
      [badId, silentId],
    );
    t.deepEqual(
      server.events("auth").map((e) => `${e.token} ${e.ok}`),
      ["good-7 true", "bad-7 false"],
    );
    // Refused peers were never connected, so they never disconnect either.
    t.deepEqual(server.events("peer_disconnected"), []);
    // Only the good one was ever admitted, and no other client was announced to it.
    t.deepEqual(
      server.events("peer_connected").map((e) => e.id),
      [goodId],
    );
    t.deepEqual(
      good.events("peer_connected").map((e) => e.id),
      [1],
    );
    // A second good client plays the whole session with the first: auth does not change the game.
    const second = await join(t, server.url, { name: "second", token: "good-8", peers: 1 });
    const secondId = await second.connected();
    await settled(server, [good, second], [goodId, secondId]);
    t.deepEqual(
      good.events("peer_connected").map((e) => e.id),
      [1, secondId],
    );
    t.deepEqual(
      server.events("ping", (e) => e.id === secondId).map((e) => e.seq),
      [1, 2],
    );
  },
);

scenario("kick_me disconnects the caller, the others see it leave", async (t, start, join) => {
  const server = await start(t);
  const stay = await join(t, server.url, { name: "stay", session: "idle" });
  await stay.connected();
  const kicked = await join(t, server.url, { name: "kicked", session: "kick" });
  const kickedId = await kicked.connected();
  await kicked.waitForEvent("server_disconnected");
  t.is((await kicked.proc.exited).code, 0);
  await server.waitForEvent("peer_disconnected", (e) => e.id === kickedId);
  t.deepEqual(
    server.events("kick").map((e) => e.id),
    [kickedId],
  );
  await stay.waitForEvent("player_left", (e) => e.id === kickedId);
  t.deepEqual(
    stay.events("peer_disconnected").map((e) => e.id),
    [kickedId],
  );
  t.deepEqual(server.errorLines(), []);
});

scenario("a client has the server kick another through Control.kick", async (t, start, join) => {
  const server = await start(t);
  const victim = await join(t, server.url, { name: "victim0", session: "idle" });
  await victim.connected();
  const kicker = await join(t, server.url, { name: "kicker", session: "kick_other", peers: 1 });
  const victimId = await victim.connected();
  await victim.waitForEvent("server_disconnected");
  await kicker.waitForEvent("peer_disconnected", (e) => e.id === victimId);
  await server.waitForEvent("peer_disconnected", (e) => e.id === victimId);
  t.deepEqual(
    server.events("control", (e) => e.what === "kick").map((e) => e.target),
    [victimId],
  );
  t.deepEqual(server.errorLines(), []);
});

scenario(
  "without server_relay: clients see only the server, their relays are refused",
  async (t, start, join) => {
    const server = await start(t, { relay: false });
    const a = await join(t, server.url, { name: "alice" });
    const b = await join(t, server.url, { name: "bob" });
    const aId = await a.connected();
    const bId = await b.connected();
    await settled(server, [a, b], [aId, bId]);
    for (const [c, me, other] of [
      [a, aId, bId],
      [b, bId, aId],
    ] as const) {
      t.deepEqual(
        c.events("peer_connected").map((e) => e.id),
        [1],
      );
      t.deepEqual(
        c.events("call", (e) => e.from === other),
        [],
      );
      t.deepEqual(fromBytes(c, other), []);
      // The client still wraps send_bytes to 0 and -1 as RELAY packets (it does not know the server
      // relays nothing), and the server refuses both: only the direct [1,2,3] arrives.
      t.deepEqual(
        server
          .events("position", (e) => e.from === me)
          .map((e) => e.value)
          .sort(),
        [`Vector2(${me % 1000}, 2)`],
      );
      t.deepEqual(fromBytes(server, me), ["1,2,3"]);
    }
    const relayRefused = await server.waitForErrorLines(
      4,
      /Condition "!server_relay \|\| !multiplayer_peer->is_server_relay_supported\(\)" is true/,
    );
    t.is(relayRefused.length, 4);
    await server.waitForRefusals(12);
    t.is(server.errorLines().length, 4 + 12, "and the 6 refused calls of each client");
  },
);
