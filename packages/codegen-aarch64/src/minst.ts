/**
 * AArch64 machine instructions at the VCode level (`MInst`): the forms of
 * `inst.ts` over *virtual* registers, plus the pseudo-instructions whose
 * expansion needs internal control flow, fixed registers or the frame layout
 * (checked division, float→int conversions, jump tables, calls, constants,
 * frame accesses, the function's entry and return).
 *
 * # One A64 instruction: `op`
 *
 * Most lowerings produce exactly one A64 instruction, and `inst.ts` already
 * describes every form as data. So instead of a second union mirroring it,
 * an `op` MInst *carries an `Inst`* whose register fields hold vregs, and
 * names those fields: `uses` and `defs` are field paths (`rn`, `rm`, `ra`,
 * `rd`, `rt`, `addr.rn`, `addr.rm`). `visitOperands` walks the paths in
 * that order (uses, then defs — OneVisitOrder: the paths depend only on the
 * rule that built the MInst, never on register values) and stores the
 * allocator's answer back, so at emission the same `Inst` holds hardware
 * encodings and goes straight to `emit`. Fields that are not listed hold
 * fixed registers (`xzr`, `sp`) and are left alone.
 *
 * Every def of an `op` is a late def: a single A64 instruction reads all its
 * sources before it writes its destination, so the destination may share a
 * register with a source.
 *
 * # Pseudo-instructions
 *
 * Sequences may clobber the scratch registers `x16`, `x17` and `v31` (never
 * allocated; see abi.ts) and nothing else. Their defs are written after all
 * their uses are read unless noted (`defEarly`).
 *
 * Invariant (FlagsAdjacent): an MInst that reads the flags (`br`,
 * `trap_if`, an `op` with a condition) comes right after the one that sets
 * them, in the same lowering group; only register-allocator moves (`mov`,
 * `ldr`, `str`, `add` for large frame offsets — none of which set flags)
 * can come between them.
 */
import { type AbiPseudoInst, InstFlags, type MachInstAdapter, type OperandVisitor, type PRegSet } from '@derrick/codegen';
import type { ExternalName } from '@derrick/codegen-ir';
import type { Cond, Inst, LoadOp, StoreOp } from './inst.js';
import { printInst } from './print.js';
import type { Gpr } from './regs.js';

/** A register field: a vreg before allocation, a hardware encoding after. */
export type R = number;

/** Frame areas addressed relative to SP or FP once the frame is laid out. */
export type FrameArea = 'slot' | 'incoming_arg' | 'outgoing_arg' | 'ret_area';

/** A mutable view of an `Inst` (its register fields are rewritten in place). */
export type OpInst = { -readonly [K in keyof Inst]: Inst[K] } & Record<string, unknown>;

export type CallTargetM =
  | { readonly kind: 'name'; readonly name: ExternalName; readonly colocated: boolean }
  | { readonly kind: 'reg'; reg: R };

/** Float → int conversion flavours. */
export interface CvtF2I {
  readonly srcSize: 4 | 8;
  readonly dstBits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  /** Saturating (`_sat`) rather than trapping. */
  readonly sat: boolean;
}

export type MInst =
  // ---- pseudo-instructions the shared ABI glue builds: `args` (defines the
  // parameters arriving in registers), `ret` (epilogue and return), `jmp`,
  // `call` (codegen's lower-backend.ts)
  | AbiPseudoInst<CallTargetM>
  // ---- function boundary
  /** Defines `dst` with no particular value (emits nothing). */
  | { readonly kind: 'undef'; dst: R }
  // ---- one A64 instruction (see the module comment)
  | { readonly kind: 'op'; readonly inst: OpInst; readonly uses: readonly string[]; readonly defs: readonly string[] }
  // ---- moves and constants
  /** Register move within a class (`mov x`, `mov w` zero-extends; float: `fmov d`). */
  | { readonly kind: 'mov'; readonly float: boolean; readonly size: 4 | 8; src: R; dst: R }
  /** An integer constant (movz/movn/movk or a logical immediate; `loadConstant`). */
  | { readonly kind: 'iconst'; readonly value: bigint; readonly size: 4 | 8; dst: R }
  /** A float constant by its bits: `fmov` immediate, `fmov` from xzr, or via x16. */
  | { readonly kind: 'fconst'; readonly size: 4 | 8; readonly bits: bigint; dst: R }
  // ---- frame
  /** A load from / store to a frame area (integer `op` or float of `fpSize`). */
  | {
      readonly kind: 'frame_mem';
      readonly store: boolean;
      readonly area: FrameArea;
      readonly slot: number;
      readonly disp: number;
      readonly op?: LoadOp | StoreOp;
      readonly fpSize?: 4 | 8;
      rt: R;
    }
  /** The address of a frame area position. */
  | { readonly kind: 'frame_addr'; readonly area: FrameArea; readonly slot: number; readonly disp: number; dst: R }
  | { readonly kind: 'get_sp'; dst: R }
  | { readonly kind: 'func_addr'; readonly name: ExternalName; readonly colocated: boolean; dst: R }
  // ---- checked arithmetic
  /**
   * `dst = x / y` or `x % y` with wasm's checks: `y == 0` traps `int_divz`;
   * signed division of MIN (of `narrowBits`, when widened from i8/i16) by
   * −1 traps `int_ovf`; signed remainder of MIN by −1 is 0 (`msub` gives it).
   */
  | {
      readonly kind: 'div';
      readonly size: 4 | 8;
      readonly signed: boolean;
      readonly rem: boolean;
      readonly narrowBits: 0 | 8 | 16;
      x: R;
      y: R;
      dst: R;
    }
  /** Float → int, trapping or saturating; clobbers x16, x17, v31. */
  | { readonly kind: 'cvt_f2i'; readonly cvt: CvtF2I; src: R; dst: R }
  /** `popcnt` through NEON: fmov to v31, `cnt`, `addv`, `umov`. */
  | { readonly kind: 'popcnt'; readonly size: 4 | 8; src: R; dst: R }
  /**
   * `dst = a·b + c` rounded once, with the IR's NaN rule (the first NaN of
   * a, b, c, made quiet) — A64 `fmadd` prefers the addend's NaN and turns
   * ∞·0 + qNaN into the default NaN. Each path writes `dst` once, last.
   */
  | { readonly kind: 'fma'; readonly size: 4 | 8; a: R; b: R; c: R; dst: R }
  // ---- control flow (targets are VCode block indices)
  | { readonly kind: 'br'; readonly cond: Cond; readonly taken: number; readonly notTaken: number }
  /** `cbnz`/`cbz rt` → `taken`, else `notTaken` (a branch on a value, no flags). */
  | { readonly kind: 'br_zero'; readonly nonzero: boolean; readonly size: 4 | 8; rt: R; readonly taken: number; readonly notTaken: number }
  /** `br_table`: bounds check, then an `adr`-based jump through an inline table; uses x16/x17. */
  | { readonly kind: 'jmp_table'; idx: R; readonly idx64: boolean; readonly defaultTarget: number; readonly targets: readonly number[] }
  /** An unconditional trap (terminator). */
  | { readonly kind: 'trap'; readonly code: number }
  /** Trap if `cond` holds (flags set by the previous MInst). */
  | { readonly kind: 'trap_if'; readonly cond: Cond; readonly code: number }
  /** Trap if `rt` is (`nonzero`: is not) zero: `cbz`/`cbnz` to the trap stub. */
  | { readonly kind: 'trap_if_zero'; readonly nonzero: boolean; readonly size: 4 | 8; rt: R; readonly code: number };

export type MInstKind = MInst['kind'];

/** An `op` MInst: `inst` with the register fields at `uses`/`defs` holding vregs. */
export function op(inst: Inst, uses: readonly string[], defs: readonly string[]): MInst {
  return { kind: 'op', inst: { ...inst } as OpInst, uses, defs };
}

function visitPath(inst: OpInst, path: string, f: (r: number) => number): void {
  const dot = path.indexOf('.');
  if (dot < 0) {
    inst[path] = f(inst[path] as number);
    return;
  }
  const head = path.slice(0, dot);
  const obj = { ...(inst[head] as Record<string, unknown>) };
  const tail = path.slice(dot + 1);
  obj[tail] = f(obj[tail] as number);
  inst[head] = obj;
}

/** Name every register field of `inst` with its constraint (OneVisitOrder): uses before defs. */
export function visitOperands(inst: MInst, v: OperandVisitor): void {
  switch (inst.kind) {
    case 'op':
      for (const p of inst.uses) visitPath(inst.inst, p, (r) => v.use(r));
      for (const p of inst.defs) visitPath(inst.inst, p, (r) => v.def(r));
      return;
    case 'jmp':
    case 'br':
    case 'trap':
    case 'trap_if':
      return;
    case 'args':
      for (let k = 0; k < inst.regs.length; k++) inst.regs[k] = v.defFixed(inst.regs[k]!, inst.pregs[k]!);
      return;
    case 'ret':
      for (let k = 0; k < inst.regs.length; k++) inst.regs[k] = v.useFixed(inst.regs[k]!, inst.pregs[k]!);
      return;
    case 'mov':
    case 'cvt_f2i':
    case 'popcnt':
      inst.src = v.use(inst.src);
      inst.dst = v.def(inst.dst);
      return;
    case 'undef':
    case 'iconst':
    case 'fconst':
    case 'frame_addr':
    case 'get_sp':
    case 'func_addr':
      inst.dst = v.def(inst.dst);
      return;
    case 'frame_mem':
      inst.rt = inst.store ? v.use(inst.rt) : v.def(inst.rt);
      return;
    case 'fma':
      inst.a = v.use(inst.a);
      inst.b = v.use(inst.b);
      inst.c = v.use(inst.c);
      inst.dst = v.def(inst.dst);
      return;
    case 'div':
      inst.x = v.use(inst.x);
      inst.y = v.use(inst.y);
      inst.dst = v.def(inst.dst);
      return;
    case 'jmp_table':
      inst.idx = v.use(inst.idx);
      return;
    case 'br_zero':
    case 'trap_if_zero':
      inst.rt = v.use(inst.rt);
      return;
    case 'call':
      if (inst.target.kind === 'reg') inst.target.reg = v.use(inst.target.reg);
      for (let k = 0; k < inst.uses.length; k++) inst.uses[k] = v.useFixed(inst.uses[k]!, inst.usePregs[k]!);
      for (let k = 0; k < inst.defs.length; k++) inst.defs[k] = v.defFixed(inst.defs[k]!, inst.defPregs[k]!);
      return;
  }
}

function instFlags(inst: MInst): number {
  switch (inst.kind) {
    case 'ret':
    case 'trap':
      return InstFlags.Ret;
    case 'jmp':
    case 'br':
    case 'br_zero':
    case 'jmp_table':
      return InstFlags.Branch;
    case 'mov':
      return inst.float || inst.size === 8 ? InstFlags.Move : 0;
    default:
      return 0;
  }
}

/** A readable one-line form of an MInst over vregs (for VCode dumps). */
export function printMInst(inst: MInst): string {
  if (inst.kind === 'op') {
    try {
      return printInst(inst.inst as unknown as Inst) + `   ; vregs: ${[...inst.uses, ...inst.defs].map((p) => `${p}`).join(',')}`;
    } catch {
      return `op ${inst.inst.kind}`;
    }
  }
  const parts: string[] = [inst.kind];
  for (const [k, val] of Object.entries(inst)) {
    if (k === 'kind') continue;
    parts.push(`${k}=${typeof val === 'bigint' ? val.toString(16) : typeof val === 'object' ? JSON.stringify(val, (_k, x) => (typeof x === 'bigint' ? String(x) : x)) : String(val)}`);
  }
  return parts.join(' ');
}

/** The `MachInstAdapter` of AArch64 MInsts, given the backend's clobber sets. */
export function minstAdapter(clobberSets: readonly PRegSet[]): MachInstAdapter<MInst> {
  return {
    visitOperands,
    flags: instFlags,
    clobbers: (inst) => (inst.kind === 'call' ? inst.clobbers : -1),
    clobberSets,
    print: printMInst,
  };
}

/** Treat a vreg number as a `Gpr` field value (the allocator rewrites it). */
export const G = (r: R): Gpr => r as Gpr;
