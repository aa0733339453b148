/** The Godot releases godot-peer is tested against, and where each comes from. */
export type GodotVersion = "3.2.3" | "3.6.2" | "4.6.3";

export const GODOT_VERSIONS: readonly GodotVersion[] = ["3.2.3", "3.6.2", "4.6.3"];

export interface GodotSource {
  /** Debian package that ships the binary. */
  readonly debPackage: "godot3-server" | "godot";
  /** Path of the binary inside the Debian root it is installed in. */
  readonly binary: string;
  /** "host": the machine's own apt; "unstable": a debootstrap chroot of Debian unstable. */
  readonly root: "host" | "unstable";
  /** Environment variable naming a user-supplied binary (skips provisioning). */
  readonly envOverride: string;
  /** Godot 3 is headless as the "server" build; Godot 4 needs --headless. */
  readonly headlessArgs: readonly string[];
}

export const GODOT_SOURCES: Readonly<Record<GodotVersion, GodotSource>> = {
  "3.2.3": {
    debPackage: "godot3-server",
    binary: "/usr/bin/godot3-server",
    root: "host",
    envOverride: "GODOT_BIN_3_2_3",
    headlessArgs: [],
  },
  "3.6.2": {
    debPackage: "godot3-server",
    binary: "/usr/bin/godot3-server",
    root: "unstable",
    envOverride: "GODOT_BIN_3_6_2",
    headlessArgs: [],
  },
  "4.6.3": {
    debPackage: "godot",
    binary: "/usr/bin/godot",
    root: "unstable",
    envOverride: "GODOT_BIN_4_6_3",
    headlessArgs: ["--headless"],
  },
};

export function isGodotVersion(v: string): v is GodotVersion {
  return (GODOT_VERSIONS as readonly string[]).includes(v);
}

/** Major version, which decides the wire dialect. */
export function godotMajor(v: GodotVersion): 3 | 4 {
  return v.startsWith("4.") ? 4 : 3;
}
