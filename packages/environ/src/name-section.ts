/**
 * The `name` custom section (spec appendix "Custom Sections"): the module
 * name (subsection 0), function names (1) and local names (2).
 *
 * A custom section never makes a module malformed, so a `name` section that
 * fails to decode is dropped as a whole: `parseNameSection` returns
 * `undefined` and the module decodes as if the section were absent. Other
 * subsections (ids ≥ 3, from later proposals) are skipped.
 *
 * Rules checked: subsections appear at most once and in increasing id order,
 * each is exactly as long as its size says, names are valid UTF-8, and the
 * indices of a name map are strictly increasing.
 */
import { BinaryReader } from './binary-reader.js';
import { DecodeError, WasmError } from './errors.js';
import type { Names } from './module-translation.js';

export const EMPTY_NAMES: Names = {
  moduleName: undefined,
  functionNames: new Map(),
  localNames: new Map(),
};

/** Parse the payload `bytes[start, end)` of a `name` section; `undefined` if it is malformed. */
export function parseNameSection(bytes: Uint8Array, start: number, end: number): Names | undefined {
  try {
    return parse(new BinaryReader(bytes, start, end));
  } catch (e) {
    if (e instanceof WasmError) return undefined;
    throw e;
  }
}

function parse(r: BinaryReader): Names {
  let moduleName: string | undefined;
  let functionNames: Map<number, string> = new Map();
  const localNames = new Map<number, Map<number, string>>();
  let lastId = -1;
  while (!r.atEnd) {
    const idAt = r.pos;
    const id = r.readU8();
    const size = r.readLength();
    const subEnd = r.pos + size;
    if (subEnd > r.end) r.unexpectedEnd(r.end);
    if (id <= 2) {
      if (id <= lastId) throw new DecodeError('malformed name section', idAt, `subsection ${id} out of order`);
      lastId = id;
      const sub = new BinaryReader(r.bytes, r.pos, subEnd);
      if (id === 0) {
        moduleName = sub.readName();
      } else if (id === 1) {
        functionNames = readNameMap(sub);
      } else {
        const n = sub.readVarU32();
        let last = -1;
        for (let i = 0; i < n; i++) {
          const at = sub.pos;
          const funcIndex = sub.readVarU32();
          if (funcIndex <= last) throw new DecodeError('malformed name section', at, 'indices out of order');
          last = funcIndex;
          localNames.set(funcIndex, readNameMap(sub));
        }
      }
      if (!sub.atEnd) throw new DecodeError('malformed name section', sub.pos, 'subsection size mismatch');
    }
    r.pos = subEnd;
  }
  return { moduleName, functionNames, localNames };
}

function readNameMap(r: BinaryReader): Map<number, string> {
  const map = new Map<number, string>();
  const n = r.readVarU32();
  let last = -1;
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const index = r.readVarU32();
    if (index <= last) throw new DecodeError('malformed name section', at, 'indices out of order');
    last = index;
    map.set(index, r.readName());
  }
  return map;
}
