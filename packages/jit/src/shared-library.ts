/**
 * Loading the shared libraries this package calls into, with failures that say
 * how to fix them.
 *
 * `koffi.load` reports a missing library as a bare `Error: Failed to load
 * shared library: cannot open shared object file` — without the name of the
 * library, let alone the package that provides it. Every library this package
 * needs is loaded through `loadSharedLibrary`, which turns that into a
 * `JitError` of kind `library-missing` naming the shared object and the Debian
 * package to install (the project's machines are Debian; `architecture.md`).
 *
 * Invariant (load-once): a library is loaded at most once per process and the
 * handle is cached; koffi function objects bound from it stay valid for the
 * life of the process (nothing here ever calls `unload()`).
 */
import koffi from 'koffi';
import { JitError } from './error.js';

/** koffi's handle to a loaded shared object. */
export type SharedLibrary = ReturnType<typeof koffi.load>;

const loaded = new Map<string, SharedLibrary>();

/**
 * Native code, mmap and mprotect are only wired for 64-bit Linux (glibc's
 * `libc.so.6` and Linux's `MAP_*`/`PROT_*` values). Everywhere else, fail
 * before touching koffi, with a message that says so.
 */
export function assertSupportedHost(what: string): void {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    throw new JitError(
      'unsupported-host',
      `${what} needs 64-bit Linux (x64 or arm64) with glibc; this host is ${process.platform}/${process.arch}`,
    );
  }
}

/**
 * Load `soname` (a name the dynamic loader resolves, like `libunicorn.so.2`, or
 * a path), or throw a `JitError` of kind `library-missing` that tells the user
 * to install `debianPackage`.
 */
export function loadSharedLibrary(soname: string, debianPackage: string): SharedLibrary {
  const cached = loaded.get(soname);
  if (cached !== undefined) return cached;
  let library: SharedLibrary;
  try {
    library = koffi.load(soname);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new JitError(
      'library-missing',
      `cannot load the shared library ${soname} (${why}); install the Debian package ${debianPackage} ` +
        `(apt-get install ${debianPackage})`,
      { library: soname, debianPackage, cause },
    );
  }
  loaded.set(soname, library);
  return library;
}
