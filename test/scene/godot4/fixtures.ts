/**
 * The game of the reference captures, as an RPC manifest: Main's script has seven `@rpc`
 * functions and one rpc_config() name; Main/Child has one. Modes as a typical test game sets them.
 */
import type { RpcConfig, RpcManifest } from "../../../src/scene/index.js";

const anyPeer: RpcConfig = { rpc_mode: "any_peer", call_local: false, transfer_mode: "reliable", channel: 0 };
const authority: RpcConfig = {
  rpc_mode: "authority",
  call_local: false,
  transfer_mode: "reliable",
  channel: 0,
};

export const MANIFEST: RpcManifest = {
  format: "godot-peer-rpc-manifest",
  version: 1,
  godot: "4.6.3",
  scripts: {},
  nodes: {
    Main: {
      rpcs: {
        Zed: { ...anyPeer, transfer_mode: "unreliable", channel: 2 },
        _under: anyPeer,
        bytes_only: anyPeer,
        c_hello: { ...anyPeer, arg_count: 1 },
        r_one: { ...anyPeer, arg_count: 1 },
        r_three: anyPeer,
        r_zero: authority,
      },
      node_rpcs: { cfg_rpc: anyPeer },
    },
    "Main/Child": { rpcs: { child_rpc: anyPeer } },
    "Main/Players/*": {
      rpcs: {
        hit: anyPeer,
        move: { ...authority, call_local: true },
        chat: { ...anyPeer, call_local: true },
      },
    },
  },
};
