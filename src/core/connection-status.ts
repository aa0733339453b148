/**
 * ConnectionStatus of a connection or a multiplayer peer (NetworkedMultiplayerPeer in Godot 3,
 * MultiplayerPeer in Godot 4, WebSocketClient alike): the same three values in both engines.
 */
export const ConnectionStatus = {
  DISCONNECTED: 0,
  CONNECTING: 1,
  CONNECTED: 2,
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];
