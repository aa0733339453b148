/** The chroot is built from the mirror this machine's apt already uses, read at run time. */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { fromDeb822, fromOneLine } from "../../src/engine/debian-mirror.js";
import { findDebianMirror } from "../../src/engine/index.js";

test("a deb822 source: the Debian archive, not security or a third-party repository", (t) => {
  const text = [
    "Types: deb",
    "URIs: http://mirror.example/debian-security",
    "Suites: bookworm-security",
    "",
    "Types: deb-src",
    "URIs: http://src.example/debian",
    "Suites: bookworm",
    "",
    "Types: deb",
    "# a comment line inside the stanza",
    "URIs: http://mirror.example/debian/",
    "Suites: bookworm bookworm-updates",
    "Components: main",
  ].join("\n");
  t.is(fromDeb822(text), "http://mirror.example/debian");
});

test("a one-line source, with options in brackets", (t) => {
  const text = [
    "# deb http://commented.example/debian bookworm main",
    "deb https://vendor.example/apt cloud-sdk main",
    "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian trixie main",
  ].join("\n");
  t.is(fromOneLine(text), "http://mirror.example/debian");
});

test("no Debian archive anywhere gives undefined, not a guess", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-apt-"));
  await mkdir(join(dir, "sources.list.d"));
  await writeFile(join(dir, "sources.list.d", "vendor.list"), "deb https://vendor.example/apt stable main\n");
  t.is(await findDebianMirror(dir), undefined);
  await writeFile(
    join(dir, "sources.list.d", "debian.sources"),
    "Types: deb\nURIs: http://m.example/debian\nSuites: bookworm\n",
  );
  t.is(await findDebianMirror(dir), "http://m.example/debian");
});

test("this machine's apt sources name a Debian mirror", async (t) => {
  const mirror = await findDebianMirror();
  t.truthy(mirror, "provisioning Godot 3.6.2/4.6.3 needs one");
  t.regex(mirror ?? "", /^https?:\/\/\S+\/debian$/);
});
