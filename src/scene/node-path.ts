/** Node paths as both engines send them: relative to /root. */

/** "/root/Game/Players" and "Game/Players/" both name the node Godot sends as "Game/Players". */
export function normalizeNodePath(path: string): string {
  let p = path.trim();
  if (p.startsWith("/root/")) p = p.slice("/root/".length);
  else if (p.startsWith("/")) throw new RangeError(`node path ${JSON.stringify(path)} is not under /root`);
  p = p.replace(/\/+$/, "");
  if (p === "" || p.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new RangeError(`not a node path below /root: ${JSON.stringify(path)}`);
  }
  return p;
}
