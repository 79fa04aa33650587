/**
 * A test-only `WastExecutor` backed by Node's own WebAssembly engine (V8).
 *
 * It exists to test the runner's execution path — value parsing, argument
 * and result conversion, NaN patterns, trap and exhaustion classification —
 * against a real engine before Derrick's runtime exists. It is deliberately
 * small: no v128 across the JS boundary (V8 cannot pass it), and trap
 * messages mapped from V8's wording to the spec's for the common traps.
 */

// WebAssembly (the JS API) is typed by the DOM lib; this helper is test-only and never built.
/// <reference lib="dom" />
import { WastExecutionError, type WastExecutor } from '../src/executor.js';
import type { WasmDecoder } from '../src/decoder.js';
import type { WastValue } from '../src/values.js';

type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

const VALTYPES: Record<number, ValType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};

interface ExportTypes {
  funcs: Map<string, { params: ValType[]; results: ValType[] }>;
  globals: Map<string, ValType>;
}

/** Reads just enough of a binary to know the types of its exported functions and globals. */
function readExportTypes(bytes: Uint8Array): ExportTypes {
  let pos = 8;
  const u32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  const valtype = (): ValType => VALTYPES[bytes[pos++]!]!;
  const limits = () => {
    const flags = bytes[pos++]!;
    u32();
    if (flags & 1) u32();
  };
  const skipConstExpr = () => {
    for (;;) {
      const op = bytes[pos++]!;
      if (op === 0x0b) return;
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) {
        // LEB immediates (signed ones terminate the same way)
        while (bytes[pos++]! & 0x80);
      } else if (op === 0x43) pos += 4;
      else if (op === 0x44) pos += 8;
      else if (op === 0xd0) pos += 1;
      else if (op === 0xfd) {
        u32();
        pos += 16;
      }
    }
  };
  const types: { params: ValType[]; results: ValType[] }[] = [];
  const funcTypes: number[] = [];
  const globalTypes: ValType[] = [];
  const out: ExportTypes = { funcs: new Map(), globals: new Map() };
  while (pos < bytes.length) {
    const id = bytes[pos++]!;
    const size = u32();
    const end = pos + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        pos++; // 0x60
        const params = Array.from({ length: u32() }, valtype);
        const results = Array.from({ length: u32() }, valtype);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const moduleLen = u32(); // (not `pos += u32()`: that reads pos before u32 moves it)
        pos += moduleLen;
        const nameLen = u32();
        pos += nameLen;
        const kind = bytes[pos++]!;
        if (kind === 0) funcTypes.push(u32());
        else if (kind === 1) {
          pos++;
          limits();
        } else if (kind === 2) limits();
        else {
          globalTypes.push(valtype());
          pos++;
        }
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcTypes.push(u32());
    } else if (id === 6) {
      for (let n = u32(); n > 0; n--) {
        globalTypes.push(valtype());
        pos++;
        skipConstExpr();
      }
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const len = u32();
        const name = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(pos, pos + len));
        pos += len;
        const kind = bytes[pos++]!;
        const index = u32();
        if (kind === 0) out.funcs.set(name, types[funcTypes[index]!]!);
        if (kind === 3) out.globals.set(name, globalTypes[index]!);
      }
    }
    pos = end;
  }
  return out;
}

/** V8 compiles the module; any rejection is reported as "invalid" (this decoder cannot tell). */
export const v8Decoder: WasmDecoder = {
  decode(bytes) {
    try {
      return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw { kind: 'validate', message: String(e), offset: 0 };
    }
  },
};

const TRAPS: [RegExp, string][] = [
  [/divide by zero|remainder by zero/, 'integer divide by zero'],
  [/divide result unrepresentable/, 'integer overflow'],
  [/float unrepresentable in integer range/, 'invalid conversion to integer'],
  [/memory access out of bounds/, 'out of bounds memory access'],
  [/unreachable/, 'unreachable'],
  [/table index is out of bounds/, 'undefined element'],
];

function toTrap(e: unknown): never {
  if (e instanceof RangeError && /call stack/i.test(e.message)) throw new WastExecutionError('exhaustion', 'call stack exhausted');
  if (e instanceof WebAssembly.RuntimeError) {
    const mapped = TRAPS.find(([re]) => re.test(e.message));
    throw new WastExecutionError('trap', mapped?.[1] ?? e.message);
  }
  throw e;
}

interface V8Instance {
  readonly instance: WebAssembly.Instance;
  readonly types: ExportTypes;
}

export function v8Executor(): WastExecutor<V8Instance> {
  const view = new DataView(new ArrayBuffer(8));
  const externs = new Map<number, object>();
  const externIds = new Map<object, number>();
  const registry = new Map<string, WebAssembly.Exports>();
  const spectest: Record<string, unknown> = {
    print: () => {},
    print_i32: () => {},
    print_i64: () => {},
    print_f32: () => {},
    print_f64: () => {},
    print_i32_f32: () => {},
    print_f64_f64: () => {},
    global_i32: new WebAssembly.Global({ value: 'i32' }, 666),
    global_i64: new WebAssembly.Global({ value: 'i64' }, 666n),
    global_f32: new WebAssembly.Global({ value: 'f32' }, 666.6),
    global_f64: new WebAssembly.Global({ value: 'f64' }, 666.6),
    table: new WebAssembly.Table({ element: 'anyfunc', initial: 10, maximum: 20 }),
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
  };
  registry.set('spectest', spectest as WebAssembly.Exports);

  const toJs = (v: WastValue): unknown => {
    switch (v.type) {
      case 'i32':
        return v.value;
      case 'i64':
        return v.value;
      case 'f32':
        view.setUint32(0, v.bits);
        return view.getFloat32(0);
      case 'f64':
        view.setBigUint64(0, v.bits);
        return view.getFloat64(0);
      case 'externref': {
        if (v.value === null) return null;
        let obj = externs.get(v.value);
        if (obj === undefined) {
          obj = { externref: v.value };
          externs.set(v.value, obj);
          externIds.set(obj, v.value);
        }
        return obj;
      }
      case 'funcref':
        return v.value;
      case 'v128':
        throw new Error('v128 cannot cross the JS boundary');
    }
  };
  const fromJs = (type: ValType, x: unknown): WastValue => {
    switch (type) {
      case 'i32':
        return { type, value: (x as number) | 0 };
      case 'i64':
        return { type, value: x as bigint };
      case 'f32':
        view.setFloat32(0, x as number);
        return { type, bits: view.getUint32(0) };
      case 'f64':
        view.setFloat64(0, x as number);
        return { type, bits: view.getBigUint64(0) };
      case 'externref':
        return { type, value: x === null ? null : (externIds.get(x as object) ?? -1) };
      case 'funcref':
        return { type, value: x };
      case 'v128':
        throw new Error('v128 cannot cross the JS boundary');
    }
  };

  return {
    async instantiate({ bytes, decoded }) {
      const module = decoded as WebAssembly.Module;
      const imports: Record<string, Record<string, unknown>> = {};
      for (const imp of WebAssembly.Module.imports(module)) {
        const exports = registry.get(imp.module);
        if (exports === undefined || !(imp.name in exports)) throw new WastExecutionError('unlinkable', 'unknown import');
        (imports[imp.module] ??= {})[imp.name] = exports[imp.name];
      }
      try {
        const instance = new WebAssembly.Instance(module, imports as WebAssembly.Imports);
        return { instance, types: readExportTypes(bytes) };
      } catch (e) {
        if (e instanceof WebAssembly.LinkError) throw new WastExecutionError('unlinkable', 'incompatible import type');
        return toTrap(e);
      }
    },
    register(as, { instance }) {
      registry.set(as, instance.exports);
    },
    async invoke({ instance, types }, field, args) {
      const fn = instance.exports[field] as (...a: unknown[]) => unknown;
      const type = types.funcs.get(field);
      if (typeof fn !== 'function' || type === undefined) throw new Error(`no exported function "${field}"`);
      let result: unknown;
      try {
        result = fn(...args.map(toJs));
      } catch (e) {
        return toTrap(e);
      }
      const values = type.results.length === 1 ? [result] : type.results.length === 0 ? [] : (result as unknown[]);
      return type.results.map((t, i) => fromJs(t, values[i]));
    },
    async get({ instance, types }, field) {
      const global = instance.exports[field] as WebAssembly.Global;
      return fromJs(types.globals.get(field)!, global.value);
    },
  };
}
