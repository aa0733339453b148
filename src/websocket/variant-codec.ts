/** The Variant codec this layer uses for put_var/get_var (Godot 3 dialect, objects never allowed). */
export { DecodeError, getVar, putVar, type Variant } from "../variant/index.js";
