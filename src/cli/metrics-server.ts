/**
 * `godot-peer swarm --metrics-port N`: serves the run's live metrics in Prometheus' text
 * exposition format at /metrics, through prom-client (the format, its escaping, histograms and
 * registries done right). Each source (a scenario of a worker thread) hands in its families at its
 * tick; a scrape aggregates the latest of every source. The server never fails the run: a port
 * that cannot be had is a MetricsServerError before any bot starts; a failed scrape is answered
 * 500, logged once per message and counted (godot_peer_metrics_errors_total).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AggregatorRegistry, Counter, Gauge, Registry } from "prom-client";
import { type MetricFamily, PREFIX } from "./live-metrics.js";

/** The metrics port could not be had: the run does not start. */
export class MetricsServerError extends Error {
  override readonly name = "MetricsServerError";
  constructor(
    message: string,
    /** The system's code (EADDRINUSE, EACCES, EADDRNOTAVAIL, …). */
    readonly code: string,
  ) {
    super(message);
  }
}

export interface MetricsServerOptions {
  /** 0: any free port (the bound one is in `url`). */
  readonly port: number;
  /** The address to listen on (default every interface, as exporters do: Prometheus scrapes from elsewhere). */
  readonly host?: string | undefined;
  /** The machine's shard index, a label of the server's own metrics. */
  readonly shard: string;
  /** Where problems are told (default: stderr). */
  readonly log?: ((line: string) => void) | undefined;
}

export class MetricsServer {
  readonly #server: Server;
  readonly #sources = new Map<string, MetricFamily[]>();
  readonly #own = new Registry();
  readonly #errors: Counter<"shard">;
  readonly #finishedGauge: Gauge<"shard">;
  readonly #shard: string;
  readonly #log: (line: string) => void;
  readonly #told = new Set<string>();
  #done = false;
  /** Resolves the linger: a scrape served the final values. */
  #finalScraped: (() => void) | null = null;
  #sawFinal = false;
  /** `http://host:port/metrics`. */
  readonly url: string;

  private constructor(server: Server, url: string, o: MetricsServerOptions) {
    this.#server = server;
    this.url = url;
    this.#shard = o.shard;
    this.#log = o.log ?? ((line) => process.stderr.write(`godot-peer swarm: ${line}\n`));
    this.#errors = new Counter({
      name: `${PREFIX}metrics_errors_total`,
      help: "Scrapes of these metrics that failed (each message is logged once)",
      labelNames: ["shard"],
      registers: [this.#own],
    });
    this.#finishedGauge = new Gauge({
      name: `${PREFIX}run_finished`,
      help: "1 once the run ended: every value is then the run's final one (its JSON's)",
      labelNames: ["shard"],
      registers: [this.#own],
    });
    this.#errors.inc({ shard: this.#shard }, 0);
    this.#finishedGauge.set({ shard: this.#shard }, 0);
    server.on("request", (req, res) => this.#serve(req, res));
    // A broken client or a late socket error is the client's problem, never the run's.
    server.on("clientError", (_err, socket) => socket.destroy());
    server.on("error", (err) => {
      this.#errors.inc({ shard: this.#shard });
      this.#problem(`live metrics server: ${err.message}`);
    });
  }

  /** Listens; throws MetricsServerError (port in use, no right to it, no such address). */
  static async start(o: MetricsServerOptions): Promise<MetricsServer> {
    const server = createServer({ keepAlive: true });
    const host = o.host ?? "0.0.0.0";
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        const code = err.code ?? "ERROR";
        const why =
          code === "EADDRINUSE"
            ? `port ${o.port} is in use on ${host} (choose another, or 0 for any free port)`
            : code === "EACCES"
              ? `port ${o.port} needs privileges this process lacks (choose one above 1023)`
              : code === "EADDRNOTAVAIL" || code === "ENOTFOUND"
                ? `${host} is not an address of this machine`
                : err.message;
        reject(new MetricsServerError(`--metrics-port: ${why}`, code));
      };
      server.once("error", onError);
      server.listen({ port: o.port, host }, () => {
        server.off("error", onError);
        resolve();
      });
    });
    const a = server.address() as AddressInfo;
    const shown = a.family === "IPv6" ? `[${a.address}]` : a.address;
    return new MetricsServer(server, `http://${shown}:${a.port}/metrics`, o);
  }

  /** The latest families of one source (replacing its previous ones). */
  update(source: string, families: MetricFamily[]): void {
    this.#sources.set(source, families);
  }

  /** The run ended and every source holds its final values. */
  finish(): void {
    this.#done = true;
    this.#finishedGauge.set({ shard: this.#shard }, 1);
  }

  /** Has finish() been called? */
  get finished(): boolean {
    return this.#done;
  }

  /** The exposition text of every source's latest values and the server's own. */
  async metrics(): Promise<{ text: string; contentType: string }> {
    const merged = Registry.merge([AggregatorRegistry.aggregate([...this.#sources.values()]), this.#own]);
    return { text: await merged.metrics(), contentType: merged.contentType };
  }

  /**
   * After finish(): waits until a scrape has served the final values, or `ms` passed, so that a
   * Prometheus scraping every few seconds sees how the run ended before the process exits.
   */
  async linger(ms: number): Promise<void> {
    if (ms <= 0 || this.#sawFinal) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#finalScraped = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#finalScraped = null;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("see /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const final = this.#done;
    this.metrics().then(
      ({ text, contentType }) => {
        res.writeHead(200, { "content-type": contentType });
        res.end(req.method === "HEAD" ? undefined : text, () => {
          if (!final) return;
          this.#sawFinal = true;
          this.#finalScraped?.();
        });
      },
      (err: unknown) => {
        this.#errors.inc({ shard: this.#shard });
        this.#problem(`live metrics: a scrape failed: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("scrape failed; see the generator's stderr\n");
      },
    );
  }

  #problem(line: string): void {
    if (this.#told.has(line)) return;
    this.#told.add(line);
    this.#log(line);
  }
}
