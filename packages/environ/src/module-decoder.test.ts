import { describe, expect, it } from 'vitest';
import { DecodeError, ValidationError, WasmError } from './errors.js';
import { decodeModule, validate, validationError } from './module-decoder.js';
import { Opcode } from './opcodes.js';
import { OperatorReader } from './operator-reader.js';
import {
  EXTERNREF,
  F32,
  F64,
  FUNCREF,
  I32,
  I64,
  V128,
  body,
  codeSection,
  customSection,
  dataCountSection,
  dataSection,
  elemSection,
  exportEntry,
  exportSection,
  f32Const,
  f64Const,
  funcModule,
  funcSection,
  funcType,
  global,
  globalGet,
  globalSection,
  i32Const,
  i64Const,
  importEntry,
  importSection,
  limits,
  memorySection,
  misc,
  name,
  refFunc,
  refNull,
  section,
  simd,
  startSection,
  tableSection,
  typeSection,
  u32,
  vec,
  wasmModule,
} from './test-support/wasm-builder.js';
import { ExternalKind, ValType } from './types.js';

function errorOf(bytes: Uint8Array): WasmError {
  const e = validationError(bytes);
  if (e === undefined) throw new Error('expected the module to be rejected');
  return e;
}

function expectMalformed(bytes: Uint8Array, reason: string): DecodeError {
  const e = errorOf(bytes);
  expect(e, e.message).toBeInstanceOf(DecodeError);
  expect(e.kind).toBe('decode');
  expect(e.message).toContain(reason);
  return e as DecodeError;
}

function expectInvalid(bytes: Uint8Array, reason: string): ValidationError {
  const e = errorOf(bytes);
  expect(e, e.message).toBeInstanceOf(ValidationError);
  expect(e.kind).toBe('validate');
  expect(e.message).toContain(reason);
  return e as ValidationError;
}

const oneFunc = (code: number[] = []) => [typeSection([funcType([], [])]), funcSection([0]), codeSection([body([], code)])];

describe('header', () => {
  it('accepts the empty module', () => {
    const m = decodeModule(wasmModule());
    expect(m.types).toEqual([]);
    expect(m.numFuncs).toBe(0);
    expect(m.start).toBeUndefined();
  });
  it('rejects bad magic, versions and truncation', () => {
    expectMalformed(new Uint8Array(0), 'unexpected end');
    expectMalformed(Uint8Array.from([0x00, 0x61, 0x73]), 'unexpected end');
    expectMalformed(Uint8Array.from([0x00, 0x41, 0x53, 0x4d, 1, 0, 0, 0]), 'magic header not detected');
    expectMalformed(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0]), 'unexpected end');
    const e = expectMalformed(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), 'unknown binary version');
    expect(e.offset).toBe(4);
  });
  it('formats messages as "reason: detail (at offset 0x..)"', () => {
    const e = errorOf(wasmModule([0x0d, 0x00]));
    expect(e.message).toMatch(/^malformed section id: id 13 \(at offset 0x8\)$/);
    expect(e.reason).toBe('malformed section id');
    expect(e.offset).toBe(8);
  });
});

describe('section framing', () => {
  it('rejects unknown ids, out-of-order and duplicate sections', () => {
    expectMalformed(wasmModule([0x0d, 0x00]), 'malformed section id');
    expectMalformed(wasmModule([0x80, 0x00]), 'malformed section id');
    expectMalformed(wasmModule(funcSection([]), typeSection([])), 'unexpected content after last section');
    expectMalformed(wasmModule(typeSection([]), typeSection([])), 'unexpected content after last section');
    expectMalformed(wasmModule(startSection(0), startSection(0)), 'unexpected content after last section');
    // datacount goes between element and code.
    decodeModule(wasmModule(elemSection([]), dataCountSection(0), codeSection([])));
    expectMalformed(wasmModule(codeSection([]), dataCountSection(0)), 'unexpected content after last section');
  });
  it('allows custom sections anywhere', () => {
    const m = decodeModule(wasmModule(customSection('a', [1, 2]), typeSection([]), customSection('b', []), dataSection([]), customSection('c', [3])));
    expect(m.customSections.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect([...m.customSectionBytes(m.customSections[0]!)]).toEqual([1, 2]);
    expect([...m.customSectionBytes(m.customSections[2]!)]).toEqual([3]);
  });
  it('checks section sizes', () => {
    // A type section that claims one byte more than it has.
    const types = vec([funcType([], [])]);
    expectMalformed(wasmModule([1, types.length + 1, ...types, 0x00]), 'section size mismatch');
    expectMalformed(wasmModule([1, types.length - 1, ...types]), 'section size mismatch');
    expectMalformed(wasmModule([1, 0x10, 0x00]), 'length out of bounds');
    // Vector counts get the same check as lengths, as in the reference.
    expectMalformed(wasmModule([1, 0x02, 0x05, 0x60]), 'length out of bounds');
    expectMalformed(wasmModule([0, 0x00]), 'unexpected end');
    expectMalformed(wasmModule([0, 0x02, 0x05, 0x61]), 'length out of bounds');
    // A name that passes the length check but overruns its section.
    expectMalformed(wasmModule([0, 0x01, 0x01, 0x61, 0x62]), 'unexpected end');
  });
  it('rejects malformed UTF-8 in custom section names, imports and exports', () => {
    expectMalformed(wasmModule(section(0, [0x01, 0xff])), 'malformed UTF-8 encoding');
    expectMalformed(wasmModule(importSection([[0x01, 0x80, 0x00, 0x02, 0x00, 0x00]])), 'malformed UTF-8 encoding');
    expectMalformed(wasmModule(exportSection([[0x02, 0xc0, 0x80, 0x00, 0x00]])), 'malformed UTF-8 encoding');
  });
});

describe('type, import, function, table, memory, global sections', () => {
  it('decodes function types', () => {
    const m = decodeModule(wasmModule(typeSection([funcType([I32, I64], [F32]), funcType([], [F64, V128, FUNCREF, EXTERNREF])])));
    expect(m.types).toEqual([
      { params: [ValType.I32, ValType.I64], results: [ValType.F32] },
      { params: [], results: [ValType.F64, ValType.V128, ValType.FuncRef, ValType.ExternRef] },
    ]);
  });
  it('rejects malformed types', () => {
    expectMalformed(wasmModule(typeSection([[0x61, 0, 0]])), 'malformed function type');
    expectMalformed(wasmModule(typeSection([[0xe0, 0x7f, 0, 0]])), 'integer representation too long');
    expectMalformed(wasmModule(typeSection([[0x60, 1, 0x7a, 0]])), 'malformed value type');
  });
  it('decodes imports of every kind into the index spaces, imports first', () => {
    const m = decodeModule(
      wasmModule(
        typeSection([funcType([I32], [])]),
        importSection([
          importEntry('env', 'f', [0x00, 0x00]),
          importEntry('env', 't', [0x01, FUNCREF, ...limits(1, 10)]),
          importEntry('env', 'm', [0x02, ...limits(1)]),
          importEntry('env', 'g', [0x03, I64, 0x01]),
        ]),
        funcSection([0]),
        globalSection([global(I32, false, i32Const(7))]),
        codeSection([body([], [])]),
      ),
    );
    expect(m.imports.map((i) => [i.module, i.name, i.desc.kind, i.index])).toEqual([
      ['env', 'f', ExternalKind.Func, 0],
      ['env', 't', ExternalKind.Table, 0],
      ['env', 'm', ExternalKind.Memory, 0],
      ['env', 'g', ExternalKind.Global, 0],
    ]);
    expect(m.imports[1]!.desc).toEqual({ kind: ExternalKind.Table, type: { elemType: ValType.FuncRef, limits: { min: 1, max: 10 } } });
    expect([...m.functions]).toEqual([0, 0]);
    expect(m.numImportedFuncs).toBe(1);
    expect(m.isImportedFunc(0)).toBe(true);
    expect(m.numDefinedFuncs).toBe(1);
    expect(m.funcType(1)).toEqual({ params: [ValType.I32], results: [] });
    expect(m.globals).toEqual([
      { valType: ValType.I64, mutable: true },
      { valType: ValType.I32, mutable: false },
    ]);
    expect(m.numImportedGlobals).toBe(1);
    expect(m.globalInits[0]!.instrs).toEqual([{ op: Opcode.I32Const, value: 7 }]);
    expect(m.memories).toEqual([{ limits: { min: 1, max: undefined } }]);
    expect(m.functionBody(1).funcIndex).toBe(1);
  });
  it('rejects malformed import kinds, mutability, reference types, limits', () => {
    expectMalformed(wasmModule(importSection([importEntry('a', 'b', [0x04])])), 'malformed import kind');
    expectMalformed(wasmModule(importSection([importEntry('a', 'b', [0x03, I32, 0x02])])), 'malformed mutability');
    expectMalformed(wasmModule(tableSection([[I32, ...limits(0)]])), 'malformed reference type');
    expectMalformed(wasmModule(tableSection([[FUNCREF, 0x02, 0x00]])), 'integer too large');
    expectMalformed(wasmModule(memorySection([[0x81, 0x00, 0x00]])), 'integer representation too long');
    expectMalformed(wasmModule(memorySection([[0x00, 0x82, 0x80, 0x80, 0x80, 0x70]])), 'integer too large');
  });
  it('validates limits', () => {
    expectInvalid(wasmModule(memorySection([limits(65537)])), 'memory size must be at most 65536 pages (4GiB)');
    expectInvalid(wasmModule(memorySection([limits(0, 65537)])), 'memory size must be at most 65536 pages (4GiB)');
    expectInvalid(wasmModule(memorySection([limits(2, 1)])), 'size minimum must not be greater than maximum');
    expectInvalid(wasmModule(tableSection([[FUNCREF, ...limits(2, 1)]])), 'size minimum must not be greater than maximum');
    decodeModule(wasmModule(memorySection([limits(65536, 65536)])));
    decodeModule(wasmModule(tableSection([[FUNCREF, ...limits(0xffffffff)]])));
    expectInvalid(wasmModule(memorySection([limits(1), limits(1)])), 'multiple memories');
    expectInvalid(wasmModule(importSection([importEntry('a', 'm', [0x02, ...limits(0)])]), memorySection([limits(1)])), 'multiple memories');
    // Several tables are fine in wasm 2.0.
    expect(decodeModule(wasmModule(tableSection([[FUNCREF, ...limits(0)], [EXTERNREF, ...limits(0)]]))).tables.length).toBe(2);
  });
  it('validates type indices of functions', () => {
    expectInvalid(wasmModule(funcSection([0]), codeSection([body([], [])])), 'unknown type');
    expectInvalid(wasmModule(importSection([importEntry('a', 'f', [0x00, 0x01])])), 'unknown type');
  });
});

describe('constant expressions', () => {
  const glob = (type: number, init: number[], extra: number[][] = []) => wasmModule(...extra, globalSection([global(type, false, init)]));
  it('decodes every constant instruction', () => {
    const m = decodeModule(
      wasmModule(
        importSection([importEntry('a', 'g', [0x03, I32, 0x00])]),
        globalSection([
          global(I64, false, i64Const(-5n)),
          global(F32, false, f32Const(0x7fc00001)),
          global(F64, false, f64Const(0x7ff8000000000001n)),
          global(V128, false, simd(0x0c, ...Array<number>(16).fill(0xab))),
          global(EXTERNREF, false, refNull(EXTERNREF)),
          global(I32, false, globalGet(0)),
        ]),
      ),
    );
    expect(m.globalInits.map((g) => g.instrs[0])).toEqual([
      { op: Opcode.I64Const, value: -5n },
      { op: Opcode.F32Const, bits: 0x7fc00001 },
      { op: Opcode.F64Const, bits: 0x7ff8000000000001n },
      { op: Opcode.V128Const, bytes: new Uint8Array(16).fill(0xab) },
      { op: Opcode.RefNull, type: ValType.ExternRef },
      { op: Opcode.GlobalGet, globalIndex: 0 },
    ]);
    const init = m.globalInits[0]!;
    expect(m.bytes[init.end - 1]).toBe(0x0b);
  });
  it('requires constant instructions', () => {
    expectInvalid(glob(I32, [...i32Const(1), ...i32Const(2), 0x6a]), 'constant expression required');
    expectInvalid(glob(I32, [0x01]), 'constant expression required');
    expectInvalid(glob(I32, [0x20, 0x00]), 'constant expression required');
    expectInvalid(glob(I32, [0x02, 0x40, 0x0b, ...i32Const(0)]), 'constant expression required');
    expectInvalid(glob(I32, [...globalGet(0)], [importSection([importEntry('a', 'g', [0x03, I32, 0x01])])]), 'constant expression required');
  });
  it('types constant expressions', () => {
    expectInvalid(glob(I32, i64Const(0n)), 'type mismatch');
    expectInvalid(glob(I32, []), 'type mismatch');
    expectInvalid(glob(I32, [...i32Const(0), ...i32Const(0)]), 'type mismatch');
    expectInvalid(glob(FUNCREF, refNull(EXTERNREF)), 'type mismatch');
  });
  it('lets global.get see only imported globals (wasm 2.0)', () => {
    expectInvalid(wasmModule(globalSection([global(I32, false, i32Const(0)), global(I32, false, globalGet(0))])), 'unknown global');
    expectInvalid(glob(I32, globalGet(0)), 'unknown global');
  });
  it('checks ref.func indices', () => {
    expectInvalid(glob(FUNCREF, refFunc(0)), 'unknown function');
  });
  it('decodes the structure of non-constant expressions before rejecting them', () => {
    expectMalformed(glob(I32, [0x05]), 'END opcode expected');
    expectMalformed(glob(I32, [0x06]), 'illegal opcode');
  });
});

describe('exports and start', () => {
  const base = [typeSection([funcType([], []), funcType([I32], [])]), funcSection([0, 1])];
  const code = codeSection([body([], []), body([], [])]);
  it('decodes exports', () => {
    const m = decodeModule(wasmModule(...base, exportSection([exportEntry('f', 0, 1), exportEntry('', 0, 0)]), code));
    expect(m.exports).toEqual([
      { name: 'f', kind: ExternalKind.Func, index: 1 },
      { name: '', kind: ExternalKind.Func, index: 0 },
    ]);
    expect(m.getExport('f')?.index).toBe(1);
  });
  it('rejects unknown entities, duplicate names and kinds', () => {
    expectInvalid(wasmModule(...base, exportSection([exportEntry('f', 0, 2)]), code), 'unknown function 2');
    expectInvalid(wasmModule(...base, exportSection([exportEntry('t', 1, 0)]), code), 'unknown table 0');
    expectInvalid(wasmModule(...base, exportSection([exportEntry('m', 2, 0)]), code), 'unknown memory 0');
    expectInvalid(wasmModule(...base, exportSection([exportEntry('g', 3, 0)]), code), 'unknown global 0');
    expectInvalid(wasmModule(...base, exportSection([exportEntry('a', 0, 0), exportEntry('a', 0, 1)]), code), 'duplicate export name');
    expectMalformed(wasmModule(...base, exportSection([exportEntry('a', 4, 0)]), code), 'malformed export kind');
  });
  it('checks the start function', () => {
    expect(decodeModule(wasmModule(...base, startSection(0), code)).start).toBe(0);
    expectInvalid(wasmModule(...base, startSection(1), code), 'start function');
    expectInvalid(wasmModule(...base, startSection(2), code), 'unknown function');
  });
});

describe('element segments', () => {
  const pre = [typeSection([funcType([], [])]), funcSection([0, 0]), tableSection([[FUNCREF, ...limits(4)], [EXTERNREF, ...limits(4)]])];
  const code = codeSection([body([], []), body([], [])]);
  const offset = [...i32Const(1), 0x0b];
  it('decodes all eight encodings', () => {
    const m = decodeModule(
      wasmModule(
        ...pre,
        elemSection([
          [0x00, ...offset, ...vec([u32(0), u32(1)])],
          [0x01, 0x00, ...vec([u32(1)])],
          [0x02, 0x00, ...offset, 0x00, ...vec([u32(0)])],
          [0x03, 0x00, ...vec([u32(1)])],
          [0x04, ...offset, ...vec([[...refFunc(0), 0x0b], [...refNull(FUNCREF), 0x0b]])],
          [0x05, EXTERNREF, ...vec([[...refNull(EXTERNREF), 0x0b]])],
          [0x06, 0x01, ...offset, EXTERNREF, ...vec([])],
          [0x07, FUNCREF, ...vec([[...refFunc(1), 0x0b]])],
        ]),
        code,
      ),
    );
    const e = m.elements;
    expect(e.map((s) => [s.mode, s.tableIndex, s.elemType, s.items.kind])).toEqual([
      ['active', 0, ValType.FuncRef, 'functions'],
      ['passive', 0, ValType.FuncRef, 'functions'],
      ['active', 0, ValType.FuncRef, 'functions'],
      ['declarative', 0, ValType.FuncRef, 'functions'],
      ['active', 0, ValType.FuncRef, 'exprs'],
      ['passive', 0, ValType.ExternRef, 'exprs'],
      ['active', 1, ValType.ExternRef, 'exprs'],
      ['declarative', 0, ValType.FuncRef, 'exprs'],
    ]);
    const items0 = e[0]!.items;
    expect(items0.kind === 'functions' && [...items0.indices]).toEqual([0, 1]);
    expect(e[0]!.offset!.instrs).toEqual([{ op: Opcode.I32Const, value: 1 }]);
    expect(e[1]!.offset).toBeNull();
    const items4 = e[4]!.items;
    expect(items4.kind === 'exprs' && items4.exprs.map((x) => x.instrs[0])).toEqual([
      { op: Opcode.RefFunc, funcIndex: 0 },
      { op: Opcode.RefNull, type: ValType.FuncRef },
    ]);
  });
  it('rejects malformed and invalid segments', () => {
    expectMalformed(wasmModule(...pre, elemSection([[0x08]]), code), 'malformed elements segment kind');
    expectMalformed(wasmModule(...pre, elemSection([[0x01, 0x01, 0x00]]), code), 'malformed element kind');
    expectMalformed(wasmModule(...pre, elemSection([[0x05, I32, 0x00]]), code), 'malformed reference type');
    expectInvalid(wasmModule(...pre, elemSection([[0x00, ...offset, ...vec([u32(5)])]]), code), 'unknown function 5');
    expectInvalid(wasmModule(...pre, elemSection([[0x02, 0x05, ...offset, 0x00, 0x00]]), code), 'unknown table 5');
    expectInvalid(wasmModule(...pre, elemSection([[0x02, 0x01, ...offset, 0x00, 0x00]]), code), 'type mismatch');
    expectInvalid(wasmModule(...pre, elemSection([[0x00, ...i64Const(0n), 0x0b, 0x00]]), code), 'type mismatch');
    expectInvalid(wasmModule(...pre, elemSection([[0x05, EXTERNREF, ...vec([[...refFunc(0), 0x0b]])]]), code), 'type mismatch');
  });
});

describe('data segments and data count', () => {
  const mem = memorySection([limits(1)]);
  it('decodes the three encodings with byte ranges', () => {
    const m = decodeModule(
      wasmModule(mem, dataSection([[0x00, ...i32Const(8), 0x0b, ...vec([[1], [2]])], [0x01, ...vec([[3]])], [0x02, 0x00, ...i32Const(0), 0x0b, ...vec([])]])),
    );
    expect(m.data.map((d) => [d.mode, d.memoryIndex, d.dataEnd - d.dataStart])).toEqual([
      ['active', 0, 2],
      ['passive', 0, 1],
      ['active', 0, 0],
    ]);
    expect([...m.dataBytes(m.data[0]!)]).toEqual([1, 2]);
    expect(m.data[0]!.offset!.instrs).toEqual([{ op: Opcode.I32Const, value: 8 }]);
  });
  it('rejects bad segments', () => {
    expectMalformed(wasmModule(mem, dataSection([[0x03]])), 'malformed data segment kind');
    expectInvalid(wasmModule(mem, dataSection([[0x02, 0x01, ...i32Const(0), 0x0b, 0x00]])), 'unknown memory 1');
    expectInvalid(wasmModule(dataSection([[0x00, ...i32Const(0), 0x0b, 0x00]])), 'unknown memory 0');
    expectMalformed(wasmModule(mem, dataSection([[0x01, 0x05, 1, 2]])), 'length out of bounds');
    expectMalformed(wasmModule(mem, dataSection([[0x01, 0x03, 1, 2]])), 'unexpected end');
  });
  it('checks the data count against the data section', () => {
    expect(decodeModule(wasmModule(mem, dataCountSection(1), dataSection([[0x01, 0x00]]))).dataCount).toBe(1);
    expectMalformed(wasmModule(mem, dataCountSection(2), dataSection([[0x01, 0x00]])), 'data count and data section have inconsistent lengths');
    expectMalformed(wasmModule(mem, dataCountSection(1)), 'data count and data section have inconsistent lengths');
  });
  it('requires the data count section for memory.init and data.drop', () => {
    const drop = misc(9, 0x00);
    const types = typeSection([funcType([], [])]);
    expectMalformed(wasmModule(types, funcSection([0]), mem, codeSection([body([], drop)]), dataSection([[0x01, 0x00]])), 'data count section required');
    decodeModule(wasmModule(types, funcSection([0]), mem, dataCountSection(1), codeSection([body([], drop)]), dataSection([[0x01, 0x00]])));
    // data-count-leniency: with no data segment at all the index is simply unknown.
    expectInvalid(wasmModule(types, funcSection([0]), mem, codeSection([body([], drop)])), 'unknown data segment');
  });
});

describe('code section', () => {
  it('records body ranges and locals', () => {
    const bytes = wasmModule(
      typeSection([funcType([I32], [I32])]),
      funcSection([0, 0]),
      codeSection([body([[2, I64], [1, F32]], [0x20, 0x00]), body([], [0x20, 0x00])]),
    );
    const m = decodeModule(bytes);
    const b = m.functionBodies[0]!;
    expect(b.locals).toEqual([
      { count: 2, type: ValType.I64 },
      { count: 1, type: ValType.F32 },
    ]);
    expect(b.numLocals).toBe(3);
    const r = new OperatorReader(bytes, b.codeStart, b.codeEnd);
    expect(r.read()).toBe(Opcode.LocalGet);
    expect(r.read()).toBe(Opcode.End);
    expect(r.atEnd).toBe(true);
    expect(m.functionBodies[1]!.codeStart).toBeGreaterThan(b.codeEnd);
  });
  it('rejects count mismatches, size mismatches and too many locals', () => {
    const types = typeSection([funcType([], [])]);
    expectMalformed(wasmModule(types, funcSection([0, 0]), codeSection([body([], [])])), 'function and code section have inconsistent lengths');
    expectMalformed(wasmModule(types, funcSection([0])), 'function and code section have inconsistent lengths');
    expectMalformed(wasmModule(types, codeSection([body([], [])])), 'function and code section have inconsistent lengths');
    expectMalformed(wasmModule(types, funcSection([0]), codeSection([[0x04, 0x00, 0x01, 0x0b, 0x0b]])), 'section size mismatch');
    expectMalformed(wasmModule(types, funcSection([0]), codeSection([[0x03, 0x00, 0x01, 0x01]])), 'unexpected end');
    expectMalformed(wasmModule(types, funcSection([0]), codeSection([body([[0xffffffff, I32], [2, I64]], [])])), 'too many locals');
    expectMalformed(wasmModule(types, funcSection([0]), codeSection([body([[1, 0x7a]], [])])), 'malformed value type');
  });
  it('reports a malformed body even when an earlier body is invalid (decode wins)', () => {
    const types = typeSection([funcType([], [])]);
    const e = expectMalformed(wasmModule(types, funcSection([0, 0]), codeSection([body([], [0x6a]), body([], [0x06])])), 'illegal opcode');
    expect(e.offset).toBeGreaterThan(0);
    // And a malformed section after an invalid one.
    expectMalformed(wasmModule(types, funcSection([0]), codeSection([body([], [0x6a])]), [0x0d, 0x00]), 'malformed section id');
  });
  it('supports very many locals without a flat table', () => {
    const m = funcModule([], [I64], [0x20, ...u32(0x7ffffffe)], { locals: [[0x7fffffff, I64]] });
    decodeModule(m);
    expectInvalid(funcModule([], [I64], [0x20, ...u32(0x7fffffff)], { locals: [[0x7fffffff, I64]] }), 'unknown local');
  });
});

describe('name section', () => {
  const types = typeSection([funcType([I32], [])]);
  const funcs = funcSection([0, 0]);
  const code = codeSection([body([[1, I32]], []), body([], [])]);
  const sub = (id: number, payload: number[]) => [id, ...u32(payload.length), ...payload];
  it('parses module, function and local names', () => {
    const names = customSection('name', [
      ...sub(0, name('mod')),
      ...sub(1, vec([[0, ...name('first')], [1, ...name('second')]])),
      ...sub(2, vec([[0, ...vec([[0, ...name('p')], [1, ...name('l')]])]])),
      ...sub(7, [1, 2, 3]),
    ]);
    const m = decodeModule(wasmModule(types, funcs, code, names));
    expect(m.names.moduleName).toBe('mod');
    expect(m.funcName(1)).toBe('second');
    expect([...m.names.localNames.get(0)!]).toEqual([
      [0, 'p'],
      [1, 'l'],
    ]);
  });
  it('ignores a malformed name section instead of failing the module', () => {
    const bad = [
      [...sub(0, [0x05, 0x61])],
      [...sub(1, vec([[0, 0x01, 0xff]]))],
      [...sub(1, vec([[1, ...name('a')], [0, ...name('b')]]))],
      [...sub(1, vec([])), ...sub(0, name('late'))],
      [...sub(0, [...name('m'), 0x00])],
      [0x01, 0x40],
    ];
    for (const payload of bad) {
      const m = decodeModule(wasmModule(types, funcs, code, customSection('name', payload)));
      expect(m.names.moduleName).toBeUndefined();
      expect(m.names.functionNames.size).toBe(0);
      expect(m.customSections[0]!.name).toBe('name');
    }
  });
});

describe('convenience entry points', () => {
  it('validate() and validationError()', () => {
    expect(validate(wasmModule(...oneFunc()))).toBe(true);
    expect(validate(wasmModule(...oneFunc([0x6a])))).toBe(false);
    expect(validationError(wasmModule(...oneFunc()))).toBeUndefined();
  });
});
