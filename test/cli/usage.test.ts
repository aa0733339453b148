/**
 * The command line as a new user meets it: --version, a suggestion for a mistyped command or
 * option, provision --help, and usage errors that are short (the error and where to look, not
 * every option).
 */
import { readFile } from "node:fs/promises";
import test from "ava";
import { closest, explainUnknownOption } from "../../src/cli/suggest.js";
import { runCli } from "../harness/cli.js";

test("--version prints the package's version", async (t) => {
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  const r = await runCli(["--version"]);
  t.is(r.code, 0);
  t.is(r.stdout, `${pkg.version}\n`);
});

test("a mistyped command gets a suggestion and a short usage error", async (t) => {
  const r = await runCli(["swram"]);
  t.is(r.code, 2);
  t.is(
    r.stderr,
    'godot-peer: unknown command "swram" (did you mean "swarm"?)\nRun "godot-peer --help" for the commands.\n',
  );
  const far = await runCli(["deploy"]);
  t.is(far.code, 2);
  t.regex(far.stderr, /^godot-peer: unknown command "deploy"\n/);
});

test("a mistyped option gets a suggestion; a usage error is two lines", async (t) => {
  const r = await runCli(["swarm", "bots/demo.ts", "--bot", "3"]);
  t.is(r.code, 2);
  t.is(
    r.stderr,
    'godot-peer swarm: unknown option --bot (did you mean --bots?)\nRun "godot-peer swarm --help" for the options.\n',
  );
  const d = await runCli(["swarm", "bots/demo.ts", "--duration", "30"]);
  t.is(d.code, 2);
  t.is(d.stderr.split("\n").filter(Boolean).length, 2, d.stderr);
  t.regex(d.stderr, /--duration: "30" has no unit: say 30s/);
});

test("provision --help prints its usage and provisions nothing", async (t) => {
  const r = await runCli(["provision", "--help"]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^Usage: godot-peer provision \[VERSION…\]/);
  t.is(r.stderr, "");
});

test("suggestions: the closest known word, only when close", (t) => {
  t.is(closest("--treshold", ["--threshold", "--think"]), "--threshold");
  t.is(closest("--jsno", ["--json", "--junit"]), "--json");
  t.is(closest("--x", ["--json", "--junit"]), undefined);
  t.is(
    explainUnknownOption("Unknown option '--rmap'. To specify…", "  --ramp R/s  x\n  --url URL"),
    "unknown option --rmap (did you mean --ramp?)",
  );
  t.is(
    explainUnknownOption("Option '--bots <value>' argument missing", "--bots"),
    "Option '--bots <value>' argument missing",
  );
});
