/**
 * The server's relay decision, exactly as Godot 3's WebSocketMultiplayerPeer makes it
 * (`_process_multiplayer` on the server, then `_server_relay`). Shared by our server and by
 * tests that predict what a real Godot server forwards.
 */

export interface RelayDecision {
  /** Does the server's own MultiplayerAPI receive the payload? */
  readonly deliverToServer: boolean;
  /** Peers the frame is forwarded to, unchanged. */
  readonly forwardTo: readonly number[];
  /** A unicast to a peer that is not connected: Godot fails it (ERR_FAIL) and nobody gets it. */
  readonly unknownTarget: boolean;
}

/**
 * `from` is the (verified) sender, `to` the frame's target, `peers` the connected client ids in
 * the server's order (Godot's Map is ordered by id).
 *
 * Quirk kept on purpose: for `to < 0` Godot tests `_peer_id != -sender`, comparing the server's
 * own id with the sender rather than with the excluded peer, so the server receives "all but X"
 * messages even when X is 1 (itself).
 */
export function relayDecision(from: number, to: number, peers: readonly number[]): RelayDecision {
  if (to === 1) return { deliverToServer: true, forwardTo: [], unknownTarget: false };
  if (to === 0) {
    return { deliverToServer: true, forwardTo: peers.filter((p) => p !== from), unknownTarget: false };
  }
  if (to < 0) {
    return {
      deliverToServer: true,
      forwardTo: peers.filter((p) => p !== from && p !== -to),
      unknownTarget: false,
    };
  }
  if (to === from || !peers.includes(to)) {
    return { deliverToServer: false, forwardTo: [], unknownTarget: true };
  }
  return { deliverToServer: false, forwardTo: [to], unknownTarget: false };
}
