/**
 * Godot 4's TLSOptions (core/crypto/crypto.h): made only by its constructors, client(),
 * client_unsafe() and server(). What each means for our client (src/websocket's options) and for
 * the Node server (src/server/godot4):
 *
 * - client(trustedChain?, commonNameOverride?): verify the chain (against trustedChain instead
 *   of the system roots when given) and the name (commonNameOverride instead of the URL's host).
 *   Our client also sends that name as SNI (mbedTLS's set_hostname does the same) and, unlike
 *   Godot, in the Host header.
 * - clientUnsafe(trustedChain?): Godot verifies "optionally" (a failure does not stop the
 *   handshake): no verification at all here, which connects to the same servers.
 * - server(key, certificate): the server's key and certificate chain (PEM).
 */
import type { WebSocketClientOptions } from "../../websocket/index.js";

type Pem = string | Buffer;

export class TLSOptions {
  private constructor(
    readonly mode: "client" | "client-unsafe" | "server",
    /** client / clientUnsafe: certificates (PEM) trusted instead of the system roots. */
    readonly trustedChain: Pem | null,
    /** client: the name the certificate must carry, instead of the URL's host. */
    readonly commonNameOverride: string,
    /** server: the private key and the certificate chain (PEM). */
    readonly privateKey: Pem | null,
    readonly certificate: Pem | null,
  ) {
    Object.freeze(this);
  }

  /** TLSOptions.client(trusted_chain = null, common_name_override = ""). */
  static client(trustedChain: Pem | null = null, commonNameOverride = ""): TLSOptions {
    return new TLSOptions("client", trustedChain, commonNameOverride, null, null);
  }

  /** TLSOptions.client_unsafe(trusted_chain = null). */
  static clientUnsafe(trustedChain: Pem | null = null): TLSOptions {
    return new TLSOptions("client-unsafe", trustedChain, "", null, null);
  }

  /** TLSOptions.server(key, certificate). */
  static server(key: Pem, certificate: Pem): TLSOptions {
    return new TLSOptions("server", null, "", key, certificate);
  }

  /** TLSOptions.is_server(). */
  isServer(): boolean {
    return this.mode === "server";
  }

  /** TLSOptions.is_unsafe_client(). */
  isUnsafeClient(): boolean {
    return this.mode === "client-unsafe";
  }

  /** What our WebSocketClient takes for these options (client modes only). */
  clientOptions(): Pick<WebSocketClientOptions, "verifySsl" | "ca" | "tlsServerName"> {
    if (this.mode === "client-unsafe") return { verifySsl: false };
    return {
      verifySsl: true,
      ca: this.trustedChain,
      tlsServerName: this.commonNameOverride === "" ? null : this.commonNameOverride,
    };
  }
}
