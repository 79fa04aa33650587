/**
 * Sample images shared by the tests: small, hand-assembled, with every kind of
 * section, symbol and relocation the writer produces.
 */
import {
  AddressMap,
  DerrickSection,
  ElfWriter,
  FunctionTable,
  NO_WASM_OFFSET,
  TrapTable,
  encodeEngineInfo,
  writeCwasm,
  type ElfMachine,
  type ElfRelocation,
  type EngineInfo,
  type FunctionSymbol,
} from '../src/index.js';

/** `mov eax, 42; ret` */
export const X64_ANSWER = [0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3];
/** `mov w0, #42; ret` */
export const A64_ANSWER = [0x40, 0x05, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6];

export interface SampleText {
  readonly text: Uint8Array;
  readonly functions: readonly FunctionSymbol[];
  readonly relocations: readonly ElfRelocation[];
}

/** Two functions; the second calls an import and refers to `.rodata` and to the first. */
export function sampleText(machine: ElfMachine): SampleText {
  if (machine === 'x86_64') {
    const text = [
      ...X64_ANSWER, // 0: function[0]
      ...Array(10).fill(0xcc), // 6: padding to 16
      0xe8, 0, 0, 0, 0, // 16: call libcall        (PLT32 at 17, addend -4)
      0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, // 21: movabs rax, imm64 (R_X86_64_64 at 23)
      0x48, 0x8d, 0x05, 0, 0, 0, 0, // 31: lea rax, [rip + disp32] (PC32 at 34)
      0xc3, // 38: ret
    ];
    return {
      text: Uint8Array.from(text),
      functions: [
        { name: 'wasm[0]::function[0]', offset: 0, size: 6 },
        { name: 'wasm[0]::function[1]', offset: 16, size: 23, binding: 'global' },
      ],
      relocations: [
        { offset: 17, kind: 'R_X86_64_PLT32', symbol: 'derrick_libcall_floor_f64', addend: -4 },
        { offset: 23, kind: 'R_X86_64_64', symbol: '.rodata', addend: 8 },
        { offset: 34, kind: 'R_X86_64_PC32', symbol: 'wasm[0]::function[0]', addend: -4 },
      ],
    };
  }
  const words = [
    0x52800540, 0xd65f03c0, // 0: function[0]: mov w0, #42; ret
    0x94000000, // 8: bl libcall            (CALL26)
    0x14000000, // 12: b function[0]        (JUMP26)
    0xd65f03c0, // 16: ret
    0, 0, // 20: .quad &rodata[8]           (ABS64)
    0, // 28: .word rodata - .            (PREL32)
  ];
  const text = new Uint8Array(words.length * 4);
  const view = new DataView(text.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  return {
    text,
    functions: [
      { name: 'wasm[0]::function[0]', offset: 0, size: 8 },
      { name: 'wasm[0]::function[1]', offset: 8, size: 24, binding: 'global' },
    ],
    relocations: [
      { offset: 8, kind: 'R_AARCH64_CALL26', symbol: 'derrick_libcall_floor_f64', addend: 0 },
      { offset: 12, kind: 'R_AARCH64_JUMP26', symbol: 'wasm[0]::function[0]', addend: 0 },
      { offset: 20, kind: 'R_AARCH64_ABS64', symbol: '.rodata', addend: 8 },
      { offset: 28, kind: 'R_AARCH64_PREL32', symbol: '.rodata', addend: 0 },
    ],
  };
}

export function sampleEngine(machine: ElfMachine): EngineInfo {
  return {
    derrickVersion: '0.1.0',
    target: `${machine}-unknown-linux`,
    sharedFlags: { opt_level: 'speed', enable_verifier: 'true', preserve_frame_pointers: 'true' },
    isaFlags: machine === 'x86_64' ? { has_sse41: 'true', has_avx2: 'false' } : { has_lse: 'false', sign_return_address: 'false' },
    wasmFeatures: ['simd', 'bulk-memory', 'multi-value', 'reference-types'],
  };
}

export interface SampleOptions {
  readonly relocations?: boolean;
  readonly rodata?: boolean;
}

/** A complete Derrick image (no trailer) for `machine`. */
export function sampleImage(machine: ElfMachine, options: SampleOptions = {}): Uint8Array {
  const { text, functions, relocations } = sampleText(machine);
  const w = new ElfWriter(machine).setText(text, functions);
  if (options.rodata ?? true) w.setReadOnlyData(Uint8Array.from({ length: 24 }, (_, i) => i), { align: 8 });
  if (options.relocations ?? true) {
    w.addImport('derrick_libcall_floor_f64');
    for (const r of relocations) w.addRelocation(r);
  }
  const second = functions[1]!;
  w.addCustomSection(
    DerrickSection.funcs,
    FunctionTable.fromEntries(
      functions.map((f, i) => ({ funcIndex: i + 2, offset: f.offset, length: f.size })),
      text.length,
    ).encode(),
    { align: 4 },
  );
  w.addCustomSection(
    DerrickSection.traps,
    TrapTable.fromEntries(
      [
        { codeOffset: 5, trapCode: 3 },
        { codeOffset: second.offset + 4, trapCode: 9 },
      ],
      text.length,
    ).encode(),
    { align: 4 },
  );
  w.addCustomSection(
    DerrickSection.addrmap,
    AddressMap.fromEntries(
      [
        { codeOffset: 0, wasmOffset: 0x40 },
        // A gap (padding) between the functions gets an entry with no position.
        ...(functions[0]!.size < second.offset ? [{ codeOffset: functions[0]!.size, wasmOffset: NO_WASM_OFFSET }] : []),
        { codeOffset: second.offset, wasmOffset: 0x50 },
        { codeOffset: second.offset + second.size, wasmOffset: NO_WASM_OFFSET },
      ],
      text.length,
    ).encode(),
    { align: 4 },
  );
  w.addCustomSection(DerrickSection.engine, encodeEngineInfo(sampleEngine(machine)), { align: 4 });
  w.addCustomSection(DerrickSection.info, new TextEncoder().encode('{"module":"sample"}'));
  return w.finish();
}

export function sampleCwasm(machine: ElfMachine, options: SampleOptions = {}): Uint8Array {
  return writeCwasm(sampleImage(machine, options));
}

/** A small seeded PRNG (mulberry32) so fuzz runs are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
