/**
 * The four libc calls the JIT is built on — `mmap`, `munmap`, `mprotect`,
 * `sysconf(_SC_PAGESIZE)` — bound through koffi, each checked.
 *
 * The bindings are created on first use, not at import, so that importing
 * `@derrick/jit` on a host without glibc (or merely to use its types) costs
 * nothing and fails nowhere; the first real use fails with a typed error
 * instead (`assertSupportedHost`).
 *
 * Pointer representation: koffi 3 passes and returns `void *` as a `bigint`
 * (`null` for NULL). This module accepts and returns `bigint` addresses only.
 *
 * Invariant (checked-syscall): no caller sees a libc failure as a return
 * value. `MAP_FAILED` (koffi returns it as `0xffff_ffff_ffff_ffffn`), a NULL
 * mapping and a `-1` from `munmap`/`mprotect`/`sysconf` become a `JitError` of
 * kind `syscall-failed` carrying `errno` as koffi saved it right after the
 * call (`koffi.errno()`), its symbolic name and `strerror` text.
 */
import koffi from 'koffi';
import { JitError, hex } from './error.js';
import { assertSupportedHost, loadSharedLibrary } from './shared-library.js';

// Linux values (identical on x86-64 and AArch64).
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const SC_PAGESIZE = 30;
/** `(void *)-1` as koffi hands it back: an unsigned 64-bit bigint. */
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

interface LibcBindings {
  mmap(addr: null, length: number, prot: number, flags: number, fd: number, offset: number): bigint | null;
  munmap(addr: bigint, length: number): number;
  mprotect(addr: bigint, length: number, prot: number): number;
  sysconf(name: number): number | bigint;
  strerror(errnum: number): string | null;
}

let bindings: LibcBindings | undefined;
let cachedPageSize: number | undefined;
let errnoNames: Map<number, string> | undefined;

function libc(): LibcBindings {
  if (bindings !== undefined) return bindings;
  assertSupportedHost('native memory (mmap/mprotect)');
  const lib = loadSharedLibrary('libc.so.6', 'libc6');
  bindings = {
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: lib.func('int munmap(void *addr, size_t length)'),
    mprotect: lib.func('int mprotect(void *addr, size_t length, int prot)'),
    sysconf: lib.func('long sysconf(int name)'),
    strerror: lib.func('const char *strerror(int errnum)'),
  };
  return bindings;
}

function errnoName(errno: number): string | undefined {
  if (errnoNames === undefined) {
    errnoNames = new Map();
    for (const [name, value] of Object.entries(koffi.os.errno)) {
      // Several names share a value (EAGAIN/EWOULDBLOCK); keep the first, which is the classic one.
      if (!errnoNames.has(value)) errnoNames.set(value, name);
    }
  }
  return errnoNames.get(errno);
}

/** Build the `syscall-failed` error for the call just made; read `errno` before anything else can clobber it. */
function syscallError(syscall: string, args: string): JitError {
  const errno = koffi.errno();
  const name = errnoName(errno);
  const text = libc().strerror(errno) ?? 'unknown error';
  return new JitError(
    'syscall-failed',
    `${syscall}(${args}) failed: ${name ?? `errno ${errno}`} (${text})`,
    { syscall, errno, ...(name === undefined ? {} : { errnoName: name }) },
  );
}

/** The host page size, from `sysconf(_SC_PAGESIZE)`; cached. */
export function pageSize(): number {
  if (cachedPageSize !== undefined) return cachedPageSize;
  const n = Number(libc().sysconf(SC_PAGESIZE));
  if (!(n > 0)) throw syscallError('sysconf', '_SC_PAGESIZE');
  cachedPageSize = n;
  return n;
}

/** Round `size` up to a whole number of pages (at least one page). */
export function roundUpToPages(size: number): number {
  const page = pageSize();
  return Math.max(page, Math.ceil(size / page) * page);
}

/** `mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)`: fresh zeroed pages, page-aligned. */
export function mapAnonymous(size: number, prot: number): bigint {
  const address = libc().mmap(null, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (address === null || address === MAP_FAILED) {
    throw syscallError('mmap', `NULL, ${size}, ${protName(prot)}, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0`);
  }
  return address;
}

export function unmap(address: bigint, size: number): void {
  if (libc().munmap(address, size) !== 0) throw syscallError('munmap', `${hex(address)}, ${size}`);
}

export function protect(address: bigint, size: number, prot: number): void {
  if (libc().mprotect(address, size, prot) !== 0) {
    throw syscallError('mprotect', `${hex(address)}, ${size}, ${protName(prot)}`);
  }
}

function protName(prot: number): string {
  if (prot === PROT_NONE) return 'PROT_NONE';
  const parts: string[] = [];
  if (prot & PROT_READ) parts.push('PROT_READ');
  if (prot & PROT_WRITE) parts.push('PROT_WRITE');
  if (prot & PROT_EXEC) parts.push('PROT_EXEC');
  return parts.join('|');
}
