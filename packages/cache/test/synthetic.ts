/**
 * Synthetic wasm-like functions for throughput measurements: `blocks`
 * basic blocks of loads, arithmetic, compares, stores and a call, with
 * source locations, roughly what the wasm translator emits for a function
 * of `blocks × 12` wasm instructions.
 */
import { type Function, parseFunction } from '@derrick/codegen-ir';

export function syntheticClif(blocks: number, seed = 1): string {
  let v = 2;
  let loc = 0x1000;
  const lines: string[] = [
    `function u0:1(i64 vmctx, i32) -> i32 wasmtime {`,
    `    sig0 = (i64 vmctx, i32) -> i32 wasmtime`,
    `    fn0 = colocated u0:${seed} sig0`,
    `block0(v0: i64, v1: i32):`,
    `@${(loc++).toString(16)}    jump block1(v1)`,
  ];
  for (let b = 1; b <= blocks; b++) {
    const p = v++;
    lines.push(`block${b}(v${p}: i32):`);
    const at = () => `@${(loc += 3).toString(16)}    `;
    const a = v++;
    lines.push(`${at()}v${a} = load.i32 notrap aligned v0+${(b * 8 + seed) % 4096}`);
    const c = v++;
    lines.push(`${at()}v${c} = iadd v${a}, v${p}`);
    const d = v++;
    lines.push(`${at()}v${d} = imul_imm v${c}, ${b * 7 + seed}`);
    const e = v++;
    lines.push(`${at()}v${e} = uextend.i64 v${d}`);
    const f = v++;
    lines.push(`${at()}v${f} = iadd v0, v${e}`);
    lines.push(`${at()}store notrap aligned v${c}, v${f}+16`);
    const g = v++;
    lines.push(`${at()}v${g} = bxor v${d}, v${c}`);
    const h = v++;
    lines.push(`${at()}v${h} = ishl_imm v${g}, 3`);
    const k = v++;
    lines.push(`${at()}v${k} = icmp_imm ult v${h}, ${1000 + b}`);
    if (b % 8 === 0) {
      const r = v++;
      lines.push(`${at()}v${r} = call fn0(v0, v${h})`);
      lines.push(`${at()}brif v${k}, block${b + 1}(v${r}), block${blocks + 1}(v${h})`);
    } else {
      lines.push(`${at()}brif v${k}, block${b + 1}(v${h}), block${blocks + 1}(v${g})`);
    }
  }
  const x = v++;
  lines.push(`block${blocks + 1}(v${x}: i32):`);
  lines.push(`@${(loc + 3).toString(16)}    return v${x}`);
  lines.push('}');
  return lines.join('\n');
}

export function syntheticFunction(blocks: number, seed = 1): Function {
  return parseFunction(syntheticClif(blocks, seed));
}
