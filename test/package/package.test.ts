/**
 * The package as a new user gets it: packed (`npm pack`), installed into a fresh `npm init -y`
 * project — CommonJS, as current npm makes it — and used there: `require("godot-peer")`, a `.ts`
 * bot script run with `npx godot-peer swarm` against the embedded server, the demo bots from the
 * installed copy, and `tsc` on a user file with strict settings and no skipLibCheck.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

function run(
  cmd: string,
  args: readonly string[],
  cwd: string,
  timeoutMs = 120_000,
): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}`, stdout });
    });
  });
}

test("packed, installed in a fresh CommonJS project: require(), a .ts bot script, the shipped demo bots, tsc without skipLibCheck", async (t) => {
  t.timeout(600_000);
  const dir = await mkdtemp(join(tmpdir(), "gp-package-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  const pack = await run("npm", ["pack", "--json", "--pack-destination", dir], root, 300_000);
  t.is(pack.code, 0, pack.out);
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as [
    { filename: string; files: { path: string }[] },
  ];
  const files = info.files.map((f) => f.path);
  for (const f of [
    "LICENSE",
    "dist/index.js",
    "dist/index.d.ts",
    "dist/cli/main.js",
    "bots/demo.ts",
    "bots/chat.ts",
  ]) {
    t.true(files.includes(f), `${f} is in the package`);
  }
  t.false(
    files.some((f) => f.startsWith("test/")),
    "no tests in the package",
  );

  const app = join(dir, "app");
  await mkdir(app);
  t.is((await run("npm", ["init", "-y"], app)).code, 0);
  const manifest = JSON.parse(await readFile(join(app, "package.json"), "utf8")) as { type?: string };
  t.not(manifest.type, "module", "a CommonJS project");
  const install = await run(
    "npm",
    ["install", join(dir, info.filename), "--no-audit", "--no-fund", "--loglevel=error"],
    app,
    300_000,
  );
  t.is(install.code, 0, install.out);

  // Runtime dependencies are what the runtime uses: each is imported by the built code, or its
  // types are referenced by the declarations (@types/x for x, @types/node for node: modules).
  const installed = join(app, "node_modules", "godot-peer");
  const pkg = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const built = await Promise.all(
    (await readdir(join(installed, "dist"), { recursive: true }))
      .filter((f) => f.endsWith(".js") || f.endsWith(".mjs") || f.endsWith(".d.ts"))
      .map(async (f) => ({ f, text: await readFile(join(installed, "dist", f), "utf8") })),
  );
  const imports = (name: string, kind: "js" | "dts") =>
    built.some(
      ({ f, text }) =>
        (kind === "dts") === f.endsWith(".d.ts") &&
        (name === "node" ? /from "node:/.test(text) : new RegExp(`from "${name}(/[^"]*)?"`).test(text)),
    );
  for (const dep of Object.keys(pkg.dependencies)) {
    const used = dep.startsWith("@types/") ? imports(dep.slice("@types/".length), "dts") : imports(dep, "js");
    t.true(used, `dependency ${dep} is used by the package at run time (or by its declarations)`);
  }

  // require() from CommonJS.
  const req = await run(
    "node",
    [
      "-e",
      "const gp = require('godot-peer'); console.log([typeof gp.Bot, typeof gp.defineBot, typeof gp.ExampleGame, typeof gp.encode].join(' '))",
    ],
    app,
  );
  t.is(req.code, 0, req.out);
  t.regex(req.out, /^function function function function$/m);

  // A .ts bot script of the user's, against the embedded server.
  await writeFile(
    join(app, "bot.ts"),
    `import { defineBot, RpcMode } from "godot-peer";

export default defineBot(async (bot, ctx) => {
  bot.handle("Game", "pong", RpcMode.PUPPET, (_seq: number) => {});
  for (let seq = 1; !ctx.signal.aborted; seq++) {
    await bot.request(1, "Game", "ping", [seq], { method: "pong", match: (args) => args[0] === seq });
    await ctx.sleep(100);
  }
});
`,
  );
  const swarm = await run(
    "npx",
    [
      "godot-peer",
      "swarm",
      "bot.ts",
      "--bots",
      "3",
      "--duration",
      "2s",
      "--progress",
      "none",
      "--threshold",
      "errors==0",
    ],
    app,
  );
  t.is(swarm.code, 0, swarm.out);
  t.regex(swarm.out, /Game:ping +\d+/);

  // The demo bots ship in the package and run from the installed copy.
  const demo = await run(
    "npx",
    [
      "godot-peer",
      "swarm",
      "node_modules/godot-peer/bots/demo.ts",
      "--bots",
      "4",
      "--duration",
      "2s",
      "--progress",
      "none",
    ],
    app,
  );
  t.is(demo.code, 0, demo.out);

  // The declarations compile in a user project, strict, without skipLibCheck.
  await writeFile(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        noEmit: true,
      },
      files: ["user.ts", "bot.ts"],
    }),
  );
  await writeFile(
    join(app, "user.ts"),
    `import { Bot, ExampleGame, encode, decode, type Variant } from "godot-peer";

async function main(): Promise<void> {
  const game = new ExampleGame({ bindIp: "127.0.0.1" });
  const port: number = await game.listen(0);
  const bot = await Bot.connect({ url: \`ws://127.0.0.1:\${port}\` });
  const v: Variant = decode(encode([1, "two"])).value;
  console.log(v, bot.id);
  bot.disconnect();
  await game.stop();
}
void main();
`,
  );
  const check = await run("node", [tsc, "-p", "tsconfig.json"], app);
  t.is(check.code, 0, check.out);
});
