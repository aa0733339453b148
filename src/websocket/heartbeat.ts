/**
 * Half-open link detection: ping every `intervalMs`; if nothing at all comes back within
 * `timeoutMs` of a ping, the link is dead (cable pulled, server frozen) and `onDead` runs.
 * Any frame from the server counts as life. Timers are unref'd: a heartbeat never keeps
 * the process alive by itself.
 */
import type WebSocket from "ws";

export interface HeartbeatOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export class Heartbeat {
  #interval: NodeJS.Timeout;
  #deadline: NodeJS.Timeout | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: HeartbeatOptions,
    private readonly onDead: () => void,
  ) {
    this.#interval = setInterval(() => this.#beat(), options.intervalMs);
    this.#interval.unref();
  }

  #beat(): void {
    if (this.#deadline !== null || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.ping();
    this.#deadline = setTimeout(() => {
      this.#deadline = null;
      // Paused by poll-mode backpressure, frames wait unread in the socket: not a dead link.
      if (this.ws.isPaused) return;
      this.onDead();
    }, this.options.timeoutMs);
    this.#deadline.unref();
  }

  /** Something arrived from the server. */
  alive(): void {
    if (this.#deadline !== null) {
      clearTimeout(this.#deadline);
      this.#deadline = null;
    }
  }

  stop(): void {
    clearInterval(this.#interval);
    this.alive();
  }
}
