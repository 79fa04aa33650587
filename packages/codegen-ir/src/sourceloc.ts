/**
 * Source locations.
 *
 * A `SourceLoc` is an opaque 32-bit location in the input (for Derrick: a
 * byte offset in the wasm binary). A `RelSourceLoc` is a `SourceLoc` made
 * relative to the function's *base* location, which lives in
 * `FunctionParameters`. The stencil only ever holds relative locations, so
 * two identical function bodies at different module offsets produce equal
 * stencils (mission M5).
 *
 * Both are plain numbers in 0..0xffff_ffff; `0xffff_ffff` is the default
 * ("no location"). Relative locations use wrapping arithmetic, so a location
 * before the base still round-trips. Text: `@0012` (four or more hex digits).
 */

export type SourceLoc = number;
export type RelSourceLoc = number;

/** The default ("unknown") location, for both kinds. */
export const DEFAULT_SRCLOC = 0xffff_ffff;

export function isDefaultSrcLoc(loc: number): boolean {
  return loc === DEFAULT_SRCLOC;
}

/** `loc − base` (wrapping); default if either is default. */
export function relFromBase(base: SourceLoc, loc: SourceLoc): RelSourceLoc {
  if (base === DEFAULT_SRCLOC || loc === DEFAULT_SRCLOC) return DEFAULT_SRCLOC;
  return (loc - base) >>> 0;
}

/** `base + rel` (wrapping); default if either is default. */
export function expandRel(rel: RelSourceLoc, base: SourceLoc): SourceLoc {
  if (base === DEFAULT_SRCLOC || rel === DEFAULT_SRCLOC) return DEFAULT_SRCLOC;
  return (base + rel) >>> 0;
}

/** `@0012`, or `@-` for the default. */
export function formatSrcLoc(loc: SourceLoc): string {
  return loc === DEFAULT_SRCLOC ? '@-' : '@' + loc.toString(16).padStart(4, '0');
}
