import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JitError } from './error.js';
import { UNICORN_DEBIAN_PACKAGE, UNICORN_SONAME, loadUnicorn } from './unicorn.js';

function unicornInstalled(): boolean {
  try {
    return execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }).includes(UNICORN_SONAME);
  } catch {
    return false;
  }
}

describe('loadUnicorn', () => {
  it('a missing library is a library-missing JitError that names the Debian package', () => {
    try {
      loadUnicorn({ soname: 'libunicorn.so.999' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(JitError);
      const err = e as JitError;
      expect(err.kind).toBe('library-missing');
      expect(err.library).toBe('libunicorn.so.999');
      expect(err.debianPackage).toBe(UNICORN_DEBIAN_PACKAGE);
      expect(err.message).toMatch(
        /^cannot load the shared library libunicorn\.so\.999 \(.*\); install the Debian package libunicorn2 \(apt-get install libunicorn2\)$/,
      );
    }
  });

  it('a library that is not Unicorn is refused with the same advice', () => {
    expect(() => loadUnicorn({ soname: 'libm.so.6' })).toThrow(/has no uc_version.*libunicorn2/);
  });

  it.skipIf(!unicornInstalled())('loads libunicorn.so.2 (Unicorn 2 API), once', () => {
    const unicorn = loadUnicorn();
    expect(unicorn.soname).toBe(UNICORN_SONAME);
    expect(unicorn.version.major).toBe(2);
    expect(loadUnicorn()).toBe(unicorn);
  });
});
