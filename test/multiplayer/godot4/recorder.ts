/**
 * Test side: MultiplayerPeerHandlers that record what a Godot 4 peer tells SceneMultiplayer, and
 * let a test wait for it.
 */
import type { MultiplayerPeerHandlers } from "../../../src/multiplayer/index.js";
import type { ConnectionStatus } from "../../../src/websocket/index.js";

export type PeerEvent =
  | readonly ["peer_connected", number]
  | readonly ["peer_disconnected", number]
  | readonly ["peer_packet", number]
  | readonly ["connection_status_changed", ConnectionStatus];

export class Recorder implements MultiplayerPeerHandlers {
  readonly events: PeerEvent[] = [];
  #waiters: { test: (e: PeerEvent) => boolean; resolve: () => void }[] = [];

  peer_connected(id: number): void {
    this.#push(["peer_connected", id]);
  }
  peer_disconnected(id: number): void {
    this.#push(["peer_disconnected", id]);
  }
  peer_packet(id: number): void {
    this.#push(["peer_packet", id]);
  }
  connection_status_changed(status: ConnectionStatus): void {
    this.#push(["connection_status_changed", status]);
  }

  /** Resolves when an event matching `test` has been recorded (already, or later); fails after `ms`. */
  waitFor(test: (e: PeerEvent) => boolean, ms = 10_000): Promise<void> {
    if (this.events.some(test)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching event within ${ms} ms: ${JSON.stringify(this.events)}`)),
        ms,
      );
      this.#waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Waits until `n` events named `name` have been recorded. */
  waitForCount(name: PeerEvent[0], n: number, ms = 10_000): Promise<void> {
    return this.waitFor(() => this.events.filter((e) => e[0] === name).length >= n, ms);
  }

  #push(e: PeerEvent): void {
    this.events.push(e);
    for (const w of this.#waiters.splice(0)) {
      if (w.test(e)) w.resolve();
      else this.#waiters.push(w);
    }
  }
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 ");
}
