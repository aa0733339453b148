import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { findDebianMirror } from "./debian-mirror.js";
import { GodotProvisionError } from "./errors.js";
import { exec, execOk } from "./exec.js";
import { withDirLock } from "./lock.js";
import { GODOT_SOURCES, type GodotVersion } from "./versions.js";

/** How to run one Godot binary: `command ...prefixArgs ...headlessArgs <godot args>`. */
export interface GodotInstall {
  readonly version: GodotVersion;
  readonly command: string;
  readonly prefixArgs: readonly string[];
  readonly headlessArgs: readonly string[];
  /** Where it came from: the user's environment variable, the host's apt, or the chroot. */
  readonly origin: "env" | "host" | "unstable";
  /** What `--version` printed. */
  readonly reportedVersion: string;
}

export interface ProvisionOptions {
  /** Progress lines (apt, debootstrap); silent by default. */
  readonly log?: (line: string) => void;
}

/** Cache outside any clone: $GODOT_PEER_CACHE, else $XDG_CACHE_HOME/godot-peer, else ~/.cache/godot-peer. */
export function godotPeerCacheDir(): string {
  const env = process.env.GODOT_PEER_CACHE;
  if (env) return env;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg || join(homedir(), ".cache"), "godot-peer");
}

/** Manifest written last into a finished chroot: its presence means the chroot is complete. */
interface ChrootManifest {
  readonly loader: string;
  readonly libraryPath: readonly string[];
  readonly packages: Readonly<Record<string, string>>;
}

const APT_NO_VALID_UNTIL = ["-o", "Acquire::Check-Valid-Until=false"];

/**
 * Finds or installs the Godot binary for `version`, verifies that it reports that version,
 * and says how to run it. Idempotent; concurrent callers serialize on a lock in the cache.
 */
export async function provisionGodot(
  version: GodotVersion,
  options: ProvisionOptions = {},
): Promise<GodotInstall> {
  const source = GODOT_SOURCES[version];
  const override = process.env[source.envOverride];
  if (override) {
    return verify(version, "env", override, [], source.headlessArgs, source.envOverride);
  }
  if (source.root === "host") {
    if (!(await pathExists(source.binary))) {
      await withDirLock(join(await cacheReady(), "host-apt.lock"), async () => {
        if (!(await pathExists(source.binary))) await hostAptInstall([source.debPackage], options);
      });
    }
    return verify(version, "host", source.binary, [], source.headlessArgs);
  }
  const chroot = join(godotPeerCacheDir(), "debian-unstable");
  let manifest = await readManifest(chroot);
  if (!manifest) {
    manifest = await withDirLock(join(await cacheReady(), "debian-unstable.lock"), async () => {
      return (await readManifest(chroot)) ?? (await buildChroot(chroot, options));
    });
  }
  const root = join(chroot, "root");
  return verify(
    version,
    "unstable",
    join(root, manifest.loader),
    ["--library-path", manifest.libraryPath.map((d) => join(root, d)).join(":"), join(root, source.binary)],
    source.headlessArgs,
  );
}

async function verify(
  version: GodotVersion,
  origin: GodotInstall["origin"],
  command: string,
  prefixArgs: readonly string[],
  headlessArgs: readonly string[],
  envName?: string,
): Promise<GodotInstall> {
  const from = envName ? ` (from $${envName})` : "";
  let r: Awaited<ReturnType<typeof exec>>;
  try {
    r = await exec(command, [...prefixArgs, ...headlessArgs, "--version"], { timeoutMs: 30_000 });
  } catch (err) {
    throw new GodotProvisionError(`cannot run Godot ${version} at ${command}${from}: ${String(err)}`);
  }
  const reported = r.stdout.trim().split("\n").pop() ?? "";
  if (!reported.startsWith(`${version}.`)) {
    throw new GodotProvisionError(
      `Godot at ${command}${from} reports "${reported || r.stderr.trim()}", expected ${version}.x`,
    );
  }
  return { version, origin, command, prefixArgs, headlessArgs, reportedVersion: reported };
}

async function hostAptInstall(packages: readonly string[], options: ProvisionOptions): Promise<void> {
  requireRoot(packages.join(" "));
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = ["install", "-y", "--no-install-recommends", ...packages];
  const first = await exec("apt-get", install, { env, onLine: options.log });
  if (first.code === 0) return;
  // A fresh machine may have no package lists yet.
  await execOk("apt-get", ["update"], { env, onLine: options.log });
  await execOk("apt-get", install, { env, onLine: options.log });
}

async function buildChroot(dir: string, options: ProvisionOptions): Promise<ChrootManifest> {
  requireRoot("a Debian unstable chroot (debootstrap)");
  if (!(await pathExists("/usr/sbin/debootstrap"))) await hostAptInstall(["debootstrap"], options);
  const mirror = await findDebianMirror();
  if (!mirror) {
    throw new GodotProvisionError("no Debian mirror found in /etc/apt/sources.list{,.d}");
  }
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const root = join(tmp, "root");
  const log = options.log;
  try {
    await execOk("debootstrap", ["--variant=minbase", "unstable", root, mirror], { onLine: log });
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    await execOk("chroot", [root, "apt-get", ...APT_NO_VALID_UNTIL, "update"], { env, onLine: log });
    await execOk(
      "chroot",
      [
        root,
        "apt-get",
        ...APT_NO_VALID_UNTIL,
        "install",
        "-y",
        "--no-install-recommends",
        "godot",
        "godot3-server",
      ],
      { env, onLine: log },
    );
    const manifest = await describeChroot(root);
    await writeFile(join(tmp, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return manifest;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new GodotProvisionError(`building the Debian unstable chroot failed: ${(err as Error).message}`);
  }
}

/** The loader and library directories the chroot's binaries resolve to, read with its own ldd. */
async function describeChroot(root: string): Promise<ChrootManifest> {
  const binaries = [GODOT_SOURCES["4.6.3"].binary, GODOT_SOURCES["3.6.2"].binary];
  const ldd = await execOk("chroot", [root, "ldd", ...binaries]);
  const dirs = new Set<string>();
  let loader: string | undefined;
  for (const line of ldd.stdout.split("\n")) {
    if (line.includes("not found")) throw new Error(`unresolved library in chroot: ${line.trim()}`);
    const arrow = /=>\s*(\/\S+)/.exec(line);
    if (arrow?.[1]) dirs.add(dirname(arrow[1]));
    const bare = /^\s*(\/\S*ld-linux\S*)\s/.exec(line);
    if (bare?.[1]) loader = bare[1];
  }
  if (!loader) throw new Error("ldd named no dynamic loader");
  const dpkg = await execOk("chroot", [root, "dpkg-query", "-W", "godot", "godot3-server"]);
  const packages: Record<string, string> = {};
  for (const line of dpkg.stdout.trim().split("\n")) {
    const [name, ver] = line.split("\t");
    if (name && ver) packages[name] = ver;
  }
  return { loader, libraryPath: [...dirs].sort(), packages };
}

async function readManifest(dir: string): Promise<ChrootManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as ChrootManifest;
  } catch {
    return undefined;
  }
}

function requireRoot(what: string, hint = "point the GODOT_BIN_* variables at your own binaries"): void {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new GodotProvisionError(`installing ${what} needs root; run as root once, or ${hint}`);
  }
}

/**
 * A host program from Debian's package `pkg` (the tests' Chromium and Prometheus), installed with
 * apt on first use: needs root; one install at a time across processes, so parallel test files
 * install it once.
 */
export async function ensureHostPackage(
  binary: string,
  pkg: string,
  options: ProvisionOptions = {},
): Promise<string> {
  if (await pathExists(binary)) return binary;
  const cache = await cacheReady();
  await withDirLock(join(cache, "host-apt.lock"), async () => {
    if (await pathExists(binary)) return;
    requireRoot(pkg, `install it yourself: apt-get install ${pkg}`);
    await hostAptInstall([pkg], options);
    if (!(await pathExists(binary))) {
      throw new GodotProvisionError(`apt-get install ${pkg} succeeded but ${binary} is not there`);
    }
  });
  return binary;
}

async function cacheReady(): Promise<string> {
  const dir = godotPeerCacheDir();
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Does `path` exist (and can we see it)? */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
