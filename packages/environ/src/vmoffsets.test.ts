import { describe, expect, it } from 'vitest';
import { VMFuncRefOffsets, VMFunctionImportOffsets, VMGlobalDefinitionSize, VMMemoryDefinitionOffsets, VMOffsets, type VMOffsetsInput, VMTableDefinitionOffsets, vmctxLayoutFingerprint } from './vmoffsets.js';

const counts = (o: Partial<VMOffsetsInput> = {}): VMOffsetsInput => ({
  numTypes: 3,
  numImportedFunctions: 18,
  numImportedTables: 1,
  numImportedMemories: 1,
  numImportedGlobals: 2,
  numDefinedFunctions: 40,
  numDefinedTables: 1,
  numDefinedMemories: 1,
  numDefinedGlobals: 3,
  ...o,
});

/** Every record of the layout: [what, start, size]. */
function records(v: VMOffsets): [string, number, number][] {
  const c = v.counts;
  const out: [string, number, number][] = [['header', 0, 32]];
  for (let i = 0; i < c.numImportedFunctions; i++) out.push([`import func ${i}`, v.importedFunction(i), VMFunctionImportOffsets.size]);
  for (let i = 0; i < c.numImportedTables; i++) out.push([`import table ${i}`, v.importedTable(i), 8]);
  for (let i = 0; i < c.numImportedMemories; i++) out.push([`import memory ${i}`, v.importedMemory(i), 8]);
  for (let i = 0; i < c.numImportedGlobals; i++) out.push([`import global ${i}`, v.importedGlobal(i), 8]);
  for (let i = 0; i < c.numDefinedTables; i++) out.push([`table ${i}`, v.definedTable(i), VMTableDefinitionOffsets.size]);
  for (let i = 0; i < c.numDefinedMemories; i++) out.push([`memory ${i}`, v.definedMemory(i), VMMemoryDefinitionOffsets.size]);
  for (let i = 0; i < c.numDefinedGlobals; i++) out.push([`global ${i}`, v.definedGlobal(i), VMGlobalDefinitionSize]);
  for (let i = 0; i < c.numImportedFunctions + c.numDefinedFunctions; i++) out.push([`funcref ${i}`, v.funcRef(i), VMFuncRefOffsets.size]);
  return out;
}

describe('VMOffsets', () => {
  it('lays every record out once, without overlap, inside the vmctx, 16-byte records 16-aligned', () => {
    for (const c of [counts(), counts({ numImportedFunctions: 0, numImportedGlobals: 0 }), counts({ numImportedTables: 0, numDefinedGlobals: 0, numImportedMemories: 0 })]) {
      const v = new VMOffsets(c);
      const rs = records(v).sort((a, b) => a[1] - b[1]);
      rs.forEach(([what, start, size], k) => {
        if (k > 0) expect(start, what).toBeGreaterThanOrEqual(rs[k - 1]![1] + rs[k - 1]![2]);
        expect(start + size, what).toBeLessThanOrEqual(v.size);
        if (size === 16) expect(start % 16, what).toBe(0);
      });
      expect(v.size % 16).toBe(0);
    }
  });

  it('vmctx-offsets-stable: memory, table and global offsets do not depend on the function counts', () => {
    const a = new VMOffsets(counts());
    for (const b of [new VMOffsets(counts({ numImportedFunctions: 19 })), new VMOffsets(counts({ numImportedFunctions: 0, numDefinedFunctions: 7 }))]) {
      expect(b.importedTable(0)).toBe(a.importedTable(0));
      expect(b.importedMemory(0)).toBe(a.importedMemory(0));
      expect(b.importedGlobal(1)).toBe(a.importedGlobal(1));
      expect(b.definedTable(0)).toBe(a.definedTable(0));
      expect(b.definedMemory(0)).toBe(a.definedMemory(0));
      expect(b.definedGlobal(2)).toBe(a.definedGlobal(2));
    }
    // An imported function's record moves only with the tables, memories and globals.
    expect(new VMOffsets(counts({ numImportedFunctions: 19 })).importedFunction(3)).toBe(a.importedFunction(3));
    expect(new VMOffsets(counts({ numDefinedGlobals: 4 })).importedFunction(3)).toBe(a.importedFunction(3) + VMGlobalDefinitionSize);
  });

  it('fingerprints the layout: 8 hex digits, the same on every call (recorded in every image)', () => {
    const f = vmctxLayoutFingerprint();
    expect(f).toMatch(/^[0-9a-f]{8}$/);
    expect(vmctxLayoutFingerprint()).toBe(f);
  });
});
