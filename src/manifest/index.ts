/**
 * The RPC manifest of a Godot 4 project (`godot-peer manifest`): which RPC names each node
 * answers to, read from the project's sources (or, with --engine, from Godot itself).
 */
export { type ParsedCSharp, parseCSharp } from "./csharp.js";
export {
  ENGINE_DUMP_MARK,
  ENGINE_DUMP_NAME,
  ENGINE_DUMP_SCRIPT,
  manifestFromEngineDump,
  manifestFromEngineOutput,
} from "./engine.js";
export { formatWarning, ManifestError, ManifestErrorKind, type ManifestWarning } from "./errors.js";
export {
  type DeclaredFunction,
  type DeclaredRpc,
  type ExtendsClause,
  LIFECYCLE_FUNCTIONS,
  type ParsedGDScript,
  parseGDScript,
  type RpcConfigCall,
} from "./gdscript.js";
export { stringifyManifest } from "./json.js";
export { type ManifestResult, type ReadOptions, readProjectFile, readProjectManifest } from "./reader.js";
export { parseReplicationConfigResource, replicationProperties } from "./replication.js";
export { compareCodePoints, configFromDictionary, RPC_MODES, TRANSFER_MODES } from "./rpc-config.js";
export { expandScene, type ParsedScene, parseScene, type SceneNode } from "./scene.js";
export { type ParsedTextResource, parseTextResource, type TextValue } from "./text-resource.js";
