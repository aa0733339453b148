/**
 * TLS for wss://: verify_ssl, trusted_ssl_certificate (as Godot: when set, the only certificate
 * accepted), a custom CA, a server-name override, and the cause of a failure in words.
 */
import { X509Certificate } from "node:crypto";
import type { Socket } from "node:net";
import * as tls from "node:tls";
import { type TlsFailure, WebSocketArgumentError } from "./errors.js";

export interface TlsSettings {
  /** Godot's verify_ssl: check the chain and the host name (default true). */
  readonly verify: boolean;
  /** Godot's trusted_ssl_certificate (PEM): the only certificate accepted, pinned exactly. */
  readonly trustedCertificate: X509Certificate | null;
  /** Extra certificate authorities (PEM) trusted instead of Node's bundled roots. */
  readonly ca: readonly (string | Buffer)[] | null;
  /** Name for SNI, the certificate check and the Host header (connecting by IP to a named certificate). */
  readonly serverName: string | null;
}

/** Reads a PEM (string or Buffer) as an X.509 certificate, with a clear error when it is not one. */
export function readCertificate(pem: string | Buffer, argument: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new WebSocketArgumentError(
      `${argument} is not a PEM X.509 certificate: ${(err as Error).message}`,
      argument,
    );
  }
}

/** The code Node gives a pinned-certificate refusal (ours: no Node code exists for it). */
export const PIN_MISMATCH = "ERR_GODOT_PEER_CERT_PIN_MISMATCH";

/**
 * Options for tls.connect. With a pinned certificate it is the only trust anchor
 * (allowPartialTrustChain lets a pinned leaf that is not self-signed anchor its own chain),
 * and the leaf must then be that very certificate.
 */
export function tlsConnectOptions(settings: TlsSettings, host: string): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { rejectUnauthorized: settings.verify };
  const name = settings.serverName ?? host;
  // SNI carries names only: Node refuses an IP there.
  options.servername = tlsIsIp(name) ? "" : name;
  if (!settings.verify) return options;
  const pin = settings.trustedCertificate;
  if (pin) {
    options.ca = [pin.toString()];
    options.allowPartialTrustChain = true;
    options.checkServerIdentity = (hostname, cert) => {
      if (!cert.raw?.equals(pin.raw)) {
        return Object.assign(
          new Error(
            `server certificate ${cert.fingerprint256} is not the trusted certificate ${pin.fingerprint256}`,
          ),
          { code: PIN_MISMATCH },
        );
      }
      return tls.checkServerIdentity(hostname, cert);
    };
  } else if (settings.ca) {
    options.ca = [...settings.ca];
  }
  if (settings.serverName !== null) {
    const check = options.checkServerIdentity ?? tls.checkServerIdentity;
    options.checkServerIdentity = (_hostname, cert) => check(settings.serverName!, cert);
  }
  return options;
}

function tlsIsIp(name: string): boolean {
  return /^[0-9.]+$/.test(name) || name.includes(":");
}

const CHAIN_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_UNTRUSTED",
  "CERT_CHAIN_TOO_LONG",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
]);
const SELF_SIGNED_CODES = new Set(["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN"]);

/** Maps a Node/OpenSSL error code to a TLS cause; undefined when the code is not about TLS. */
export function tlsFailureOf(code: string | undefined, pinned: boolean): TlsFailure | undefined {
  if (code === undefined) return undefined;
  if (code === PIN_MISMATCH) return "pin-mismatch";
  // With a pin, any chain failure means "not the pinned certificate" (it is the only anchor).
  if (pinned && (CHAIN_CODES.has(code) || SELF_SIGNED_CODES.has(code))) return "pin-mismatch";
  if (code === "CERT_HAS_EXPIRED") return "expired";
  if (code === "CERT_NOT_YET_VALID") return "not-yet-valid";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "wrong-host";
  if (SELF_SIGNED_CODES.has(code)) return "self-signed";
  if (CHAIN_CODES.has(code)) return "unknown-ca";
  if (code.startsWith("ERR_SSL_") || code === "EPROTO" || code.startsWith("ERR_TLS_")) return "protocol";
  if (code.startsWith("CERT_") || code.includes("CERT")) return "other";
  return undefined;
}

/** A socket is TLS when Node says so (lets the client read the negotiated session). */
export function isTlsSocket(socket: Socket): socket is tls.TLSSocket {
  return socket instanceof tls.TLSSocket;
}
