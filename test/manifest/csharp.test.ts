/**
 * The C# reader follows ScriptManagerBridge: the class named like the file, its instance methods
 * with [Rpc], the attribute's defaults (Authority, CallLocal false, Reliable, channel 0).
 */
import test from "ava";
import fc from "fast-check";
import { parseCSharp } from "../../src/manifest/index.js";

const cfg = (rpc_mode: string, call_local: boolean, transfer_mode: string, channel: number) => ({
  rpc_mode,
  call_local,
  transfer_mode,
  channel,
});

const SRC = `using Godot;
using System;

namespace Game.Net;

[GlobalClass]
public partial class Chat : Godot.Node, IDisposable
{
    [Rpc(MultiplayerApi.RpcMode.AnyPeer, CallLocal = true, TransferMode = MultiplayerPeer.TransferModeEnum.Unreliable, TransferChannel = 1)]
    public void Say(string text) { if (text == "}") { } }

    [Rpc]
    public void Announce(string text) => GD.Print("[Rpc] not an attribute");

    // [Rpc] in a comment
    /* [Rpc] public void InBlockComment() {} */
    public void NotAnRpc() { var s = @"[Rpc] ""quoted"" "; var c = '['; }

    [Export] public int Count { get; set; }

    [Obsolete, Rpc(TransferMode = MultiplayerPeer.TransferModeEnum.UnreliableOrdered)]
    private async System.Threading.Tasks.Task<int> _typing(int[] keys) { return 0; }

    [method: Rpc(mode: MultiplayerApi.RpcMode.Disabled)]
    protected virtual void Off() { }

    [Rpc]
    public static void StaticIgnored() { }

    public partial class Nested : Node
    {
        [Rpc] public void NestedRpc() { }
    }

    public void Dispose() { }
}
`;

test("[Rpc] methods of the class named like the file, with the attribute's defaults and named arguments", (t) => {
  const r = parseCSharp(SRC, "res://net/Chat.cs");
  t.is(r.className, "Chat");
  t.is(r.baseName, "Node");
  t.true(r.globalClass);
  t.deepEqual(Object.fromEntries(r.rpcs.map((x) => [x.name, x.config])), {
    Say: cfg("any_peer", true, "unreliable", 1),
    Announce: cfg("authority", false, "reliable", 0),
    _typing: cfg("authority", false, "unreliable_ordered", 0),
    Off: cfg("disabled", false, "reliable", 0),
  });
});

test("static methods are skipped as Godot skips them, with a warning naming the line", (t) => {
  const r = parseCSharp(SRC, "res://net/Chat.cs");
  t.deepEqual(
    r.warnings.map((w) => `${w.line}: ${w.message}`),
    ['28: [Rpc] on static method "StaticIgnored": Godot ignores it'],
  );
});

test("a class not named like its file is a warning (Godot needs the names to match)", (t) => {
  const r = parseCSharp("public partial class Other : Node { [Rpc] public void A() {} }", "res://Thing.cs");
  t.is(r.className, "Other");
  t.deepEqual(
    r.rpcs.map((x) => x.name),
    ["A"],
  );
  t.deepEqual(
    r.warnings.map((w) => w.message),
    ['class "Other" is not named like the file; Godot needs "Thing"'],
  );
});

test("any text at all gives a result, never an exception", (t) => {
  const csLike = fc.array(
    fc.constantFrom(
      "[Rpc",
      "]",
      "(",
      ")",
      "{",
      "}",
      '"',
      '@"',
      '$"',
      "'",
      "//",
      "/*",
      "*/",
      "class ",
      "A",
      " : ",
      "static ",
      "void ",
      "\n",
      "=",
    ),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        csLike.map((a) => a.join("")),
      ),
      (src) => Array.isArray(parseCSharp(src, "res://A.cs").rpcs),
    ),
    { numRuns: 2000 },
  );
  t.pass();
});
