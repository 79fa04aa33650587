/**
 * Instantiation semantics (WebAssembly 2.0, as the spec testsuite checks
 * them) and the objects instances share: imports and their type matching,
 * globals, memories, tables, element and data segments, funcrefs and
 * externrefs, the start function. Run against any backend (`Backend`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  Func,
  Global,
  Instance,
  LinkError,
  Linker,
  Memory,
  RuntimeError,
  Store,
  Table,
  Trap,
  TrapCode,
  ValType,
  type Extern,
} from '../../src/index.js';
import { type Backend, compileWat, engineOf } from '../helpers.js';

export function instantiateSuite(backend: Backend): void {
  const engine = engineOf(backend);
  let store: Store;
  afterEach(() => store?.dispose());

  const I32 = ValType.I32;
  const I64 = ValType.I64;

  function trapOf(f: () => unknown): Trap {
    try {
      f();
    } catch (e) {
      if (e instanceof Trap) return e;
      throw e;
    }
    throw new Error('expected a trap');
  }

  describe('imports and their types', () => {
    it('links functions across instances, by name through a Linker', async () => {
      store = new Store(engine);
      const linker = new Linker(engine);
      const a = linker.instantiate(store, await compileWat(engine, `(module (func (export "twice") (param i32) (result i32) local.get 0 local.get 0 i32.add))`));
      linker.instance(store, 'a', a);
      const b = linker.instantiate(
        store,
        await compileWat(engine, `(module (import "a" "twice" (func $t (param i32) (result i32))) (func (export "f") (param i32) (result i32) local.get 0 call $t call $t))`),
      );
      expect(b.getFunc('f')!.call(5)).toBe(20);
      // The imported function is the exporter's function, not a copy.
      expect(b.exports().length).toBe(1);
      const reexport = linker.instantiate(store, await compileWat(engine, `(module (import "a" "twice" (func $t (param i32) (result i32))) (export "t" (func $t)))`));
      expect(reexport.getFunc('t')).toBe(a.getFunc('twice'));
    });

    it('rejects unknown imports and imports of the wrong type with the spec wording', async () => {
      store = new Store(engine);
      const linker = new Linker(engine);
      linker.funcWrap('env', 'f', { params: [I32], results: [] }, () => {});
      linker.define('env', 'g', Global.new(store, { valType: I32, mutable: false }, 1));
      linker.define('env', 'm', Memory.new(store, { limits: { min: 1, max: 2 } }));
      linker.define('env', 't', Table.new(store, { elemType: ValType.FuncRef, limits: { min: 10, max: 20 } }));
      const unlinkable = async (text: string): Promise<LinkError> => {
        try {
          linker.instantiate(store, await compileWat(engine, text));
        } catch (e) {
          if (e instanceof LinkError) return e;
          throw e;
        }
        throw new Error('expected a link error');
      };
      const unknown = await unlinkable(`(module (import "env" "nope" (func)))`);
      expect(unknown.reason).toBe('unknown-import');
      expect(unknown.message).toMatch(/^unknown import: `env::nope` has not been defined$/);
      for (const [text, detail] of [
        [`(module (import "env" "f" (func (param i64))))`, 'expected func [i64] -> [], found func [i32] -> []'],
        [`(module (import "env" "g" (global (mut i32))))`, 'expected global (mut i32), found global i32'],
        [`(module (import "env" "g" (global i64)))`, 'expected global i64, found global i32'],
        [`(module (import "env" "m" (memory 2)))`, 'expected memory 2, found memory 1 2'],
        [`(module (import "env" "m" (memory 0 1)))`, 'expected memory 0 1, found memory 1 2'],
        [`(module (import "env" "t" (table 10 externref)))`, 'expected table 10 externref, found table 10 20 funcref'],
        [`(module (import "env" "t" (table 10 15 funcref)))`, 'expected table 10 15 funcref'],
        [`(module (import "env" "f" (memory 1)))`, 'expected memory 1, found func'],
      ] as const) {
        const e = await unlinkable(text);
        expect(e.reason).toBe('incompatible-import-type');
        expect(e.message).toContain('incompatible import type');
        expect(e.message).toContain(detail);
      }
      // Matching ones link: a smaller minimum, a larger maximum, no maximum.
      linker.instantiate(store, await compileWat(engine, `(module (import "env" "m" (memory 0)) (import "env" "t" (table 5 30 funcref)))`));
    });

    it('checks the number of imports and that they come from the same store', async () => {
      store = new Store(engine);
      const module = await compileWat(engine, `(module (import "env" "g" (global i32)))`);
      expect(() => new Instance(store, module, [])).toThrow(/has 1 import\(s\), but 0 were provided/);
      const other = new Store(engine);
      const g = Global.new(other, { valType: I32, mutable: false }, 1);
      expect(() => new Instance(store, module, [g])).toThrow(/belongs to another store/);
      other.dispose();
    });

    it('refuses duplicate definitions unless shadowing is allowed', () => {
      const linker = new Linker(engine);
      linker.funcWrap('m', 'f', { params: [], results: [] }, () => {});
      expect(() => linker.funcWrap('m', 'f', { params: [], results: [] }, () => {})).toThrow(/`m::f` defined twice/);
      linker.allowShadowing().funcWrap('m', 'f', { params: [I32], results: [] }, () => {});
      store = new Store(engine);
      expect((linker.get(store, 'm', 'f') as Func).ty().params).toEqual([I32]);
      // A host function definition is created once per store.
      expect(linker.get(store, 'm', 'f')).toBe(linker.get(store, 'm', 'f'));
    });
  });

  describe('globals', () => {
    it('initializes globals from constant expressions, shares imported ones, and lets wasm write them', async () => {
      store = new Store(engine);
      const g = Global.new(store, { valType: I32, mutable: true }, 5);
      const i = new Instance(
        store,
        await compileWat(
          engine,
          `(module (import "env" "g" (global $g (mut i32))) (import "env" "c" (global $c i64))
            (global $d (export "d") i64 (global.get $c))
            (global $h (export "h") (mut i32) (i32.const -3))
            (func (export "bump") (result i32) global.get $g i32.const 1 i32.add global.set $g global.get $g)
            (func (export "sum") (result i64) global.get $d global.get $d i64.add))`,
        ),
        [g, Global.new(store, { valType: I64, mutable: false }, 21n)],
      );
      expect(i.getGlobal('d')!.get()).toBe(21n);
      expect(i.getFunc('sum')!.call()).toBe(42n);
      expect(i.getFunc('bump')!.call()).toBe(6);
      expect(g.get()).toBe(6);
      g.set(100);
      expect(i.getFunc('bump')!.call()).toBe(101);
      expect(i.getGlobal('h')!.get()).toBe(-3);
      expect(() => i.getGlobal('d')!.set(1n)).toThrow(/immutable global/);
    });
  });

  describe('memories', () => {
    it('loads and stores, grows through the memory.grow builtin, and JS views follow', async () => {
      store = new Store(engine);
      const i = new Instance(
        store,
        await compileWat(
          engine,
          `(module (memory (export "mem") 1 3)
            (data (i32.const 8) "\\2a\\00\\00\\00")
            (func (export "load") (param i32) (result i32) local.get 0 i32.load)
            (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
            (func (export "load64") (param i32) (result i64) local.get 0 i64.load offset=4)
            (func (export "size") (result i32) memory.size)
            (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))`,
        ),
      );
      const mem = i.getMemory('mem')!;
      expect(i.getFunc('load')!.call(8)).toBe(42);
      i.getFunc('store')!.call(65532, -2);
      expect(mem.read(65532, 4)).toEqual(Uint8Array.of(0xfe, 0xff, 0xff, 0xff));
      expect(trapOf(() => i.getFunc('load')!.call(65533)).code).toBe(TrapCode.MemoryOutOfBounds);
      expect(trapOf(() => i.getFunc('load64')!.call(65528)).message).toMatch(/^out of bounds memory access/);
      expect(i.getFunc('grow')!.call(1)).toBe(1);
      expect(i.getFunc('size')!.call()).toBe(2);
      expect(mem.size()).toBe(2);
      expect(mem.data().length).toBe(2 * 65536);
      i.getFunc('store')!.call(65536 + 100, 7);
      expect(mem.data()[65636]).toBe(7);
      expect(i.getFunc('grow')!.call(2)).toBe(-1); // past the maximum of 3
      expect(i.getFunc('grow')!.call(1)).toBe(2);
      expect(mem.grow(0)).toBe(3);
      expect(() => mem.grow(1)).toThrow(/failed to grow memory/);
      // The base never moves: old bytes are where they were.
      expect(i.getFunc('load')!.call(8)).toBe(42);
    });

    it('shares an imported memory between instances', async () => {
      store = new Store(engine);
      const mem = Memory.new(store, { limits: { min: 1, max: undefined } });
      const text = `(module (import "env" "mem" (memory 1))
        (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
        (func (export "load") (param i32) (result i32) local.get 0 i32.load)
        (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))`;
      const a = new Instance(store, await compileWat(engine, text), [mem]);
      const b = new Instance(store, await compileWat(engine, text), [mem]);
      a.getFunc('store')!.call(16, 1234);
      expect(b.getFunc('load')!.call(16)).toBe(1234);
      expect(a.getFunc('grow')!.call(9)).toBe(1);
      b.getFunc('store')!.call(9 * 65536, 5);
      expect(mem.size()).toBe(10);
      expect(mem.read(9 * 65536, 1)[0]).toBe(5);
    });
  });

  describe('segments', () => {
    it('applies data segments in order and traps on one that does not fit, keeping earlier writes', async () => {
      store = new Store(engine);
      const mem = Memory.new(store, { limits: { min: 1, max: undefined } });
      const module = await compileWat(
        engine,
        `(module (import "env" "mem" (memory 1))
          (data (i32.const 0) "a") (data (i32.const 65535) "bc") (data (i32.const 2) "d"))`,
      );
      const trap = trapOf(() => new Instance(store, module, [mem]));
      expect(trap.code).toBe(TrapCode.MemoryOutOfBounds);
      expect(trap.message).toBe('out of bounds memory access');
      expect(mem.read(0, 3)).toEqual(Uint8Array.of(0x61, 0, 0)); // the first landed, the third never ran
      expect(mem.read(65535, 1)[0]).toBe(0); // nothing of the failing one
    });

    it('applies element segments, traps on one that does not fit, and leaves funcrefs of the failed instance callable', async () => {
      store = new Store(engine);
      const table = Table.new(store, { elemType: ValType.FuncRef, limits: { min: 4, max: undefined } });
      const module = await compileWat(
        engine,
        `(module (import "env" "tab" (table 4 funcref))
          (func $seven (result i32) i32.const 7)
          (elem (i32.const 1) $seven)
          (elem (i32.const 3) $seven $seven))`,
      );
      const trap = trapOf(() => new Instance(store, module, [table]));
      expect(trap.code).toBe(TrapCode.TableOutOfBounds);
      expect(trap.message).toContain('out of bounds table access');
      expect(table.get(0)).toBeNull();
      expect(table.get(3)).toBeNull();
      const seven = table.get(1) as Func;
      expect(seven).toBeInstanceOf(Func);
      expect(seven.call()).toBe(7); // the failed instance is alive
    });

    it('evaluates element expressions, drops declarative segments, keeps passive ones', async () => {
      store = new Store(engine);
      const i = new Instance(
        store,
        await compileWat(
          engine,
          `(module (table (export "t") 3 funcref)
            (func $a (result i32) i32.const 1)
            (elem (i32.const 0) funcref (ref.func $a) (ref.null func))
            (elem $p funcref (ref.func $a))
            (elem declare func $a))`,
        ),
      );
      const t = i.getTable('t')!;
      expect(t.size()).toBe(3);
      expect((t.get(0) as Func).call()).toBe(1);
      expect(t.get(1)).toBeNull();
    });

    it('runs the bulk operations through the builtins, with dropped segments behaving as empty', async () => {
      store = new Store(engine);
      const i = new Instance(
        store,
        await compileWat(
          engine,
          `(module (memory (export "m") 1) (table (export "t") 4 funcref)
            (func $a (result i32) i32.const 1)
            (func $b (result i32) i32.const 2)
            (data $d "hello")
            (elem $e funcref (ref.func $a) (ref.func $b))
            (elem declare func $a)
            (elem (i32.const 0) $b)
            (func (export "minit") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.init $d)
            (func (export "ddrop") data.drop $d)
            (func (export "mfill") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)
            (func (export "mcopy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)
            (func (export "tinit") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 table.init $e)
            (func (export "tinit0") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 table.init 2)
            (func (export "edrop") elem.drop $e)
            (func (export "tfill") (param i32 funcref i32) local.get 0 local.get 1 local.get 2 table.fill)
            (func (export "tcopy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 table.copy)
            (func (export "tgrow") (param funcref i32) (result i32) local.get 0 local.get 1 table.grow)
            (func (export "tset") (param i32 funcref) local.get 0 local.get 1 table.set)
            (func (export "tsize") (result i32) table.size))`,
        ),
      );
      const f = (name: string) => i.getFunc(name)!;
      const m = i.getMemory('m')!;
      const t = i.getTable('t')!;
      f('minit').call(10, 1, 4);
      expect(new TextDecoder().decode(m.read(10, 4))).toBe('ello');
      expect(trapOf(() => f('minit').call(0, 2, 4)).code).toBe(TrapCode.MemoryOutOfBounds); // past the segment
      expect(trapOf(() => f('minit').call(65534, 0, 4)).code).toBe(TrapCode.MemoryOutOfBounds); // past the memory
      f('minit').call(65536, 5, 0); // empty at both ends is fine
      f('ddrop').call();
      expect(trapOf(() => f('minit').call(0, 0, 1)).code).toBe(TrapCode.MemoryOutOfBounds);
      f('minit').call(0, 0, 0);
      f('mfill').call(100, 0x1ff, 3);
      expect(m.read(99, 5)).toEqual(Uint8Array.of(0, 0xff, 0xff, 0xff, 0));
      expect(trapOf(() => f('mfill').call(65535, 0, 2)).code).toBe(TrapCode.MemoryOutOfBounds);
      expect(m.read(65535, 1)[0]).toBe(0); // nothing written by a trapping fill
      f('mcopy').call(11, 10, 4); // overlapping
      expect(new TextDecoder().decode(m.read(10, 5))).toBe('eello');

      expect((t.get(0) as Func).call()).toBe(2);
      f('tinit').call(1, 0, 2);
      expect((t.get(1) as Func).call()).toBe(1);
      expect((t.get(2) as Func).call()).toBe(2);
      expect(trapOf(() => f('tinit0').call(0, 0, 1)).code).toBe(TrapCode.TableOutOfBounds); // active segments are dropped
      expect(trapOf(() => f('tinit').call(3, 0, 2)).message).toContain('out of bounds table access');
      f('edrop').call();
      expect(trapOf(() => f('tinit').call(0, 0, 1)).code).toBe(TrapCode.TableOutOfBounds);
      f('tfill').call(2, null, 2);
      expect([t.get(2), t.get(3)]).toEqual([null, null]);
      f('tcopy').call(2, 0, 2);
      expect(t.get(2)).toBe(t.get(0));
      expect(t.get(3)).toBe(t.get(1));
      const b = t.get(0) as Func;
      expect(f('tgrow').call(b, 3)).toBe(4);
      expect(f('tsize').call()).toBe(7);
      expect(t.get(6)).toBe(b);
      f('tset').call(6, null);
      expect(t.get(6)).toBeNull();
      expect(trapOf(() => f('tset').call(7, null)).code).toBe(TrapCode.TableOutOfBounds);
      expect(f('tgrow').call(null, 20_000_000)).toBe(-1);
    });
  });

  describe('tables, call_indirect and references', () => {
    it('calls through a table with signature checks, null checks and bounds checks', async () => {
      store = new Store(engine);
      const host = Func.wrap(store, { params: [I32], results: [I32] }, (x: number) => x * 100);
      const i = new Instance(
        store,
        await compileWat(
          engine,
          `(module (type $ii (func (param i32) (result i32))) (type $v (func))
            (table (export "t") 4 funcref)
            (func $inc (param i32) (result i32) local.get 0 i32.const 1 i32.add)
            (func $nop)
            (elem (i32.const 0) $inc $nop)
            (func (export "call") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $ii))
            (func (export "get") (param i32) (result funcref) local.get 0 table.get 0)
            (func (export "ref") (result funcref) ref.func $inc))`,
        ),
      );
      const call = i.getFunc('call')!;
      expect(call.call(0, 41)).toBe(42);
      expect(trapOf(() => call.call(1, 0)).code).toBe(TrapCode.BadSignature);
      expect(trapOf(() => call.call(2, 0)).code).toBe(TrapCode.IndirectCallToNull);
      expect(trapOf(() => call.call(4, 0)).code).toBe(TrapCode.TableOutOfBounds);
      expect(trapOf(() => call.call(-1, 0)).message).toMatch(/^undefined element: out of bounds table access/);
      // A host function stored into the table from the host is callable from wasm.
      i.getTable('t')!.set(3, host);
      expect(call.call(3, 4)).toBe(400);
      // funcrefs come back as the same Func objects.
      expect(i.getFunc('get')!.call(3)).toBe(host);
      const inc = i.getFunc('ref')!.call() as Func;
      expect(inc.call(1)).toBe(2);
      expect(i.getFunc('get')!.call(0)).toBe(inc);
      expect(i.getFunc('get')!.call(2)).toBeNull();
    });

    it('grows tables, moving their storage, and compiled code follows', async () => {
      store = new Store(engine);
      const t = Table.new(store, { elemType: ValType.FuncRef, limits: { min: 1, max: 100 } });
      const i = new Instance(
        store,
        await compileWat(
          engine,
          `(module (import "env" "t" (table 1 funcref)) (type $v (func (result i32)))
            (func (export "call") (param i32) (result i32) local.get 0 call_indirect (type $v)))`,
        ),
        [t],
      );
      const answer = Func.wrap(store, { params: [], results: [I32] }, () => 42);
      expect(t.grow(50, answer)).toBe(1);
      expect(i.getFunc('call')!.call(50)).toBe(42);
      expect(t.size()).toBe(51);
      expect(() => t.grow(50)).toThrow(/failed to grow table/);
      expect(t.grow(49, null)).toBe(51);
      expect(trapOf(() => i.getFunc('call')!.call(99)).code).toBe(TrapCode.IndirectCallToNull);
    });

    it('passes externrefs in and out as the same host values', async () => {
      store = new Store(engine);
      const i = new Instance(store, await compileWat(engine, `(module (func (export "id") (param externref) (result externref) local.get 0))`));
      const id = i.getFunc('id')!;
      const obj = { hello: 'world' };
      expect(id.call(obj)).toBe(obj);
      expect(id.call(null)).toBeNull();
      expect(id.call(0)).toBe(0);
      expect(id.call(undefined)).toBeUndefined();
      expect(id.callVals([{ type: 'externref', value: 7 }])).toEqual([{ type: 'externref', value: 7 }]);
    });
  });

  describe('start function', () => {
    it('runs the start function (a host import here) after the segments', async () => {
      store = new Store(engine);
      const mem = Memory.new(store, { limits: { min: 1, max: undefined } });
      const seen: number[] = [];
      const start = Func.wrap(store, { params: [], results: [] }, () => seen.push(mem.read(0, 1)[0]!));
      new Instance(store, await compileWat(engine, `(module (import "env" "s" (func $s)) (import "env" "m" (memory 1)) (data (i32.const 0) "\\05") (start $s))`), [start, mem]);
      expect(seen).toEqual([5]);
    });

    it('propagates a trap from the start function', async () => {
      store = new Store(engine);
      const module = await compileWat(engine, `(module (func $s unreachable) (start $s))`);
      const trap = trapOf(() => new Instance(store, module));
      expect(trap.code).toBe(TrapCode.UnreachableCodeReached);
      expect(trap.funcIndex).toBe(0);
    });
  });

  describe('objects of a disposed store', () => {
    it('refuse to work instead of touching unmapped memory', async () => {
      store = new Store(engine);
      const i = new Instance(store, await compileWat(engine, `(module (memory (export "m") 1) (func (export "f")))`));
      const f = i.getFunc('f')!;
      const m = i.getMemory('m')!;
      store.dispose();
      expect(() => f.call()).toThrow(RuntimeError);
      expect(() => m.data()).toThrow(/store was disposed/);
      const ext: Extern[] = [];
      expect(() => new Instance(store, i.module, ext)).toThrow(/store was disposed/);
    });
  });
}
