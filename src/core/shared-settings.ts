/**
 * `s` itself (frozen), or `defaults` when every field equals it: a swarm's thousands of peers or
 * clients built with the defaults then keep one settings object, not one each.
 */
export function sharedSettings<T extends object>(s: T, defaults: T): T {
  for (const k of Object.keys(defaults) as (keyof T)[]) if (s[k] !== defaults[k]) return Object.freeze(s);
  return defaults;
}
