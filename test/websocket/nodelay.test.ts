/**
 * TCP_NODELAY is on by default (Godot 3's client sets it after the handshake; Godot 4 once
 * shipped without it), off with noDelay: false, and switchable with setNoDelay. Node has no
 * getter for the option, so the test records the last value set on each socket.
 */
import { once } from "node:events";
import net, { type AddressInfo } from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import { WebSocketClient } from "../../src/websocket/index.js";

const lastNoDelay = new WeakMap<net.Socket, boolean>();
const original = net.Socket.prototype.setNoDelay;
net.Socket.prototype.setNoDelay = function (this: net.Socket, noDelay?: boolean) {
  lastNoDelay.set(this, noDelay ?? true);
  return original.call(this, noDelay);
};

async function serverPort(t: import("ava").ExecutionContext): Promise<{ port: number }> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.teardown(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
  return { port: (wss.address() as AddressInfo).port };
}

/** The client's own socket: the one whose local port the server sees as remote port. */
function clientSocket(client: WebSocketClient): net.Socket {
  const peer = client.getPeer(1)!;
  const found = [...active].find((s) => s.remotePort === peer.getConnectedPort() && !s.destroyed);
  if (!found) throw new Error("client socket not found");
  return found;
}

const active = new Set<net.Socket>();
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  active.add(this);
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

test.serial("on by default, off with noDelay: false, switchable with setNoDelay", async (t) => {
  const { port } = await serverPort(t);
  const on = new WebSocketClient({ autoPoll: true });
  await on.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  t.true(lastNoDelay.get(clientSocket(on)));
  on.getPeer(1)!.setNoDelay(false);
  t.false(lastNoDelay.get(clientSocket(on)));

  // A second server: the client socket is found by its remote port.
  const second = await serverPort(t);
  const off = new WebSocketClient({ autoPoll: true, noDelay: false });
  await off.connectToUrlAsync(`ws://127.0.0.1:${second.port}`);
  t.false(lastNoDelay.get(clientSocket(off)));
  off.getPeer(1)!.setNoDelay(true);
  t.true(lastNoDelay.get(clientSocket(off)));
  on.disconnectFromHost();
  off.disconnectFromHost();
});
