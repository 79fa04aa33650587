import { VMMemoryDefinitionOffsets } from '@derrick/environ';
import { afterEach, describe, expect, it } from 'vitest';
import { collectUntil, mappingContaining, reservedBytes } from '../test/process-state.js';
import { Engine } from './engine.js';
import { RuntimeError } from './errors.js';
import { INNER } from './internal.js';
import { Memory } from './memory.js';
import { Store } from './store.js';

const engine = new Engine();
let store: Store;
afterEach(() => store?.dispose());

const GiB = 2n ** 30n;

function definition(m: Memory): { base: bigint; length: bigint } {
  const d = m[INNER].definition;
  return {
    base: d.view.getBigUint64(d.offset + VMMemoryDefinitionOffsets.base, true),
    length: d.view.getBigUint64(d.offset + VMMemoryDefinitionOffsets.currentLength, true),
  };
}

describe('Memory', () => {
  it('reserves min(max, 65536) pages of address space and commits the initial size', () => {
    store = new Store(engine);
    const m = Memory.new(store, { limits: { min: 2, max: undefined } });
    const base = m[INNER].base;
    expect(mappingContaining(base)?.perms).toBe('rw-p');
    expect(mappingContaining(base + 2n * 65536n)?.perms).toBe('---p');
    expect(mappingContaining(base + 4n * GiB - 1n)?.perms).toBe('---p');
    expect(definition(m)).toEqual({ base, length: 2n * 65536n });
    expect(m.size()).toBe(2);
    expect(m.dataSize()).toBe(131072);
    expect(m.ty()).toEqual({ limits: { min: 2, max: undefined } });

    const small = Memory.new(store, { limits: { min: 0, max: 3 } });
    const sb = small[INNER].base;
    expect(mappingContaining(sb)?.perms).toBe('---p');
    expect(small.data().length).toBe(0);
    expect(small.grow(3)).toBe(0);
    expect(mappingContaining(sb + 3n * 65536n - 1n)?.perms).toBe('rw-p');
  });

  it('grows in place: the base never moves, current_length is published, views are replaced', () => {
    store = new Store(engine);
    const m = Memory.new(store, { limits: { min: 1, max: 4 } });
    const base = m[INNER].base;
    m.write(65535, Uint8Array.of(0xab));
    const old = m.data();
    expect(m.grow(2)).toBe(1);
    expect(definition(m)).toEqual({ base, length: 3n * 65536n });
    const now = m.data();
    expect(now).not.toBe(old);
    expect(now.length).toBe(3 * 65536);
    expect(now[65535]).toBe(0xab);
    expect(now[65536]).toBe(0);
    expect(old[65535]).toBe(0xab); // the old view still reads its range
    expect(m.buffer.byteLength).toBeGreaterThanOrEqual(3 * 65536);
    expect(m.grow(0)).toBe(3);
    expect(() => m.grow(2)).toThrow(/failed to grow memory by 2 page\(s\): size 3, maximum 4/);
    expect(m.grow(1)).toBe(3);
    expect(m.ty()).toEqual({ limits: { min: 4, max: 4 } });
  });

  it('reads and writes with bounds checks', () => {
    store = new Store(engine);
    const m = Memory.new(store, { limits: { min: 1, max: 1 } });
    m.write(10, Uint8Array.of(1, 2, 3));
    expect(m.read(9, 5)).toEqual(Uint8Array.of(0, 1, 2, 3, 0));
    expect(() => m.read(65535, 2)).toThrow(/out of bounds memory access/);
    expect(() => m.write(-1, Uint8Array.of(1))).toThrow(RuntimeError);
    expect(m.read(65536, 0)).toEqual(new Uint8Array(0));
  });

  it('validates limits', () => {
    store = new Store(engine);
    expect(() => Memory.new(store, { limits: { min: 2, max: 1 } })).toThrow(/invalid memory limits/);
    expect(() => Memory.new(store, { limits: { min: 65537, max: undefined } })).toThrow(/invalid memory limits/);
    const full = Memory.new(store, { limits: { min: 0, max: 65536 } });
    expect(full[INNER].maxPages).toBe(65536);
  });

  it('is unmapped when its store is disposed, and refuses to be used afterwards', () => {
    store = new Store(engine);
    const m = Memory.new(store, { limits: { min: 1, max: undefined } });
    const base = m[INNER].base;
    store.dispose();
    const after = mappingContaining(base);
    expect(after === undefined || after.start !== base || after.perms !== 'rw-p').toBe(true);
    expect(() => m.data()).toThrow(/store was disposed/);
    expect(() => m.grow(1)).toThrow(/store was disposed/);
  });

  it('is unmapped by a finalizer once nothing reaches its store, and not before', async () => {
    let base = 0n;
    let kept: Memory | undefined = (() => {
      const s = new Store(engine); // dropped without dispose()
      const m = Memory.new(s, { limits: { min: 1, max: undefined } });
      base = m[INNER].base;
      return m;
    })();
    const mapped = () => mappingContaining(base)?.start === base && mappingContaining(base)?.perms === 'rw-p';
    // The store object is gone, but the memory is still reachable and usable.
    await collectUntil(() => false, 3);
    expect(mapped()).toBe(true);
    kept.write(0, Uint8Array.of(1));
    kept = undefined;
    expect(await collectUntil(() => !mapped())).toBe(true);
  });

  it('does not leak address space across many stores (the spec suite makes ~1600 memories)', () => {
    const before = reservedBytes();
    for (let i = 0; i < 300; i++) {
      const s = new Store(engine);
      Memory.new(s, { limits: { min: 1, max: undefined } }); // 4 GiB reserved each
      s.dispose();
    }
    expect(reservedBytes() - before).toBeLessThan(8n * GiB);
  });
});
