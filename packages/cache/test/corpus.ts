/**
 * CLIF functions the cache tests key, mutate and store. Together they use
 * every instruction format (see `InstructionFormat` in codegen-ir), source
 * locations, user and libcall callees, jump tables and stack slots.
 */
import { type Function, parseFunction } from '@derrick/codegen-ir';

export const CORPUS: readonly string[] = [
  `function u0:3(i64 vmctx, i32) -> i32 wasmtime {
    ss0 = explicit_slot 16, align = 8
    sig0 = (i64 vmctx, i32) -> i32 wasmtime
    sig1 = (f32) -> f32 system_v
    fn0 = colocated u0:7 sig0
    fn1 = %CeilF32 sig1
    fn2 = u1:2 sig0
block0(v0: i64, v1: i32):
@0100    v2 = load.i32 notrap aligned v0+64
@0103    v3 = iconst.i32 0
@0105    jump block1(v3, v1)

block1(v4: i32, v5: i32):
@0108    v6 = iadd v4, v5
@010a    v7 = iadd_imm v5, -1
@010c    v8 = icmp_imm ne v7, 0
@010e    brif v8, block1(v6, v7), block2

block2:
@0110    v9 = call fn0(v0, v6)
@0112    v10 = f32const 0x1.800000p0
@0114    v11 = call fn1(v10)
@0116    v12 = fcmp lt v11, v10
@0118    v13 = uextend.i32 v12
@011a    v14 = iadd v9, v13
@011c    store notrap aligned v14, v0+8
@011e    stack_store v14, ss0+4
@0120    v15 = stack_load.i32 ss0+4
@0122    v16 = call fn2(v0, v15)
@0124    return v16
}`,
  `function %dispatch(i32, i64) -> i64 system_v {
    sig0 = (i64) -> i64 fast
    fn0 = colocated %callee sig0
block0(v0: i32, v1: i64):
    br_table v0, block4, [block1, block2, block3, block2]

block1:
    v2 = iconst.i64 0x1234_5678_9abc
    v3 = imul v1, v2
    jump block5(v3)

block2:
    v4 = f64const 0x1.0000000000001p0
    v5 = bitcast.i64 v4
    v6 = bxor v5, v1
    jump block5(v6)

block3:
    v7 = icmp ult v0, v0
    v8 = select v7, v1, v1
    v9 = uadd_overflow_trap v8, v1, user1
    trapz v9, user2
    v10 = func_addr.i64 fn0
    v11 = call_indirect sig0, v10(v9)
    jump block5(v11)

block4:
    trap user3

block5(v12: i64):
    v13 = sextend.i64 v0
    v14 = iadd v12, v13
    return v14
}`,
  `function %floats(f64, f64, i64) -> f64, i32 {
block0(v0: f64, v1: f64, v2: i64):
    v3 = fadd v0, v1
    v4 = fmul v3, v0
    v5 = fdiv v4, v1
    v6 = sqrt v5
    v7 = fcvt_to_sint.i32 v6
    v8 = load.f64 v2
    v9 = fsub v8, v6
    v10 = ishl_imm v7, 3
    v11 = ireduce.i8 v2
    v12 = sextend.i32 v11
    v13 = band v10, v12
    return v9, v13
}`,
];

export function corpusFunction(i: number): Function {
  return parseFunction(CORPUS[i]!);
}
