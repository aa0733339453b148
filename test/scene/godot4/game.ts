/** A server SceneMultiplayer and clients over the in-memory hub, with what each one saw. */
import {
  type DroppedPacket4,
  type ManifestError,
  type PacketError4,
  type RpcManifest,
  SceneMultiplayer,
  type SceneMultiplayerOptions,
} from "../../../src/scene/index.js";
import { MANIFEST } from "./fixtures.js";
import { Hub, type HubPeer } from "./hub.js";

export interface Seen {
  readonly signals: string[];
  readonly drops: DroppedPacket4[];
  readonly errors: PacketError4[];
  readonly manifest: ManifestError[];
  readonly raw: [number, string][];
}

export interface Player {
  readonly mp: SceneMultiplayer;
  readonly peer: HubPeer;
  readonly seen: Seen;
}

export function watch(mp: SceneMultiplayer): Seen {
  const seen: Seen = { signals: [], drops: [], errors: [], manifest: [], raw: [] };
  for (const s of [
    "peer_connected",
    "peer_disconnected",
    "connected_to_server",
    "connection_failed",
    "server_disconnected",
    "peer_authenticating",
    "peer_authentication_failed",
  ] as const) {
    mp.on(s, (...args: number[]) => seen.signals.push(args.length ? `${s}(${args[0]})` : s));
  }
  mp.on("peer_packet", (id, p) => seen.raw.push([id, Buffer.from(p).toString("latin1")]));
  mp.on("packet_dropped", (d) => seen.drops.push(d));
  mp.on("packet_error", (e) => seen.errors.push(e));
  mp.on("manifest_error", (e) => seen.manifest.push(e));
  mp.on("script_error", (e) => {
    throw e;
  });
  return seen;
}

export class Game {
  readonly hub = new Hub();
  readonly server: Player;

  constructor(
    readonly options: SceneMultiplayerOptions & { manifest?: RpcManifest } = {},
    serverOptions: SceneMultiplayerOptions = {},
  ) {
    const mp = new SceneMultiplayer({ manifest: MANIFEST, autoProcess: true, ...options, ...serverOptions });
    mp.multiplayerPeer = this.hub.server;
    this.server = { mp, peer: this.hub.server, seen: watch(mp) };
  }

  /** A client (not yet greeted: run() connects it). */
  client(id?: number, options: SceneMultiplayerOptions = {}): Player {
    const peer = this.hub.connect(id);
    const mp = new SceneMultiplayer({ manifest: MANIFEST, autoProcess: true, ...this.options, ...options });
    mp.multiplayerPeer = peer;
    return { mp, peer, seen: watch(mp) };
  }

  run(): void {
    this.hub.run();
  }

  /** Hex of the packets sent since `mark`, as "from>to hex". */
  wire(mark: number): string[] {
    return this.hub.since(mark).map((r) => `${r.from}>${r.to} ${r.hex}`);
  }

  get mark(): number {
    return this.hub.wire.length;
  }
}

export const le32 = (n: number): string => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n | 0);
  return b.toString("hex");
};
export const ascii = (s: string): string => Buffer.from(s, "utf8").toString("hex");

/** One wire record as Game.wire() shows it; spaces in `h` are for reading only. */
export const on = (from: number, to: number, h: string): string => `${from}>${to} ${h.replace(/\s/g, "")}`;
