/** Test side: a plain `ws` client that records what our Godot 4 server sends, in order. */
import WebSocket from "ws";

export interface RawClient {
  readonly ws: WebSocket;
  /** Messages received, in order, with their frame type. */
  readonly messages: { data: Buffer; binary: boolean }[];
  next(): Promise<Buffer>;
  closed: Promise<{ code: number; reason: string }>;
  /** The headers of the server's 101 answer. */
  readonly upgradeHeaders: Record<string, string | string[] | undefined>;
}

export async function rawClient(url: string, protocols: string[] = []): Promise<RawClient> {
  const ws = new WebSocket(url, protocols);
  const messages: { data: Buffer; binary: boolean }[] = [];
  let read = 0;
  const waiting: (() => void)[] = [];
  ws.on("message", (data: Buffer, binary: boolean) => {
    messages.push({ data, binary });
    for (const w of waiting.splice(0)) w();
  });
  let upgradeHeaders: Record<string, string | string[] | undefined> = {};
  ws.on("upgrade", (res) => {
    upgradeHeaders = res.headers;
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ws,
    messages,
    get upgradeHeaders() {
      return upgradeHeaders;
    },
    closed,
    next: () =>
      new Promise((resolve) => {
        const take = () => {
          if (read < messages.length) resolve(messages[read++]!.data);
          else waiting.push(take);
        };
        take();
      }),
  };
}
