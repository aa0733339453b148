/**
 * Real headless Chromium (Debian's `chromium` package) for tests that must see a page as a
 * browser renders it. Installed with apt on first use, under the same cross-process lock style
 * that src/engine uses for Godot, so parallel test files install it once.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureHostPackage, exec } from "../../src/engine/index.js";

export const CHROMIUM = "/usr/bin/chromium";

/** Installs Chromium with apt if it is missing (needs root); returns the binary's path. */
export function ensureChromium(): Promise<string> {
  return ensureHostPackage(CHROMIUM, "chromium");
}

export interface RenderedPage {
  /** The DOM after the page ran (`--dump-dom`). */
  readonly dom: string;
  /** A PNG screenshot of the page. */
  readonly png: Buffer;
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--hide-scrollbars",
];

/**
 * Renders a local HTML file in headless Chromium: once for the DOM, once for a screenshot
 * (Chromium does one of the two per run). Each run has a fresh profile.
 */
export async function renderPage(
  htmlPath: string,
  { width = 1280, height = 2000 } = {},
): Promise<RenderedPage> {
  const bin = await ensureChromium();
  const work = await mkdtemp(join(tmpdir(), "gp-chromium-"));
  try {
    const url = `file://${htmlPath}`;
    const run = async (name: string, args: string[]) => {
      const r = await exec(bin, [...FLAGS, `--user-data-dir=${join(work, name)}`, ...args, url], {
        timeoutMs: 90_000,
      });
      if (r.code !== 0) throw new Error(`chromium ${args[0]} exited ${r.code}: ${r.stderr.slice(-2000)}`);
      return r;
    };
    const dom = (await run("dom", ["--dump-dom"])).stdout;
    const pngPath = join(work, "shot.png");
    await run("shot", [`--screenshot=${pngPath}`, `--window-size=${width},${height}`]);
    return { dom, png: await readFile(pngPath) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
