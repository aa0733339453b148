/**
 * The GDScript reader follows Godot 4's parser: which functions are RPCs, with which config, and
 * which literal rpc_config() calls a script makes. Every problem is a warning with file and line.
 */
import test from "ava";
import fc from "fast-check";
import { parseGDScript } from "../../src/manifest/index.js";

const rpcsOf = (src: string) =>
  Object.fromEntries(parseGDScript(src, "res://t.gd").rpcs.map((r) => [r.name, r.config]));
const names = (src: string) => parseGDScript(src, "res://t.gd").rpcs.map((r) => r.name);
const warningsOf = (src: string) =>
  parseGDScript(src, "res://t.gd").warnings.map((w) => `${w.line}: ${w.message}`);

const cfg = (rpc_mode: string, call_local: boolean, transfer_mode: string, channel: number) => ({
  rpc_mode,
  call_local,
  transfer_mode,
  channel,
});

test("@rpc without arguments is authority, call_remote, reliable, channel 0", (t) => {
  t.deepEqual(rpcsOf("extends Node\n@rpc\nfunc a():\n\tpass\n"), {
    a: cfg("authority", false, "reliable", 0),
  });
  t.deepEqual(rpcsOf("extends Node\n@rpc()\nfunc a():\n\tpass\n"), {
    a: cfg("authority", false, "reliable", 0),
  });
});

test("the first three @rpc arguments come in any order and the fourth is the channel", (t) => {
  const src = `extends Node
@rpc("any_peer", "call_local", "unreliable", 2)
func a(): pass
@rpc("unreliable_ordered", "call_remote", "authority", 1)
func b(): pass
@rpc("call_local", "reliable", "any_peer")
func c(): pass
@rpc("unreliable")
func d(): pass
`;
  t.deepEqual(rpcsOf(src), {
    a: cfg("any_peer", true, "unreliable", 2),
    b: cfg("authority", false, "unreliable_ordered", 1),
    c: cfg("any_peer", true, "reliable", 0),
    d: cfg("authority", false, "unreliable", 0),
  });
  t.deepEqual(warningsOf(src), []);
});

test("an annotation belongs to the next function: on its line, lines before, past comments and other annotations", (t) => {
  const src = `extends Node
@rpc func same_line(): pass
@rpc("any_peer") func same_line_args(x: int) -> void:
	pass
@rpc("any_peer")

# a comment and a blank line between
func after_comment():
	pass
@warning_ignore("unused_parameter") @rpc
func after_other_annotation(x):
	pass
@rpc
@warning_ignore("unused_parameter")
func before_other_annotation(x):
	pass
@rpc(
	"call_local",
	"any_peer",
)
func args_over_lines():
	pass
func plain():
	pass
`;
  t.deepEqual(names(src), [
    "same_line",
    "same_line_args",
    "after_comment",
    "after_other_annotation",
    "before_other_annotation",
    "args_over_lines",
  ]);
  t.deepEqual(rpcsOf(src).args_over_lines, cfg("any_peer", true, "reliable", 0));
});

test("static functions with @rpc count, as Godot 4.6.3 lists them in get_rpc_config()", (t) => {
  t.deepEqual(names("extends Node\n@rpc\nstatic func s() -> void:\n\tpass\n"), ["s"]);
});

test("@rpc written in comments and strings is not code", (t) => {
  const src = `extends Node
# @rpc
# func in_comment(): pass
const A := "@rpc func in_string(): pass"
const B := """
@rpc
func in_multiline_string():
	pass
"""
const C := r"@rpc \\" func in_raw(): pass"
const D := '@rpc'
func body():
	var s := "@rpc"
	print(s) # @rpc
`;
  t.deepEqual(names(src), []);
  t.deepEqual(warningsOf(src), []);
});

test("the @rpc functions of an inner class belong to that class, not to the script", (t) => {
  const src = `extends Node
class Inner:
	extends Node
	@rpc("any_peer")
	func inner_rpc():
		pass

	class Deeper:
		@rpc
		func deeper():
			pass
@rpc
func outer(): pass
`;
  t.deepEqual(names(src), ["outer"]);
});

test("@rpc arguments may be constants of the script, StringNames and int literals in any base", (t) => {
  const src = `extends Node
@rpc(MODE, &"call_local", TRANSFER, CHANNEL)
func a(): pass
@rpc("any_peer", "call_local", "reliable", 0x1_0)
func b(): pass
@rpc("authority", "call_remote", "unreliable", 0b11)
func c(): pass
const MODE = "any_peer"
const TRANSFER: String = "unreliable_ordered"
const CHANNEL := 1_000
`;
  t.deepEqual(rpcsOf(src), {
    a: cfg("any_peer", true, "unreliable_ordered", 1000),
    b: cfg("any_peer", true, "reliable", 16),
    c: cfg("authority", false, "unreliable", 3),
  });
});

test("an @rpc argument the reader cannot evaluate gets Godot's default, with a warning naming the line", (t) => {
  const src = 'extends Node\n@rpc(Globals.MODE, "call_local")\nfunc a(): pass\n';
  t.deepEqual(rpcsOf(src), { a: cfg("authority", true, "reliable", 0) });
  t.is(warningsOf(src).length, 1);
  t.regex(warningsOf(src)[0]!, /^2: @rpc argument 1 of "a" \(Globals \. MODE\) is not a constant/);
});

test("arguments Godot refuses are warnings at the annotation's line", (t) => {
  const w = (args: string) => warningsOf(`extends Node\n\n@rpc${args}\nfunc f(): pass\n`);
  t.deepEqual(w('("bogus")'), ['3: invalid @rpc argument "bogus" of "f" (Godot refuses the script)']);
  t.deepEqual(w('("call_local", "call_remote")'), [
    '3: @rpc of "f" names the locality twice (Godot refuses the script)',
  ]);
  t.deepEqual(w('("any_peer", "authority")'), [
    '3: @rpc of "f" names the permission twice (Godot refuses the script)',
  ]);
  t.deepEqual(w('("reliable", "unreliable")'), [
    '3: @rpc of "f" names the transfer mode twice (Godot refuses the script)',
  ]);
  t.deepEqual(w('("any_peer", 1)'), [
    '3: @rpc argument 2 of "f" must be a String; the channel comes 4th (Godot refuses the script)',
  ]);
  t.deepEqual(w('("any_peer", "call_local", "reliable", "unreliable")'), [
    '3: @rpc argument 4 of "f" must be an int channel (Godot refuses the script)',
  ]);
  t.deepEqual(w('("any_peer", "call_local", "reliable", 1, 2)'), [
    '3: @rpc takes at most 4 arguments, "f" has 5 (Godot refuses the script)',
  ]);
  t.deepEqual(warningsOf("extends Node\n@rpc\nvar x = 1\n"), [
    '2: @rpc applies only to functions, not to "var": ignored',
  ]);
  t.deepEqual(warningsOf('extends Node\n@rpc @rpc("any_peer")\nfunc f(): pass\n'), [
    '2: @rpc is given twice to "f" (Godot refuses the script); the first is used',
  ]);
});

test("extends takes a res:// path, a relative path, a class name (dotted too) or a native class", (t) => {
  t.deepEqual(parseGDScript('extends "res://a/base.gd"\n', "res://t.gd").extends, {
    kind: "path",
    path: "res://a/base.gd",
    line: 1,
  });
  t.deepEqual(parseGDScript("extends 'base.gd'\n", "res://t.gd").extends, {
    kind: "path",
    path: "base.gd",
    line: 1,
  });
  t.deepEqual(parseGDScript("# head\nextends BaseActor\n", "res://t.gd").extends, {
    kind: "name",
    name: "BaseActor",
    line: 2,
  });
  t.deepEqual(parseGDScript("extends Outer.Inner\n", "res://t.gd").extends, {
    kind: "name",
    name: "Outer.Inner",
    line: 1,
  });
  const both = parseGDScript("@tool\nclass_name Foo extends Node2D\n", "res://t.gd");
  t.is(both.className, "Foo");
  t.deepEqual(both.extends, { kind: "name", name: "Node2D", line: 2 });
  t.is(parseGDScript("extends Node\n", "res://t.gd").className, undefined);
});

const callsOf = (src: string) =>
  Object.fromEntries(
    [...parseGDScript(src, "res://t.gd").functions.values()].flatMap((f) =>
      f.rpcConfigCalls.map((c) => [c.name, c.config]),
    ),
  );

test("literal rpc_config() calls give node-level names: enum constants or numbers, self., StringName, several lines", (t) => {
  const src = `extends Node
func _ready():
	rpc_config("a", {"rpc_mode": MultiplayerAPI.RPC_MODE_ANY_PEER, "call_local": true, "transfer_mode": MultiplayerPeer.TRANSFER_MODE_UNRELIABLE, "channel": 2})
	self.rpc_config(&"b", {
		"rpc_mode": 2,
		"transfer_mode": 1,
		"channel": 4,
	})
	rpc_config("c", {rpc_mode = MultiplayerAPI.RPCMode.RPC_MODE_DISABLED})
	rpc_config("gone", null)
`;
  t.deepEqual(callsOf(src), {
    a: cfg("any_peer", true, "unreliable", 2),
    b: cfg("authority", false, "unreliable_ordered", 4),
    c: cfg("disabled", false, "reliable", 0),
    gone: null,
  });
  t.deepEqual(warningsOf(src), []);
});

test("rpc_config() without rpc_mode is skipped as Godot skips it; calls that are not literal are warned of", (t) => {
  const src = `extends Node
func _ready():
	rpc_config("no_mode", {"call_local": true})
	rpc_config(name_var, {"rpc_mode": 1})
	rpc_config("v", cfg_var)
	$Child.rpc_config("other", {"rpc_mode": 1})
	rpc_config("bad", {"rpc_mode": some_call()})
`;
  t.deepEqual(callsOf(src), {});
  const w = warningsOf(src);
  t.is(w.length, 5);
  t.regex(w[0]!, /^3: rpc_config\("no_mode", …\) has no "rpc_mode"; Godot skips the entry/);
  t.regex(w[1]!, /^4: rpc_config\(name_var/);
  t.regex(w[2]!, /^5: rpc_config\("v", …\): the config is not a dictionary literal/);
  t.regex(w[3]!, /^6: rpc_config\(\) on another object/);
  t.regex(w[4]!, /^7: rpc_config\("bad", …\): cannot evaluate the entry/);
});

test("rpc_config() outside _init, _enter_tree and _ready is counted with a warning that it registers only when run", (t) => {
  const src = 'extends Node\nfunc later():\n\trpc_config("x", {"rpc_mode": 1})\n';
  t.deepEqual(callsOf(src), { x: cfg("any_peer", false, "reliable", 0) });
  t.deepEqual(warningsOf(src), [
    '3: rpc_config("x") in later() is counted, but it registers only once later() runs',
  ]);
});

test("a function that calls super is marked, so the base's version is known to run too", (t) => {
  const fns = parseGDScript(
    "extends Base\nfunc _ready():\n\tsuper()\nfunc other():\n\tpass\n",
    "res://t.gd",
  ).functions;
  t.true(fns.get("_ready")!.callsSuper);
  t.false(fns.get("other")!.callsSuper);
});

test("a byte-order mark before extends does not hide it", (t) => {
  const r = parseGDScript("\uFEFFclass_name Foo extends Node\n@rpc\nfunc a(): pass\n", "res://t.gd");
  t.is(r.className, "Foo");
  t.deepEqual(r.extends, { kind: "name", name: "Node", line: 1 });
});

test("an unterminated string is a warning with its line, not a crash", (t) => {
  const r = parseGDScript('extends Node\n@rpc\nfunc a(): pass\nconst S = "open\n', "res://t.gd");
  t.deepEqual(
    r.rpcs.map((x) => x.name),
    ["a"],
  );
  t.deepEqual(r.warnings, [{ file: "res://t.gd", line: 4, message: "unterminated string" }]);
});

test("any text at all gives a result, never an exception", (t) => {
  const gdLike = fc.array(
    fc.constantFrom(
      "@rpc",
      "(",
      ")",
      '"',
      "'",
      '"""',
      "func ",
      "f",
      ":",
      "\n",
      "\t",
      " ",
      "#",
      "\\",
      "{",
      "}",
      ",",
      "rpc_config",
      "class ",
      "extends ",
      "static ",
      "1",
      "&",
    ),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        gdLike.map((a) => a.join("")),
      ),
      (src) => {
        const r = parseGDScript(src, "res://f.gd");
        return Array.isArray(r.rpcs) && Array.isArray(r.warnings);
      },
    ),
    { numRuns: 2000 },
  );
  t.pass();
});
