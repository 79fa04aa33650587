/**
 * `RegAllocFunctionBuilder`: a convenient way to produce a `RegAllocFunction`
 * from per-block instruction lists. Tests and the fuzzer use it; a lowering
 * that does not already keep CSR arrays can use it too.
 *
 * Blocks are numbered in layout order; instructions may be added to blocks in
 * any order (`finish` lays them out block by block). Predecessor lists are
 * derived from the successors.
 */
import { InstFlags, type RegAllocFunction } from './function.js';
import type { Operand, PRegSet, RegClass } from './operand.js';

interface BuilderInst {
  operands: Operand[];
  flags: number;
  clobbers: PRegSet | null;
}

interface BuilderBlock {
  params: number[];
  insts: BuilderInst[];
  succs: number[];
  args: number[][];
}

export class RegAllocFunctionBuilder {
  private readonly vregClasses: number[] = [];
  private readonly blocks: BuilderBlock[] = [];

  newVReg(cls: RegClass): number {
    this.vregClasses.push(cls);
    return this.vregClasses.length - 1;
  }

  /** Appends a block to the layout and returns its index. */
  newBlock(): number {
    this.blocks.push({ params: [], insts: [], succs: [], args: [] });
    return this.blocks.length - 1;
  }

  get numBlocks(): number {
    return this.blocks.length;
  }

  blockParam(block: number, vreg: number): this {
    this.blocks[block]!.params.push(vreg);
    return this;
  }

  /** An ordinary instruction. */
  inst(block: number, operands: Operand[], clobbers: PRegSet | null = null): this {
    this.blocks[block]!.insts.push({ operands, flags: 0, clobbers });
    return this;
  }

  /** A move `dst = src`: `operands` holds the use of src and the def of dst. */
  move(block: number, operands: Operand[]): this {
    this.blocks[block]!.insts.push({ operands, flags: InstFlags.Move, clobbers: null });
    return this;
  }

  ret(block: number, operands: Operand[] = []): this {
    this.blocks[block]!.insts.push({ operands, flags: InstFlags.Ret, clobbers: null });
    return this;
  }

  /** A branch to `targets` (each with its block arguments); `operands` are e.g. the condition. */
  branch(block: number, operands: Operand[], targets: readonly (readonly [number, readonly number[]])[]): this {
    const b = this.blocks[block]!;
    b.insts.push({ operands, flags: InstFlags.Branch, clobbers: null });
    for (const [t, args] of targets) {
      b.succs.push(t);
      b.args.push([...args]);
    }
    return this;
  }

  jump(block: number, target: number, args: readonly number[] = []): this {
    return this.branch(block, [], [[target, args]]);
  }

  finish(entryBlock = 0): RegAllocFunction {
    const nb = this.blocks.length;
    let numInsts = 0;
    let numOps = 0;
    let numSuccs = 0;
    let numArgs = 0;
    let numParams = 0;
    for (const b of this.blocks) {
      numInsts += b.insts.length;
      for (const i of b.insts) numOps += i.operands.length;
      numSuccs += b.succs.length;
      for (const a of b.args) numArgs += a.length;
      numParams += b.params.length;
    }
    const blockStart = new Int32Array(nb + 1);
    const succStart = new Int32Array(nb + 1);
    const succs = new Int32Array(numSuccs);
    const predStart = new Int32Array(nb + 1);
    const preds = new Int32Array(numSuccs);
    const paramStart = new Int32Array(nb + 1);
    const params = new Int32Array(numParams);
    const branchArgStart = new Int32Array(numSuccs + 1);
    const branchArgs = new Int32Array(numArgs);
    const operandStart = new Int32Array(numInsts + 1);
    const operands = new Uint32Array(numOps);
    const instFlags = new Uint8Array(numInsts);
    const instClobbers = new Int32Array(numInsts).fill(-1);
    const clobberSets: PRegSet[] = [];

    let inst = 0;
    let op = 0;
    let e = 0;
    let a = 0;
    let p = 0;
    const predCount = new Int32Array(nb);
    for (let bi = 0; bi < nb; bi++) {
      const b = this.blocks[bi]!;
      blockStart[bi] = inst;
      succStart[bi] = e;
      paramStart[bi] = p;
      for (const v of b.params) params[p++] = v;
      for (const i of b.insts) {
        operandStart[inst] = op;
        for (const o of i.operands) operands[op++] = o;
        instFlags[inst] = i.flags;
        if (i.clobbers !== null) {
          let k = clobberSets.indexOf(i.clobbers);
          if (k < 0) {
            k = clobberSets.length;
            clobberSets.push(i.clobbers);
          }
          instClobbers[inst] = k;
        }
        inst++;
      }
      for (let k = 0; k < b.succs.length; k++) {
        succs[e] = b.succs[k]!;
        predCount[b.succs[k]!]!++;
        branchArgStart[e] = a;
        for (const v of b.args[k]!) branchArgs[a++] = v;
        e++;
      }
    }
    blockStart[nb] = inst;
    succStart[nb] = e;
    paramStart[nb] = p;
    branchArgStart[e] = a;
    operandStart[inst] = op;

    let acc = 0;
    for (let bi = 0; bi < nb; bi++) {
      predStart[bi] = acc;
      acc += predCount[bi]!;
    }
    predStart[nb] = acc;
    const fill = predStart.slice(0, nb);
    for (let bi = 0; bi < nb; bi++) {
      for (let k = succStart[bi]!; k < succStart[bi + 1]!; k++) preds[fill[succs[k]!]!++] = bi;
    }

    return {
      numInsts,
      numBlocks: nb,
      numVRegs: this.vregClasses.length,
      entryBlock,
      vregClass: Uint8Array.from(this.vregClasses),
      blockStart,
      succStart,
      succs,
      predStart,
      preds,
      paramStart,
      params,
      branchArgStart,
      branchArgs,
      operandStart,
      operands,
      instFlags,
      instClobbers,
      clobberSets,
    };
  }
}
