/**
 * Half-open link detection: ping every `intervalMs`; if nothing at all comes back within
 * `timeoutMs` of a ping, the link is dead (cable pulled, server frozen) and the target is told.
 * Anything from the server counts as life. Timers are unref'd: a heartbeat never keeps the
 * process alive by itself. The timers call module-level functions with the heartbeat as their
 * argument: no closures per connection.
 */

export interface HeartbeatOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** What a heartbeat watches: the client's connection. */
export interface HeartbeatTarget {
  /** Open: pings may be sent. */
  readonly isOpen: boolean;
  /** Reading is paused by poll-mode backpressure: frames wait unread, the link is not dead. */
  readonly isPaused: boolean;
  ping(): void;
  /** No answer within timeoutMs. */
  heartbeatDead(timeoutMs: number): void;
}

export class Heartbeat {
  #interval: NodeJS.Timeout;
  #deadline: NodeJS.Timeout | null = null;
  readonly #target: HeartbeatTarget;
  readonly #timeoutMs: number;

  constructor(target: HeartbeatTarget, options: HeartbeatOptions) {
    this.#target = target;
    this.#timeoutMs = options.timeoutMs;
    this.#interval = setInterval(beat, options.intervalMs, this);
    this.#interval.unref();
  }

  /** @internal The interval fired. */
  _beat(): void {
    if (this.#deadline !== null || !this.#target.isOpen) return;
    this.#target.ping();
    this.#deadline = setTimeout(expire, this.#timeoutMs, this);
    this.#deadline.unref();
  }

  /** @internal The deadline passed with no sign of life. */
  _expire(): void {
    this.#deadline = null;
    if (this.#target.isPaused) return;
    this.#target.heartbeatDead(this.#timeoutMs);
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

function beat(heartbeat: Heartbeat): void {
  heartbeat._beat();
}

function expire(heartbeat: Heartbeat): void {
  heartbeat._expire();
}
