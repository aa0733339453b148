import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The Debian mirror this machine's apt already uses, read from its sources at run time
 * (one-line `deb URI suite …` files and deb822 `.sources` files alike). No mirror host is
 * written in this repository.
 */
export async function findDebianMirror(aptDir = "/etc/apt"): Promise<string | undefined> {
  const files: string[] = [join(aptDir, "sources.list")];
  try {
    for (const f of (await readdir(join(aptDir, "sources.list.d"))).sort()) {
      files.push(join(aptDir, "sources.list.d", f));
    }
  } catch {
    // no sources.list.d
  }
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      continue;
    }
    const found = file.endsWith(".sources") ? fromDeb822(text) : fromOneLine(text);
    if (found) return found;
  }
  return undefined;
}

/** A Debian archive (not security, not a third-party repo) serves a suite named like a release. */
const DEBIAN_SUITE = /^(?:bookworm|trixie|forky|duke|sid|unstable|testing|stable|bullseye)(?:-updates)?$/;

function isDebianArchive(uri: string, suites: readonly string[]): boolean {
  return /\/debian\/?$/.test(uri) && suites.some((s) => DEBIAN_SUITE.test(s));
}

export function fromOneLine(text: string): string | undefined {
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line.startsWith("deb ")) continue;
    const parts = line
      .replace(/\[[^\]]*\]/, "")
      .trim()
      .split(/\s+/);
    const uri = parts[1];
    const suite = parts[2];
    if (uri && suite && isDebianArchive(uri, [suite])) return uri.replace(/\/$/, "");
  }
  return undefined;
}

export function fromDeb822(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const raw of stanza.split("\n")) {
      if (raw.startsWith("#")) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m?.[1] && m[2] !== undefined) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    const types = (fields.get("types") ?? "").split(/\s+/);
    if (!types.includes("deb") || fields.get("enabled") === "no") continue;
    const suites = (fields.get("suites") ?? "").split(/\s+/);
    for (const uri of (fields.get("uris") ?? "").split(/\s+/)) {
      if (uri && isDebianArchive(uri, suites)) return uri.replace(/\/$/, "");
    }
  }
  return undefined;
}
