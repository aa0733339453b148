/**
 * Provisioning: every version is found or installed, reports the version asked for, is
 * cached (a second call rebuilds nothing), and a user's own binary can stand in for it.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { GodotProvisionError, godotPeerCacheDir, provisionGodot } from "../../src/engine/index.js";
import { ALL_VERSIONS } from "../harness/godot.js";

for (const version of ALL_VERSIONS) {
  test.serial(`Godot ${version} is provisioned and reports ${version}`, async (t) => {
    const install = await provisionGodot(version);
    t.true(install.reportedVersion.startsWith(`${version}.`));
    t.is(install.origin, version === "3.2.3" ? "host" : "unstable");
  });
}

test.serial("a second provisioning reuses the cached chroot", async (t) => {
  const manifest = join(godotPeerCacheDir(), "debian-unstable", "manifest.json");
  const before = await stat(manifest);
  const again = await provisionGodot("4.6.3");
  const after = await stat(manifest);
  t.is(after.mtimeMs, before.mtimeMs);
  t.is(after.ino, before.ino);
  t.true(again.reportedVersion.startsWith("4.6.3."));
});

test.serial("GODOT_BIN_<version> points at the user's own binary", async (t) => {
  const host = await provisionGodot("3.2.3");
  process.env.GODOT_BIN_3_2_3 = host.command;
  t.teardown(() => {
    delete process.env.GODOT_BIN_3_2_3;
  });
  const install = await provisionGodot("3.2.3");
  t.is(install.origin, "env");
  t.is(install.command, host.command);
});

test.serial("a user binary of the wrong version is refused with what it reported", async (t) => {
  const host = await provisionGodot("3.2.3");
  process.env.GODOT_BIN_4_6_3 = host.command;
  t.teardown(() => {
    delete process.env.GODOT_BIN_4_6_3;
  });
  const err = await t.throwsAsync(provisionGodot("4.6.3"), { instanceOf: GodotProvisionError });
  t.regex(err?.message ?? "", /GODOT_BIN_4_6_3.*reports "3\.2\.3\..*expected 4\.6\.3/);
});

test.serial("a user binary that cannot run is refused", async (t) => {
  process.env.GODOT_BIN_3_6_2 = "/nonexistent/godot";
  t.teardown(() => {
    delete process.env.GODOT_BIN_3_6_2;
  });
  await t.throwsAsync(provisionGodot("3.6.2"), {
    instanceOf: GodotProvisionError,
    message: /GODOT_BIN_3_6_2/,
  });
});
