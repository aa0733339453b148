using Godot;

// C#: read by the static reader only (the Debian Godot has no Mono). Not attached to a scene.
public partial class Chat : Node
{
    [Rpc(MultiplayerApi.RpcMode.AnyPeer, CallLocal = true, TransferMode = MultiplayerPeer.TransferModeEnum.Unreliable, TransferChannel = 1)]
    public void Say(string text) { }

    [Rpc]
    public void Announce(string text) { }

    // [Rpc] in a comment does not count.
    public void NotAnRpc() { var s = "[Rpc] in a string"; }

    [Rpc(TransferMode = MultiplayerPeer.TransferModeEnum.UnreliableOrdered)]
    private void _typing() { }

    [Rpc]
    public static void StaticIgnored() { }
}
