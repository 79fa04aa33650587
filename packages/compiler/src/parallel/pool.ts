/**
 * Parallel compilation on worker threads (issue 4: "functions compiled in
 * parallel on worker threads when there are enough of them").
 *
 * A `CompilePool` belongs to one `DerrickCompiler`. It starts its workers
 * (`worker.ts`) on first use, each with the compiler's recipe, and keeps
 * them for the compiler's later modules; an idle worker is `unref`ed, so a
 * pool never keeps the process alive.
 *
 * One `compile(translation, indices)`:
 * 1. cuts the functions, in the order given, into batches of about
 *    `total / (threads × 16)` code bytes, so the threads finish close together;
 * 2. hands each worker a batch, and the next one when it answers (the first
 *    batch of a module carries a copy of the module's bytes; a worker keeps
 *    only its latest module); the calling thread, given `local`, takes
 *    batches from the same queue (CallerWorksToo);
 * 3. puts every result in the slot of its index, so the output order — and
 *    therefore the text and the image — is the one of a sequential compile.
 *
 * Invariants.
 * * (SameCompiler) a worker's compiler is built from the triple and every
 *   shared and ISA setting of the main thread's, so a function's encoded
 *   result is byte-identical to compiling it on the main thread (tested).
 * * (FirstErrorWins) the first failing batch — a worker's or the caller's —
 *   rejects the whole compile with its `CompileError` (kind and message
 *   preserved); batches in flight are drained and ignored, none is started
 *   after it.
 * * (CallerWorksToo) with `local`, the caller compiles batches itself, so
 *   `n` threads of work need only `n − 1` workers.
 * * (DeadWorkerIsAnError) a worker that throws outside a job or exits
 *   rejects the compile with a `CompileError` naming it, and is replaced
 *   next time; the process never hangs on it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CompileError, type CompileErrorKind, type ModuleTranslation } from '@derrick/environ';

/** How to build an identical compiler in a worker. */
export interface CompilerRecipe {
  readonly triple: string;
  readonly settings: readonly (readonly [string, string])[];
}

export interface ToWorker {
  readonly jobId: number;
  readonly moduleId: number;
  /** The module's bytes, when this worker has not seen the module yet. */
  readonly bytes?: Uint8Array;
  readonly indices: readonly number[];
}

export type ToMain =
  | { readonly jobId: number; readonly results: Uint8Array[]; readonly error?: undefined }
  | { readonly jobId: number; readonly results?: undefined; readonly error: { kind: CompileErrorKind; message: string } };

/**
 * The worker script, always from `dist` (this file is `src/parallel/pool.ts`
 * or `dist/parallel/pool.js`; both are two levels below the package), because
 * a worker thread runs plain JavaScript.
 */
const WORKER_URL = new URL('../../dist/parallel/worker.js', import.meta.url);

/** Whether the worker script is there (a source-only checkout has no `dist`). */
export function workerScriptAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_URL));
}

interface PoolWorker {
  readonly worker: Worker;
  /** The module this worker holds. */
  moduleId: number;
  /** Called with the worker's next message or failure. */
  onMessage?: (m: ToMain) => void;
  onFailure?: (e: Error) => void;
}

let nextModuleId = 1;
const moduleIds = new WeakMap<ModuleTranslation, number>();

export class CompilePool {
  readonly #recipe: CompilerRecipe;
  readonly #size: number;
  #workers: PoolWorker[] = [];
  #nextJob = 1;

  constructor(recipe: CompilerRecipe, size: number) {
    this.#recipe = recipe;
    this.#size = Math.max(1, size);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Compile `indices` of `translation`. Result `k` is the encoded body of
   * `indices[k]` (`wire.ts`), or `undefined` where the calling thread took the
   * batch itself through `local` (which then keeps its own results): with
   * `local`, the caller works alongside the workers (CallerWorksToo), taking
   * a batch whenever it is free, between handling the workers' answers.
   */
  async compile(
    translation: ModuleTranslation,
    indices: readonly number[],
    local?: (batch: readonly number[]) => void,
  ): Promise<(Uint8Array | undefined)[]> {
    if (indices.length === 0) return [];
    let moduleId = moduleIds.get(translation);
    if (moduleId === undefined) moduleIds.set(translation, (moduleId = nextModuleId++));
    const threads = this.#size + (local === undefined ? 0 : 1);
    const batches = cutBatches(translation, indices, threads);
    const results = new Array<Uint8Array | undefined>(indices.length);
    const slot = new Map<number, number>(); // function index → position in `indices` (first occurrence)
    indices.forEach((f, k) => {
      if (!slot.has(f)) slot.set(f, k);
    });
    const workers = this.#ensureWorkers(Math.min(this.#size, batches.length));
    let bytes: Uint8Array | undefined;
    let next = 0;
    let failed: Error | undefined;
    const fail = (e: unknown): void => {
      failed ??= e instanceof Error ? e : new Error(String(e));
    };
    let busy = 0;
    let wake: (() => void) | undefined;
    const settled = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };

    const dispatch = (w: PoolWorker): void => {
      if (failed !== undefined || next >= batches.length) {
        w.worker.unref();
        w.onMessage = undefined;
        w.onFailure = undefined;
        settled();
        return;
      }
      const batch = batches[next++]!;
      const jobId = this.#nextJob++;
      let msg: ToWorker = { jobId, moduleId: moduleId!, indices: batch };
      if (w.moduleId !== moduleId) {
        // A copy of exactly the module (a view may sit in a larger buffer).
        bytes ??= translation.bytes.slice();
        msg = { ...msg, bytes };
        w.moduleId = moduleId!;
      }
      busy++;
      w.onMessage = (m) => {
        busy--;
        if (m.jobId !== jobId) fail(new CompileError('codegen', `compile worker answered job ${m.jobId}, expected ${jobId}`));
        else if (m.error !== undefined) fail(new CompileError(m.error.kind, m.error.message));
        else m.results.forEach((r, i) => (results[slot.get(batch[i]!)!] = r));
        dispatch(w);
      };
      w.onFailure = (e) => {
        busy--;
        fail(e);
        w.onMessage = undefined;
        w.onFailure = undefined;
        settled();
      };
      w.worker.ref();
      w.worker.postMessage(msg);
    };
    for (const w of workers) dispatch(w);

    // The calling thread: take batches while there are any, letting the
    // workers' answers in between (each answer dispatches that worker's next batch).
    if (local !== undefined) {
      while (failed === undefined && next < batches.length) {
        const batch = batches[next++]!;
        try {
          local(batch);
        } catch (e) {
          fail(e);
        }
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    while (busy > 0) await new Promise<void>((r) => (wake = r));
    if (failed !== undefined) throw failed;
    // Duplicate indices share their first occurrence's result.
    indices.forEach((f, k) => (results[k] ??= results[slot.get(f)!]));
    return results;
  }

  /** Stop every worker (tests; a pool is otherwise kept for the compiler's lifetime). */
  async close(): Promise<void> {
    const ws = this.#workers;
    this.#workers = [];
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }

  #ensureWorkers(n: number): PoolWorker[] {
    while (this.#workers.length < n) this.#workers.push(this.#spawn());
    return this.#workers.slice(0, n);
  }

  #spawn(): PoolWorker {
    const worker = new Worker(WORKER_URL, { workerData: this.#recipe, execArgv: workerExecArgv() });
    worker.unref();
    const pw: PoolWorker = { worker, moduleId: 0 };
    const dead = (why: string): void => {
      this.#workers = this.#workers.filter((w) => w !== pw);
      const f = pw.onFailure;
      pw.onMessage = undefined;
      pw.onFailure = undefined;
      f?.(new CompileError('codegen', `compile worker thread ${worker.threadId} ${why}`));
    };
    worker.on('message', (m: ToMain) => pw.onMessage?.(m));
    worker.on('error', (e) => dead(`failed: ${e instanceof Error ? e.message : String(e)}`));
    worker.on('exit', (code) => dead(`exited with code ${code}`));
    return pw;
  }
}

/**
 * The process's Node options minus a `source` export condition (a test
 * runner resolving packages to their TypeScript sources): the worker runs
 * `dist`, and its imports must resolve to `dist` too.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--conditions' || a === '-C') && argv[i + 1] === 'source') i++;
    else if (a !== '--conditions=source') out.push(a);
  }
  return out;
}

/**
 * The functions in the order given, cut into batches of about
 * `total / (threads × 16)` code bytes. (Not largest-first: a cold thread
 * compiles QuickJS ~13 % faster in module order than largest-first — the
 * JIT warms up on the small functions — which outweighs the better balance.)
 */
function cutBatches(t: ModuleTranslation, indices: readonly number[], workers: number): number[][] {
  const size = (i: number): number => {
    const b = t.functionBodies[i]!;
    return b.codeEnd - b.entryStart;
  };
  const unique = [...new Set(indices)];
  const total = unique.reduce((s, i) => s + size(i), 0);
  const target = Math.max(1024, Math.ceil(total / (workers * 16)));
  const out: number[][] = [];
  let cur: number[] = [];
  let curBytes = 0;
  for (const i of unique) {
    cur.push(i);
    curBytes += size(i);
    if (curBytes >= target) {
      out.push(cur);
      cur = [];
      curBytes = 0;
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
