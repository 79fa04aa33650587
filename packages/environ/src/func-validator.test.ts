import { describe, expect, it } from 'vitest';
import { DecodeError, ValidationError } from './errors.js';
import { decodeModule, validationError } from './module-decoder.js';
import { ImmKind, OPCODE_ARITY, OPCODE_EXTRA, OPCODE_IMM, OPCODE_PARAMS, OPCODE_RESULT, allOpcodes, opcodeIndex, opcodeName } from './opcodes.js';
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
  globalSection,
  i32Const,
  i64Const,
  importEntry,
  importSection,
  limits,
  localGet,
  misc,
  refFunc,
  refNull,
  simd,
  tableSection,
  typeSection,
  u32,
  vec,
  wasmModule,
  type Bytes,
} from './test-support/wasm-builder.js';

/** Node's own engine, as an independent validator (lib.dom is not in the compilation). */
const v8 = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

const ok = (bytes: Uint8Array) => {
  const e = validationError(bytes);
  expect(e?.message).toBeUndefined();
};

function invalid(bytes: Uint8Array, reason: string): ValidationError {
  const e = validationError(bytes);
  expect(e, 'module should be invalid').toBeInstanceOf(ValidationError);
  expect(e!.message).toContain(reason);
  return e as ValidationError;
}

const UNREACHABLE = 0x00;
const DROP = 0x1a;
const I32_ADD = 0x6a;
const v128Const = simd(0x0c, ...Array<number>(16).fill(0));
const constOf = (t: number): Bytes =>
  t === I32 ? i32Const(0) : t === I64 ? i64Const(0n) : t === F32 ? f32Const(0) : t === F64 ? f64Const(0n) : t === V128 ? v128Const : refNull(t);

describe('operand typing', () => {
  it('accepts well-typed code and reports mismatches with the types and offset', () => {
    ok(funcModule([I32, I32], [I32], [...localGet(0), ...localGet(1), I32_ADD]));
    const e = invalid(funcModule([I64], [I32], [...localGet(0), ...i32Const(1), I32_ADD]), 'type mismatch');
    expect(e.message).toContain('expected i32, found i64');
    expect(e.offset).toBeGreaterThan(0);
    invalid(funcModule([], [I32], []), 'type mismatch');
    invalid(funcModule([], [], [...i32Const(1)]), 'type mismatch');
    invalid(funcModule([], [I32], [...i64Const(1n)]), 'type mismatch');
    invalid(funcModule([], [], [DROP]), 'type mismatch');
  });
  it('makes the stack polymorphic after unreachable, br, return', () => {
    ok(funcModule([], [I32], [UNREACHABLE, I32_ADD]));
    ok(funcModule([], [I32], [UNREACHABLE, DROP, DROP, ...i32Const(0)]));
    ok(funcModule([], [I64], [...i64Const(0n), 0x0f, I32_ADD, DROP]));
    ok(funcModule([], [], [0x02, 0x40, 0x0c, 0x00, I32_ADD, DROP, 0x0b]));
    invalid(funcModule([], [I32], [UNREACHABLE, ...i64Const(0n), I32_ADD]), 'type mismatch');
    // The polymorphic stack is per block: an inner block starts over.
    invalid(funcModule([], [], [UNREACHABLE, 0x02, 0x40, DROP, 0x0b]), 'type mismatch');
  });
  it('checks locals and globals', () => {
    invalid(funcModule([I32], [], [...localGet(1), DROP]), 'unknown local 1');
    ok(funcModule([I32], [I64], [...localGet(1)], { locals: [[1, I64]] }));
    invalid(funcModule([], [], [0x21, 0x00], { locals: [[1, I64]] }), 'type mismatch');
    ok(funcModule([], [F32], [...f32Const(0), 0x22, 0x00], { locals: [[1, F32]] }));
    const globals = globalSection([global(I32, false, i32Const(0)), global(I64, true, i64Const(0n))]);
    invalid(funcModule([], [], [...i32Const(0), 0x24, 0x00], { before: globals }), 'global is immutable');
    ok(funcModule([], [], [...i64Const(0n), 0x24, 0x01], { before: globals }));
    invalid(funcModule([], [], [0x23, 0x02, DROP], { before: globals }), 'unknown global 2');
  });
});

describe('control', () => {
  it('types blocks with multi-value block types', () => {
    const bytes = wasmModule(
      typeSection([funcType([], [I32]), funcType([I32, I64], [I64, I32])]),
      funcSection([0]),
      codeSection([body([], [...i32Const(1), ...i64Const(2n), 0x02, 0x01, 0x1a, 0x1a, ...i64Const(3n), ...i32Const(4), 0x0b, 0x1a, 0x1a, ...i32Const(0)])]),
    );
    ok(bytes);
    const unknownType = wasmModule(typeSection([funcType([], [])]), funcSection([0]), codeSection([body([], [0x02, 0x05, 0x0b])]));
    invalid(unknownType, 'unknown type');
  });
  it('gives loop labels the parameter types', () => {
    const bytes = wasmModule(
      typeSection([funcType([], []), funcType([I32], [])]),
      funcSection([0]),
      codeSection([body([], [...i32Const(0), 0x03, 0x01, 0x0c, 0x00, 0x0b])]),
    );
    ok(bytes);
  });
  it('requires if without else to have matching params and results', () => {
    ok(funcModule([], [], [...i32Const(1), 0x04, 0x40, 0x0b]));
    invalid(funcModule([], [I32], [...i32Const(1), 0x04, 0x7f, ...i32Const(1), 0x0b]), 'type mismatch');
    ok(funcModule([], [I32], [...i32Const(1), 0x04, 0x7f, ...i32Const(1), 0x05, ...i32Const(2), 0x0b]));
    invalid(funcModule([], [I32], [...i32Const(1), 0x04, 0x7f, ...i32Const(1), 0x05, ...i64Const(2n), 0x0b]), 'type mismatch');
    invalid(funcModule([], [], [0x04, 0x40, 0x0b]), 'type mismatch');
  });
  it('reports a misplaced else as malformed', () => {
    expect(validationError(funcModule([], [], [0x05]))).toBeInstanceOf(DecodeError);
    expect(validationError(funcModule([], [], [0x02, 0x40, 0x05, 0x0b]))?.message).toContain('END opcode expected');
    expect(validationError(funcModule([], [], [...i32Const(1), 0x04, 0x40, 0x05, 0x05, 0x0b]))?.message).toContain('END opcode expected');
  });
  it('checks branches', () => {
    invalid(funcModule([], [], [0x0c, 0x01]), 'unknown label');
    invalid(funcModule([], [], [0x0d, 0x00]), 'type mismatch');
    ok(funcModule([], [I32], [...i32Const(1), ...i32Const(0), 0x0d, 0x00]));
    invalid(funcModule([], [I32], [0x02, 0x7f, ...i64Const(1n), 0x0c, 0x00, 0x0b]), 'type mismatch');
  });
  it('checks br_table arities and types', () => {
    ok(funcModule([], [I32], [0x02, 0x7f, ...i32Const(1), ...i32Const(0), 0x0e, 0x01, 0x00, 0x01, 0x0b]));
    invalid(funcModule([], [I32], [0x02, 0x40, ...i32Const(1), ...i32Const(0), 0x0e, 0x01, 0x00, 0x01, 0x0b, ...i32Const(0)]), 'type mismatch');
    invalid(funcModule([], [], [...i32Const(0), 0x0e, 0x00, 0x01]), 'unknown label');
    // In unreachable code the targets only need consistent arities.
    ok(funcModule([], [], [0x02, 0x7f, 0x02, 0x7d, UNREACHABLE, 0x0e, 0x01, 0x00, 0x01, 0x0b, DROP, ...i32Const(0), 0x0b, DROP]));
  });
  it('checks calls', () => {
    const bytes = (code: Bytes, extra: Bytes[] = []) =>
      wasmModule(typeSection([funcType([I32], [I64]), funcType([], [])]), funcSection([0, 1]), ...extra, codeSection([body([], [...i64Const(0n)]), body([], code)]));
    ok(bytes([...i32Const(0), 0x10, 0x00, DROP]));
    invalid(bytes([0x10, 0x00, DROP]), 'type mismatch');
    invalid(bytes([0x10, 0x02]), 'unknown function 2');
    const table = tableSection([[FUNCREF, ...limits(1)], [EXTERNREF, ...limits(1)]]);
    ok(bytes([...i32Const(0), ...i32Const(0), 0x11, 0x00, 0x00, DROP], [table]));
    invalid(bytes([...i32Const(0), ...i32Const(0), 0x11, 0x00, 0x01, DROP], [table]), 'type mismatch');
    invalid(bytes([...i32Const(0), ...i32Const(0), 0x11, 0x00, 0x02, DROP], [table]), 'unknown table');
    invalid(bytes([...i32Const(0), ...i32Const(0), 0x11, 0x05, 0x00, DROP], [table]), 'unknown type');
    ok(bytes([0x0f]));
  });
});

describe('select', () => {
  it('types untyped select over numbers and vectors only', () => {
    ok(funcModule([], [I64], [...i64Const(1n), ...i64Const(2n), ...i32Const(0), 0x1b]));
    ok(funcModule([], [V128], [...v128Const, ...v128Const, ...i32Const(0), 0x1b]));
    invalid(funcModule([], [I64], [...i64Const(1n), ...i32Const(2), ...i32Const(0), 0x1b]), 'type mismatch');
    invalid(funcModule([], [FUNCREF], [...refNull(FUNCREF), ...refNull(FUNCREF), ...i32Const(0), 0x1b]), 'type mismatch');
    ok(funcModule([], [I32], [UNREACHABLE, 0x1b]));
    invalid(funcModule([], [], [UNREACHABLE, ...refNull(EXTERNREF), ...i32Const(0), 0x1b, DROP]), 'type mismatch');
  });
  it('types typed select', () => {
    ok(funcModule([], [FUNCREF], [...refNull(FUNCREF), ...refNull(FUNCREF), ...i32Const(0), 0x1c, 0x01, FUNCREF]));
    invalid(funcModule([], [], [...i32Const(0), ...i32Const(0), ...i32Const(0), 0x1c, 0x00]), 'invalid result arity');
    invalid(funcModule([], [], [...i32Const(0), ...i32Const(0), ...i32Const(0), 0x1c, 0x02, I32, I32]), 'invalid result arity');
  });
});

describe('memory', () => {
  it('requires a memory', () => {
    invalid(funcModule([], [I32], [...i32Const(0), 0x28, 0x02, 0x00]), 'unknown memory 0');
    invalid(funcModule([], [I32], [0x3f, 0x00]), 'unknown memory');
    invalid(funcModule([], [], [...i32Const(0), ...i32Const(0), ...i32Const(0), ...misc(11, 0x00)]), 'unknown memory');
    ok(funcModule([], [I32], [0x3f, 0x00], { memory: true }));
  });
  it('checks alignment against the natural alignment', () => {
    ok(funcModule([], [I32], [...i32Const(0), 0x28, 0x02, 0x00], { memory: true }));
    invalid(funcModule([], [I32], [...i32Const(0), 0x28, 0x03, 0x00], { memory: true }), 'alignment must not be larger than natural');
    invalid(funcModule([], [I32], [...i32Const(0), 0x2c, 0x01, 0x00], { memory: true }), 'alignment must not be larger than natural');
    ok(funcModule([], [V128], [...i32Const(0), ...simd(0x00, 0x04, 0x00)], { memory: true }));
    invalid(funcModule([], [V128], [...i32Const(0), ...simd(0x00, 0x05, 0x00)], { memory: true }), 'alignment must not be larger than natural');
    invalid(funcModule([], [V128], [...i32Const(0), ...simd(0x07, 0x01, 0x00)], { memory: true }), 'alignment must not be larger than natural');
  });
  it('checks data indices against the data count', () => {
    const code = [...i32Const(0), ...i32Const(0), ...i32Const(0), ...misc(8, 0x01, 0x00)];
    const data = dataSection([[0x01, 0x00], [0x01, 0x00]]);
    ok(funcModule([], [], code, { memory: true, before: dataCountSection(2), after: data }));
    invalid(funcModule([], [], [...misc(9, 0x02)], { memory: true, before: dataCountSection(2), after: data }), 'unknown data segment 2');
  });
});

describe('SIMD lanes', () => {
  it('checks lane indices', () => {
    ok(funcModule([], [I32], [...v128Const, ...simd(0x15, 15)]));
    invalid(funcModule([], [I32], [...v128Const, ...simd(0x15, 16)]), 'invalid lane index');
    invalid(funcModule([], [I64], [...v128Const, ...simd(0x1d, 2)]), 'invalid lane index');
    ok(funcModule([], [V128], [...v128Const, ...f64Const(0n), ...simd(0x22, 1)]));
    const shuffle = (last: number) => [...v128Const, ...v128Const, ...simd(0x0d, ...Array<number>(15).fill(0), last)];
    ok(funcModule([], [V128], shuffle(31)));
    invalid(funcModule([], [V128], shuffle(32)), 'invalid lane index');
    ok(funcModule([], [V128], [...i32Const(0), ...v128Const, ...simd(0x57, 0x03, 0x00, 1)], { memory: true }));
    invalid(funcModule([], [V128], [...i32Const(0), ...v128Const, ...simd(0x57, 0x03, 0x00, 2)], { memory: true }), 'invalid lane index');
    invalid(funcModule([], [], [...i32Const(0), ...v128Const, ...simd(0x58, 0x00, 0x00, 16)], { memory: true }), 'invalid lane index');
  });
});

describe('references and tables', () => {
  const tables = tableSection([[FUNCREF, ...limits(1)], [EXTERNREF, ...limits(1)]]);
  const twoFuncs = (code: Bytes, extra: { before?: Bytes[]; afterTable?: Bytes[] } = {}) =>
    wasmModule(
      typeSection([funcType([], [])]),
      funcSection([0, 0]),
      tables,
      ...(extra.afterTable ?? []),
      codeSection([body([], code), body([], [])]),
    );
  it('requires ref.func targets to be declared outside function bodies', () => {
    invalid(twoFuncs([...refFunc(1), DROP]), 'undeclared function reference');
    invalid(twoFuncs([...refFunc(2), DROP]), 'unknown function 2');
    ok(twoFuncs([...refFunc(1), DROP], { afterTable: [exportSection([exportEntry('f', 0, 1)])] }));
    ok(twoFuncs([...refFunc(1), DROP], { afterTable: [elemSection([[0x03, 0x00, ...vec([u32(1)])]])] }));
    ok(twoFuncs([...refFunc(1), DROP], { afterTable: [elemSection([[0x07, FUNCREF, ...vec([[...refFunc(1), 0x0b]])]])] }));
    ok(twoFuncs([...refFunc(1), DROP], { afterTable: [globalSection([global(FUNCREF, false, refFunc(1))])] }));
  });
  it('types ref.is_null', () => {
    ok(twoFuncs([...refNull(EXTERNREF), 0xd1, DROP]));
    invalid(twoFuncs([...i32Const(0), 0xd1, DROP]), 'type mismatch');
    ok(twoFuncs([UNREACHABLE, 0xd1, DROP]));
  });
  it('types table instructions', () => {
    ok(twoFuncs([...i32Const(0), 0x25, 0x01, DROP]));
    ok(twoFuncs([...i32Const(0), ...refNull(EXTERNREF), 0x26, 0x01]));
    invalid(twoFuncs([...i32Const(0), ...refNull(FUNCREF), 0x26, 0x01]), 'type mismatch');
    invalid(twoFuncs([...i32Const(0), 0x25, 0x02, DROP]), 'unknown table 2');
    ok(twoFuncs([...refNull(FUNCREF), ...i32Const(1), ...misc(15, 0x00), DROP]));
    ok(twoFuncs([...misc(16, 0x01), DROP]));
    ok(twoFuncs([...i32Const(0), ...refNull(EXTERNREF), ...i32Const(1), ...misc(17, 0x01)]));
    invalid(twoFuncs([...i32Const(0), ...i32Const(0), ...i32Const(0), ...misc(14, 0x00, 0x01)]), 'type mismatch');
    ok(twoFuncs([...i32Const(0), ...i32Const(0), ...i32Const(0), ...misc(14, 0x01, 0x01)]));
  });
  it('checks element segment indices', () => {
    const elems = [elemSection([[0x05, EXTERNREF, ...vec([])]])];
    ok(twoFuncs([...i32Const(0), ...i32Const(0), ...i32Const(0), ...misc(12, 0x00, 0x01)], { afterTable: elems }));
    invalid(twoFuncs([...i32Const(0), ...i32Const(0), ...i32Const(0), ...misc(12, 0x00, 0x00)], { afterTable: elems }), 'type mismatch');
    invalid(twoFuncs([...misc(13, 0x01)], { afterTable: elems }), 'unknown elem segment 1');
    ok(twoFuncs([...misc(13, 0x00)], { afterTable: elems }));
  });
});

describe('every instruction', () => {
  it('validates each table-typed instruction on operands of its type (and V8 agrees)', () => {
    let checked = 0;
    for (const op of allOpcodes()) {
      const k = opcodeIndex(op);
      const n = OPCODE_ARITY[k]!;
      if (n === 255) continue;
      const code: Bytes = [];
      for (let i = 0; i < n; i++) code.push(...constOf(OPCODE_PARAMS[k * 3 + i]!));
      const prefix = op >> 8;
      code.push(...(prefix ? [prefix, ...u32(op & 0xff)] : [op]));
      const imm = OPCODE_IMM[k];
      if (imm === ImmKind.MemArg || imm === ImmKind.MemArgLane) code.push(OPCODE_EXTRA[k]!, 0x00);
      if (imm === ImmKind.MemArgLane || imm === ImmKind.Lane) code.push(0x00);
      if (imm === ImmKind.I32 || imm === ImmKind.I64 || imm === ImmKind.ZeroByte) code.push(0x00);
      if (imm === ImmKind.F32) code.push(0, 0, 0, 0);
      if (imm === ImmKind.F64) code.push(0, 0, 0, 0, 0, 0, 0, 0);
      if (imm === ImmKind.V128 || imm === ImmKind.Shuffle) code.push(...Array<number>(16).fill(0));
      if (OPCODE_RESULT[k] !== 0) code.push(DROP);
      const bytes = funcModule([], [], code, { memory: true });
      const e = validationError(bytes);
      expect(e?.message, opcodeName(op)).toBeUndefined();
      expect(v8.validate(bytes), opcodeName(op)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(380);
  });
  it('never fails with anything but a WasmError for any opcode in any position', () => {
    for (const op of allOpcodes()) {
      const prefix = op >> 8;
      const enc = prefix ? [prefix, ...u32(op & 0xff)] : [op];
      for (const code of [[...enc], [UNREACHABLE, ...enc, 0, 0, 0], [...enc, ...Array<number>(20).fill(0)]]) {
        try {
          decodeModule(funcModule([], [], code, { memory: true }));
        } catch (e) {
          expect(e instanceof ValidationError || e instanceof DecodeError, `${opcodeName(op)}: ${String(e)}`).toBe(true);
        }
      }
    }
  });
});

describe('implementation limits', () => {
  it('caps the operand stack instead of exhausting memory', () => {
    // A function with 1000 results, called 20 000 times: 2·10^7 values from 40 kB of code.
    const many = Array<number>(1000).fill(I32);
    const calls = Array.from({ length: 20_000 }, () => [0x10, 0x00]).flat();
    const bytes = wasmModule(
      typeSection([funcType([], many), funcType([], [])]),
      funcSection([0, 1]),
      codeSection([body([], [UNREACHABLE]), body([], [...calls, UNREACHABLE])]),
    );
    invalid(bytes, 'implementation limit');
  });
});

describe('imports in the index spaces', () => {
  it('validates against imported functions, tables, memories and globals', () => {
    const bytes = wasmModule(
      typeSection([funcType([I32], [I32])]),
      importSection([
        importEntry('m', 'f', [0x00, 0x00]),
        importEntry('m', 't', [0x01, FUNCREF, ...limits(0)]),
        importEntry('m', 'mem', [0x02, ...limits(1)]),
        importEntry('m', 'g', [0x03, I32, 0x01]),
      ]),
      funcSection([0]),
      codeSection([body([], [...localGet(0), 0x10, 0x00, 0x24, 0x00, 0x23, 0x00, 0x28, 0x02, 0x00, ...misc(16, 0x00), I32_ADD])]),
    );
    ok(bytes);
    expect(decodeModule(bytes).functionBodies[0]!.funcIndex).toBe(1);
  });
});
