// Unit tests of the store layer: nix-base32, hash parsing, store path computation, NAR
// hashing and derivation ATerms. Expected values come from C++ Nix 2.8 (nix-hash,
// nix-instantiate with a dummy store).

import {
  base16Decode, compressHash, hashBytes, HASH_SIZE, nix32Decode, nix32Encode, nix32Length, parseAnyHash, printHash, sha256,
} from '../../src/store/hash.js';
import {
  badNameReason, hashPlaceholder, isStorePath, makeFixedOutputPath, makeOutputPath, makeStorePath, makeTextPath, outputPathName,
  toStorePath,
} from '../../src/store/store-path.js';
import { hashPathSync, narBytes } from '../../src/store/nar.js';
import {
  derivationPath, type Derivation, fillInOutputPaths, hashDerivationModulo, unparseDerivation, writeDerivation,
} from '../../src/store/derivation.js';
import { MemoryIO } from '../../src/io/memory-io.js';
import { NixError } from '../../src/errors/errors.js';

const STORE = '/nix/store';

function hex(s: string): Uint8Array {
  return base16Decode(s)!;
}

describe('nix-base32', () => {
  test.each([
    ['sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73'],
    ['sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', '143xibwh31h9bvxzalr0sjvbbvpa6ffs'],
    ['md5', 'd41d8cd98f00b204e9800998ecf8427e', '3y8bwfr609h3lh9ch0izcqq7fl'],
  ])('%s of the empty string', (_algo, h16, h32) => {
    expect(nix32Encode(hex(h16))).toBe(h32);
    expect(nix32Decode(h32)).toEqual(hex(h16));
  });

  test('lengths', () => {
    expect(nix32Length(0)).toBe(0);
    expect(nix32Length(1)).toBe(2);
    expect(nix32Length(16)).toBe(26);
    expect(nix32Length(20)).toBe(32);
    expect(nix32Length(32)).toBe(52);
    expect(nix32Length(64)).toBe(103);
  });

  test('small values and the alphabet', () => {
    expect(nix32Encode(new Uint8Array([0]))).toBe('00');
    expect(nix32Encode(new Uint8Array([1]))).toBe('01');
    expect(nix32Encode(new Uint8Array([31]))).toBe('0z');
    expect(nix32Encode(new Uint8Array([32]))).toBe('10');
    expect(nix32Encode(new Uint8Array([255]))).toBe('7z');
  });

  test('round trips', () => {
    for (let n = 1; n <= 64; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      expect(nix32Decode(nix32Encode(b))).toEqual(b);
    }
  });

  test('rejects characters outside the alphabet and overflowing bits', () => {
    expect(nix32Decode('0e')).toBeUndefined();
    expect(nix32Decode('0u')).toBeUndefined();
    expect(nix32Decode('zz')).toBeUndefined();
  });
});

describe('hashes', () => {
  test('compressHash folds with XOR', () => {
    expect(compressHash(new Uint8Array([1, 2, 3, 4, 5]), 2)).toEqual(new Uint8Array([1 ^ 3 ^ 5, 2 ^ 4]));
    expect(compressHash(sha256(''), 20).length).toBe(20);
  });

  test('parses every encoding and SRI', () => {
    const h = sha256('abc');
    for (const s of [
      printHash(h, 'base16'), printHash(h, 'nix32'), printHash(h, 'base64'),
      printHash(h, 'base16', true), printHash(h, 'nix32', true), printHash(h, 'sri'),
    ]) {
      expect(parseAnyHash(s, s.includes(':') || s.includes('-') ? undefined : 'sha256')).toEqual(h);
    }
    for (const algo of ['md5', 'sha1', 'sha512'] as const) {
      const x = hashBytes(algo, 'abc');
      expect(x.bytes.length).toBe(HASH_SIZE[algo]);
      expect(parseAnyHash(printHash(x, 'sri'), undefined)).toEqual(x);
      expect(parseAnyHash(printHash(x, 'nix32'), algo)).toEqual(x);
    }
  });

  test('errors as C++ Nix', () => {
    expect(() => parseAnyHash('abc', undefined)).toThrow("hash 'abc' does not include a type, nor is the type otherwise known from context");
    expect(() => parseAnyHash('abc', 'sha256')).toThrow("hash 'abc' has wrong length for hash algorithm 'sha256'");
    expect(() => parseAnyHash(`sha1:${printHash(sha256(''), 'base16')}`, 'sha256')).toThrow("should have type 'sha256'");
  });
});

describe('store paths', () => {
  test('name rules', () => {
    expect(badNameReason('hello-1.0')).toBeUndefined();
    expect(badNameReason('a+b=c?d_e.f')).toBeUndefined();
    expect(badNameReason('')).toBe('name must not be empty');
    expect(badNameReason('a b')).toBe("name 'a b' contains illegal character ' '");
    expect(badNameReason('.')).toBe("name '.' is not valid");
    expect(badNameReason('..-x')).toBe("name '..-x' is not valid: first dash-separated component must not be '..'");
    expect(badNameReason('.hidden')).toBeUndefined();
    expect(badNameReason('x'.repeat(212))).toMatch(/must be no longer than 211 characters/);
  });

  test('text paths (toFile)', () => {
    expect(makeTextPath('hello.txt', sha256('Hello, world!\n'), [], STORE)).toBe('/nix/store/i3vl5f9f521bladwcs3zi5gmc1pd6qr6-hello.txt');
  });

  test('source paths (NAR, sha256)', () => {
    const nar = parseAnyHash('10m3yn97c88mh0ggl82sz4ag9hd4c8rk2yia3w5z04kjqn07qm55', 'sha256');
    expect(makeFixedOutputPath('d', 'recursive', nar, STORE)).toBe('/nix/store/m4qqx20wr2v0rzk6n1yxfz58c2zgqdsg-d');
  });

  test('fixed outputs other than recursive sha256 go through "fixed:out:"', () => {
    const h = sha256('x');
    const flat = makeFixedOutputPath('f', 'flat', h, STORE);
    const inner = sha256(`fixed:out:sha256:${printHash(h, 'base16')}:`);
    expect(flat).toBe(makeStorePath('output:out', inner, 'f', STORE));
    const sha1 = hashBytes('sha1', 'x');
    const rec = makeFixedOutputPath('f', 'recursive', sha1, STORE);
    expect(rec).toBe(makeStorePath('output:out', sha256(`fixed:out:r:sha1:${printHash(sha1, 'base16')}:`), 'f', STORE));
  });

  test('output path names', () => {
    expect(outputPathName('hello', 'out')).toBe('hello');
    expect(outputPathName('hello', 'dev')).toBe('hello-dev');
    expect(makeOutputPath('dev', sha256('x'), 'hello', STORE)).toMatch(/^\/nix\/store\/[0-9a-z]{32}-hello-dev$/);
  });

  test('placeholders', () => {
    expect(hashPlaceholder('out')).toBe('/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9');
  });

  test('recognising store paths', () => {
    const p = '/nix/store/i3vl5f9f521bladwcs3zi5gmc1pd6qr6-hello.txt';
    expect(isStorePath(p, STORE)).toBe(true);
    expect(isStorePath(p + '/x', STORE)).toBe(false);
    expect(isStorePath('/nix/store/eeee5f9f521bladwcs3zi5gmc1pd6qr6-x', STORE)).toBe(false);
    expect(toStorePath(p + '/bin/sh', STORE)).toEqual({ storePath: p, subPath: '/bin/sh' });
    expect(toStorePath('/tmp/x', STORE)).toBeUndefined();
  });

  test('an invalid name is an error', () => {
    expect(() => makeTextPath('a b', sha256(''), [], STORE)).toThrow(NixError);
  });
});

describe('NAR serialisation', () => {
  const io = new MemoryIO({
    '/d/a.txt': 'hello\n',
    '/d/sub/run': { executable: '#!/bin/sh\n' },
    '/d/link': { symlink: 'a.txt' },
  });

  test('directory hash as nix-hash computes it', () => {
    expect(printHash(hashPathSync(io, '/d'), 'nix32')).toBe('10m3yn97c88mh0ggl82sz4ag9hd4c8rk2yia3w5z04kjqn07qm55');
  });

  test('a symlink is serialised as such', () => {
    expect(printHash(hashPathSync(io, '/d/link'), 'nix32')).toBe('10afhdla3fy4d56mfb7b45i291h74jngwakp16wd3r36m37h0g4d');
  });

  test('an executable file, with another algorithm', () => {
    expect(printHash(hashPathSync(io, '/d/sub/run', 'sha1'), 'nix32')).toBe('b6q60r178czz674gmswb6861vcfhs4zs');
  });

  test('layout of a regular file', () => {
    const str = (s: string): Buffer => {
      const len = Buffer.alloc(8);
      len.writeUInt32LE(s.length, 0);
      const pad = Buffer.alloc((8 - (s.length % 8)) % 8);
      return Buffer.concat([len, Buffer.from(s, 'latin1'), pad]);
    };
    const expected = Buffer.concat(['nix-archive-1', '(', 'type', 'regular', 'contents', 'hello\n', ')'].map(str));
    expect(narBytes(io, '/d/a.txt')).toEqual(expected);
  });
});

describe('derivations', () => {
  function simple(): Derivation {
    return {
      name: 'a',
      outputs: new Map([['out', { kind: 'deferred' }]]),
      inputDrvs: new Map(),
      inputSrcs: new Set(),
      platform: 'x86_64-linux',
      builder: '/bin/sh',
      args: [],
      env: new Map([['builder', '/bin/sh'], ['name', 'a'], ['out', ''], ['system', 'x86_64-linux']]),
    };
  }

  test('input-addressed output path and drv path', () => {
    const drv = simple();
    fillInOutputPaths(drv, () => undefined, STORE);
    expect(drv.env.get('out')).toBe('/nix/store/f37kxm5wf98b2s839zaiybv38zil0s40-a');
    expect(unparseDerivation(drv, false)).toBe(
      'Derive([("out","/nix/store/f37kxm5wf98b2s839zaiybv38zil0s40-a","","")],[],[],"x86_64-linux","/bin/sh",[],'
      + '[("builder","/bin/sh"),("name","a"),("out","/nix/store/f37kxm5wf98b2s839zaiybv38zil0s40-a"),("system","x86_64-linux")])',
    );
    expect(derivationPath(drv, STORE)).toBe('/nix/store/7g5giqf764p3y3zv7a8rqsy9sqqq5kw4-a.drv');
  });

  test('strings are escaped', () => {
    const drv = simple();
    drv.env.set('s', 'q" b\\ n\n r\r t\t');
    expect(unparseDerivation(drv, true)).toContain('("s","q\\" b\\\\ n\\n r\\r t\\t")');
  });

  test('writeDerivation gives what filling in, the drv path and the hash modulo give one by one', () => {
    const hashes = new Map([['/nix/store/11111111111111111111111111111111-dep.drv', new Map([['out', sha256('dep out')], ['dev', sha256('dep dev')]])]]);
    const make = (): Derivation => {
      const drv = simple();
      drv.outputs.set('dev', { kind: 'deferred' });
      drv.env.set('dev', '');
      drv.env.set('q', 'a "quoted"\n value');
      drv.inputDrvs.set('/nix/store/11111111111111111111111111111111-dep.drv', new Set(['out', 'dev']));
      drv.inputSrcs.add('/nix/store/22222222222222222222222222222222-src');
      drv.args.push('-c', 'echo');
      return drv;
    };
    const lookup = (p: string) => hashes.get(p);
    const apart = make();
    fillInOutputPaths(apart, lookup, STORE);
    const together = make();
    const written = writeDerivation(together, lookup, STORE);
    expect(together).toEqual(apart);
    expect(written.drvPath).toBe(derivationPath(apart, STORE));
    expect(written.hashes).toEqual(hashDerivationModulo(apart, false, lookup));
    expect(written.hashes).not.toEqual(hashDerivationModulo(apart, true, lookup));
  });

  test('an unknown input derivation is not valid', () => {
    const drv = simple();
    drv.inputDrvs.set('/nix/store/00000000000000000000000000000000-x.drv', new Set(['out']));
    expect(() => hashDerivationModulo(drv, true, () => undefined)).toThrow("path '/nix/store/00000000000000000000000000000000-x.drv' is not valid");
  });
});
