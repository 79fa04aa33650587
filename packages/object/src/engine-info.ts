/**
 * Engine compatibility info (`.derrick.engine`): everything about the engine
 * that compiled an image which the engine loading it must agree with.
 *
 * ```text
 *   u32    version = 1        -- (stable-prefix) these two fields keep their
 *   string derrickVersion     --   layout in every future version
 *   string target             -- target triple, e.g. "x86_64-unknown-linux"
 *   u32 n; n × (string name, string value)   -- shared (ISA-independent) flags
 *   u32 n; n × (string name, string value)   -- ISA flags
 *   u32 n; n × string                        -- enabled wasm features
 *   string := u32 byteLength, UTF-8 bytes
 * ```
 *
 * Flags are stored as `name=value` strings exactly as the settings system
 * prints them ("opt_level" = "speed", "has_avx2" = "true"), and features by
 * name, so that a loader can say *which* setting differs ("module was
 * compiled with has_avx2=true, but the host lacks avx2") without this package
 * knowing what any setting means. The comparison policy (which flags must be
 * equal, which only need host support, which don't matter) belongs to the
 * runtime; `diffEngineInfo` only lists the differences.
 *
 * Invariant (stable-prefix): the version and the Derrick version string come
 * first in every version of this format, so a loader that meets a newer or
 * older format can still name the Derrick release that wrote it.
 * Invariant (canonical-metadata, see `metadata.ts`): flags and features are
 * sorted by name (UTF-16 code unit order, JS `<`) and unique; the encoder sorts
 * and the decoder insists, so equal infos have equal bytes regardless of the
 * order the flags were set in.
 */
import { ByteReader, ByteWriter } from './bytes.js';
import { ObjectError, quote } from './error.js';
import { DerrickSection, readCount, type DecodeContext } from './metadata.js';

export const ENGINE_INFO_VERSION = 1;

export interface EngineInfo {
  /** The Derrick release that compiled the image, e.g. "0.1.0". */
  readonly derrickVersion: string;
  /** Target triple, e.g. "x86_64-unknown-linux" or "aarch64-unknown-linux". */
  readonly target: string;
  /** Shared (ISA-independent) code generator flags, name → value. */
  readonly sharedFlags: Readonly<Record<string, string>>;
  /** ISA-specific flags, name → value. */
  readonly isaFlags: Readonly<Record<string, string>>;
  /** Enabled WebAssembly features, by name. */
  readonly wasmFeatures: readonly string[];
}

/** One way two `EngineInfo`s differ. */
export type EngineInfoDifference =
  | { readonly field: 'derrickVersion' | 'target'; readonly expected: string; readonly actual: string }
  | {
      readonly field: 'sharedFlag' | 'isaFlag';
      readonly name: string;
      /** `undefined` when the flag is absent on that side. */
      readonly expected: string | undefined;
      readonly actual: string | undefined;
    }
  | { readonly field: 'wasmFeature'; readonly name: string; readonly expected: boolean; readonly actual: boolean };

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function checkString(s: unknown, what: string, allowEmpty: boolean): asserts s is string {
  if (typeof s !== 'string' || (!allowEmpty && s.length === 0)) {
    throw new ObjectError('invalid-input', `${what} must be a ${allowEmpty ? '' : 'non-empty '}string, got ${JSON.stringify(s)}`);
  }
}

export function encodeEngineInfo(info: EngineInfo): Uint8Array {
  checkString(info.derrickVersion, 'derrickVersion', false);
  checkString(info.target, 'target', false);
  const w = new ByteWriter(256);
  w.u32(ENGINE_INFO_VERSION);
  w.string(info.derrickVersion, 'derrickVersion');
  w.string(info.target, 'target');
  for (const [group, flags] of [
    ['shared flag', info.sharedFlags],
    ['ISA flag', info.isaFlags],
  ] as const) {
    const names = Object.keys(flags).sort(byName);
    w.u32(names.length);
    for (const name of names) {
      checkString(name, `${group} name`, false);
      const value = flags[name];
      checkString(value, `value of ${group} ${name}`, true);
      w.string(name, `${group} name`);
      w.string(value, `value of ${group} ${name}`);
    }
  }
  const features = [...info.wasmFeatures].sort(byName);
  w.u32(features.length);
  features.forEach((f, i) => {
    checkString(f, 'wasm feature name', false);
    if (i > 0 && features[i - 1] === f) throw new ObjectError('invalid-input', `wasm feature ${JSON.stringify(f)} is listed twice`);
    w.string(f, 'wasm feature name');
  });
  return w.finish();
}

export function decodeEngineInfo(bytes: Uint8Array, ctx: DecodeContext = {}): EngineInfo {
  const section = DerrickSection.engine;
  const r = new ByteReader(bytes, `${section} section`, ctx.fileOffset ?? 0);
  const versionAt = r.fileOffset;
  const version = r.u32('the format version');
  if (version !== ENGINE_INFO_VERSION) {
    // (stable-prefix): the writer's release is readable whatever the version.
    let writtenBy = '';
    try {
      writtenBy = ` (written by Derrick ${quote(r.string('derrickVersion'))})`;
    } catch {
      // The prefix is damaged too; report the version alone.
    }
    throw new ObjectError(
      'version-mismatch',
      `${section} section has format version ${version}${writtenBy}, but this build of Derrick reads version ${ENGINE_INFO_VERSION}; recompile the module`,
      versionAt,
    );
  }
  const nonEmpty = (field: string): string => {
    const at = r.fileOffset;
    const s = r.string(field);
    if (s.length === 0) throw new ObjectError('malformed', `${r.what}: ${field} is empty`, at);
    return s;
  };
  const derrickVersion = nonEmpty('derrickVersion');
  const target = nonEmpty('target');
  const readFlags = (group: string): Record<string, string> => {
    const n = readCount(r, 8, group);
    const pairs: [string, string][] = [];
    for (let i = 0; i < n; i++) {
      const at = r.fileOffset;
      const name = r.string(`${group} name`);
      const value = r.string(`the value of ${group} ${quote(name)}`);
      if (name.length === 0) throw new ObjectError('malformed', `${r.what}: ${group} ${i} has an empty name`, at);
      const prev = pairs[i - 1];
      if (prev !== undefined && !(prev[0] < name)) {
        throw new ObjectError('malformed', `${r.what}: ${group} ${quote(name)} is out of order or repeated after ${quote(prev[0])}`, at);
      }
      pairs.push([name, value]);
    }
    // fromEntries defines own properties, so a flag named "__proto__" stays a flag.
    return Object.fromEntries(pairs);
  };
  const sharedFlags = readFlags('shared flag');
  const isaFlags = readFlags('ISA flag');
  const n = readCount(r, 4, 'wasm feature');
  const wasmFeatures: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.fileOffset;
    const f = r.string('wasm feature name');
    if (f.length === 0) throw new ObjectError('malformed', `${r.what}: wasm feature ${i} has an empty name`, at);
    const prev = wasmFeatures[i - 1];
    if (prev !== undefined && !(prev < f)) {
      throw new ObjectError('malformed', `${r.what}: wasm feature ${quote(f)} is out of order or repeated after ${quote(prev)}`, at);
    }
    wasmFeatures.push(f);
  }
  r.expectEnd();
  return { derrickVersion, target, sharedFlags, isaFlags, wasmFeatures };
}

/**
 * Every difference between the info an image was compiled with (`actual`,
 * decoded from the image) and the one the loading engine has (`expected`),
 * in a fixed order: version, target, shared flags, ISA flags, features (each
 * group sorted by name). Empty when they are equal. Policy-free: the loader
 * decides which differences matter.
 */
export function diffEngineInfo(expected: EngineInfo, actual: EngineInfo): EngineInfoDifference[] {
  const out: EngineInfoDifference[] = [];
  if (expected.derrickVersion !== actual.derrickVersion) {
    out.push({ field: 'derrickVersion', expected: expected.derrickVersion, actual: actual.derrickVersion });
  }
  if (expected.target !== actual.target) out.push({ field: 'target', expected: expected.target, actual: actual.target });
  for (const [field, e, a] of [
    ['sharedFlag', expected.sharedFlags, actual.sharedFlags],
    ['isaFlag', expected.isaFlags, actual.isaFlags],
  ] as const) {
    const names = [...new Set([...Object.keys(e), ...Object.keys(a)])].sort(byName);
    for (const name of names) {
      const ev = Object.hasOwn(e, name) ? e[name] : undefined;
      const av = Object.hasOwn(a, name) ? a[name] : undefined;
      if (ev !== av) out.push({ field, name, expected: ev, actual: av });
    }
  }
  const ef = new Set(expected.wasmFeatures);
  const af = new Set(actual.wasmFeatures);
  for (const name of [...new Set([...ef, ...af])].sort(byName)) {
    if (ef.has(name) !== af.has(name)) out.push({ field: 'wasmFeature', name, expected: ef.has(name), actual: af.has(name) });
  }
  return out;
}
