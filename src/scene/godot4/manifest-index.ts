/**
 * Finds the declaration of a node path in an RpcManifest: an exact path first, then `*`
 * patterns (one path element each), the most specific first. Tables are built once per
 * manifest entry and shared by every node it matches.
 */
import { RpcNodeConfig } from "./rpc-config.js";
import type { ManifestNode, RpcManifest } from "./rpc-manifest.js";

export interface NodeDeclaration {
  /** The manifest key that matched (a path or a pattern); stats are kept per key. */
  readonly key: string;
  readonly config: RpcNodeConfig;
}

interface Pattern extends NodeDeclaration {
  readonly segments: readonly string[];
  readonly wildcards: number;
}

/** The index of each manifest object: its tables (names, ids, MD5s) are immutable, so every bot of a process shares them. */
const INDEXES = new WeakMap<RpcManifest, ManifestIndex>();

export class ManifestIndex {
  /** The shared index of `manifest` (made on first use; a manifest is not to be changed once used). */
  static of(manifest: RpcManifest): ManifestIndex {
    let index = INDEXES.get(manifest);
    if (!index) {
      index = new ManifestIndex(manifest);
      INDEXES.set(manifest, index);
    }
    return index;
  }

  readonly root: string;
  readonly #exact = new Map<string, NodeDeclaration>();
  readonly #patterns: Pattern[] = [];
  /** Every RPC name the manifest knows, for naming what a peer's checksum has that ours lacks. */
  readonly allNames: ReadonlySet<string>;

  constructor(manifest: RpcManifest) {
    if (manifest?.format !== "godot-peer-rpc-manifest" || manifest.version !== 1) {
      throw new TypeError('not an RPC manifest: expected format "godot-peer-rpc-manifest", version 1');
    }
    this.root = manifest.root ?? "/root";
    const names = new Set<string>();
    for (const [key, node] of Object.entries(manifest.nodes)) {
      const decl = { key, config: new RpcNodeConfig(node as ManifestNode) };
      for (const n of decl.config.names) names.add(n);
      if (!key.includes("*")) {
        this.#exact.set(key, decl);
        continue;
      }
      const segments = key.split("/");
      this.#patterns.push({ ...decl, segments, wildcards: segments.filter((s) => s === "*").length });
    }
    for (const script of Object.values(manifest.scripts))
      for (const n of Object.keys(script.rpcs)) names.add(n);
    // Most specific first; declaration order among equals.
    this.#patterns.sort((a, b) => a.wildcards - b.wildcards);
    this.allNames = names;
  }

  lookup(path: string): NodeDeclaration | null {
    const exact = this.#exact.get(path);
    if (exact) return exact;
    if (this.#patterns.length === 0) return null;
    const segments = path.split("/");
    for (const p of this.#patterns) {
      if (p.segments.length !== segments.length) continue;
      let ok = true;
      for (let i = 0; i < segments.length; i++) {
        const s = p.segments[i];
        if (s !== "*" && s !== segments[i]) {
          ok = false;
          break;
        }
      }
      if (ok) return p;
    }
    return null;
  }
}
