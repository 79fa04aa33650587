/**
 * Function signatures, calling conventions, imported-function declarations.
 *
 * A `Signature` is parameter and return `AbiParam`s plus a `CallConv`. An
 * `AbiParam` is a type with an optional integer extension (`uext`/`sext`,
 * meaning the callee/caller may rely on the high bits being extended) and an
 * optional special purpose. The purpose Derrick uses is `vmctx`: the wasm
 * translator passes the instance's VMContext pointer as an ordinary parameter
 * marked `vmctx`, and reads everything from it with ordinary loads.
 *
 * Calling conventions (text names in parentheses):
 *
 * | CallConv | meaning |
 * |---|---|
 * | `Fast` (`fast`) | unspecified, chosen by the backend; the default |
 * | `Cold` (`cold`) | like fast, for rarely called code |
 * | `Tail` (`tail`) | supports tail calls; callee pops stack arguments |
 * | `SystemV` (`system_v`) | the platform C ABI on Unix: SysV AMD64 on x86-64, AAPCS64 on AArch64 Linux |
 * | `WindowsFastcall` (`windows_fastcall`) | Windows x64 |
 * | `AppleAarch64` (`apple_aarch64`) | Apple's AAPCS64 variant (stack args packed) |
 * | `Aapcs64` (`aapcs64`) | Derrick name: the standard AAPCS64, whatever the OS |
 * | `Wasmtime` (`wasmtime`) | Derrick name: wasm-to-wasm and trampoline calls; a backend may lower it like `fast` but it is stable across compilations so cached code can call it |
 */
import { type Type, typeName } from './types.js';

export enum CallConv {
  Fast = 0,
  Cold = 1,
  Tail = 2,
  SystemV = 3,
  WindowsFastcall = 4,
  AppleAarch64 = 5,
  Aapcs64 = 6,
  Wasmtime = 7,
}

const CALLCONV_NAMES = ['fast', 'cold', 'tail', 'system_v', 'windows_fastcall', 'apple_aarch64', 'aapcs64', 'wasmtime'] as const;

export function callConvName(cc: CallConv): string {
  return CALLCONV_NAMES[cc] ?? `callconv${cc as number}`;
}

export function parseCallConv(s: string): CallConv | undefined {
  const i = (CALLCONV_NAMES as readonly string[]).indexOf(s);
  return i < 0 ? undefined : (i as CallConv);
}

export type ArgumentExtension = 'none' | 'uext' | 'sext';
export type ArgumentPurpose = 'normal' | 'vmctx' | 'sret' | 'stack_limit';

export interface AbiParam {
  readonly type: Type;
  readonly extension: ArgumentExtension;
  readonly purpose: ArgumentPurpose;
}

export function abiParam(type: Type, opts?: { extension?: ArgumentExtension; purpose?: ArgumentPurpose }): AbiParam {
  return { type, extension: opts?.extension ?? 'none', purpose: opts?.purpose ?? 'normal' };
}

/** `AbiParam` with the `vmctx` purpose. */
export function vmctxParam(type: Type): AbiParam {
  return abiParam(type, { purpose: 'vmctx' });
}

export function formatAbiParam(p: AbiParam): string {
  let s = typeName(p.type);
  if (p.extension !== 'none') s += ' ' + p.extension;
  if (p.purpose !== 'normal') s += ' ' + p.purpose;
  return s;
}

function abiParamEquals(a: AbiParam, b: AbiParam): boolean {
  return a.type === b.type && a.extension === b.extension && a.purpose === b.purpose;
}

export class Signature {
  params: AbiParam[];
  returns: AbiParam[];
  callConv: CallConv;

  constructor(callConv: CallConv = CallConv.Fast, params: AbiParam[] = [], returns: AbiParam[] = []) {
    this.callConv = callConv;
    this.params = params;
    this.returns = returns;
  }

  /** Shorthand: a signature of plain types. */
  static of(params: readonly Type[], returns: readonly Type[], callConv: CallConv = CallConv.Fast): Signature {
    return new Signature(
      callConv,
      params.map((t) => abiParam(t)),
      returns.map((t) => abiParam(t)),
    );
  }

  /** Index of the parameter with the given special purpose, or -1. */
  specialParamIndex(purpose: ArgumentPurpose): number {
    return this.params.findIndex((p) => p.purpose === purpose);
  }

  clone(): Signature {
    return new Signature(this.callConv, this.params.slice(), this.returns.slice());
  }

  equals(o: Signature): boolean {
    if (this.callConv !== o.callConv) return false;
    if (this.params.length !== o.params.length || this.returns.length !== o.returns.length) return false;
    for (let i = 0; i < this.params.length; i++) if (!abiParamEquals(this.params[i]!, o.params[i]!)) return false;
    for (let i = 0; i < this.returns.length; i++) if (!abiParamEquals(this.returns[i]!, o.returns[i]!)) return false;
    return true;
  }

  /** Cranelift text: `(i32, i64 vmctx) -> i32 system_v`. */
  toString(): string {
    let s = '(' + this.params.map(formatAbiParam).join(', ') + ')';
    if (this.returns.length > 0) s += ' -> ' + this.returns.map(formatAbiParam).join(', ');
    return s + ' ' + callConvName(this.callConv);
  }
}

/** Reference to a signature declared in a function's preamble (`sig3`). */
export type SigRef = number;
/** Reference to an imported function declared in a function's preamble (`fn2`). */
export type FuncRef = number;
