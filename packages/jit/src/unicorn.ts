/**
 * libunicorn, the CPU emulator behind the emulated executor (AArch64 code on
 * an x86-64 host, `architecture.md` "Execution model").
 *
 * Only the loading lives here for now: find `libunicorn.so.2`, check that it
 * answers `uc_version`, and fail with a `JitError` of kind `library-missing`
 * that names the Debian package (`libunicorn2`) when it is not installed. The
 * executor that maps guest memory and runs code arrives with its own issue and
 * will bind its functions through `UnicornLibrary.library`.
 *
 * Invariant (load-once): inherited from `loadSharedLibrary`; `loadUnicorn()`
 * returns the same object on every call with the same shared-object name.
 */
import { JitError } from './error.js';
import { type SharedLibrary, assertSupportedHost, loadSharedLibrary } from './shared-library.js';

/** The shared object the emulated executor links against (Unicorn 2 ABI). */
export const UNICORN_SONAME = 'libunicorn.so.2';
/** The Debian package that installs `UNICORN_SONAME`. */
export const UNICORN_DEBIAN_PACKAGE = 'libunicorn2';

export interface UnicornLibrary {
  /** The name it was loaded by. */
  readonly soname: string;
  /** `uc_version`'s major and minor API version (2.x for `libunicorn.so.2`). */
  readonly version: { readonly major: number; readonly minor: number };
  /** koffi's handle, for binding `uc_*` functions. */
  readonly library: SharedLibrary;
}

export interface LoadUnicornOptions {
  /** Shared object to load instead of `libunicorn.so.2` (a path, or another soname). */
  readonly soname?: string;
}

const loaded = new Map<string, UnicornLibrary>();

/** Load libunicorn, or throw a `JitError` saying to install `libunicorn2`. */
export function loadUnicorn(options: LoadUnicornOptions = {}): UnicornLibrary {
  const soname = options.soname ?? UNICORN_SONAME;
  const cached = loaded.get(soname);
  if (cached !== undefined) return cached;
  assertSupportedHost('the emulated executor (libunicorn)');
  const library = loadSharedLibrary(soname, UNICORN_DEBIAN_PACKAGE);
  let ucVersion: (major: number[], minor: number[]) => number;
  try {
    ucVersion = library.func('unsigned int uc_version(_Out_ unsigned int *major, _Out_ unsigned int *minor)');
  } catch (cause) {
    throw new JitError(
      'library-missing',
      `${soname} loaded but has no uc_version: not a Unicorn library; install the Debian package ${UNICORN_DEBIAN_PACKAGE}`,
      { library: soname, debianPackage: UNICORN_DEBIAN_PACKAGE, cause },
    );
  }
  const major = [0];
  const minor = [0];
  ucVersion(major, minor);
  const unicorn: UnicornLibrary = { soname, version: { major: major[0]!, minor: minor[0]! }, library };
  loaded.set(soname, unicorn);
  return unicorn;
}
