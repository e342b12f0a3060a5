// Hash formats as `builtins.hashString` and `builtins.convertHash` name them. The hashes,
// their encodings and their parsing are the store's (src/store/hash.ts).

import { usageError, type HashFormat } from '../store/hash.js';

export {
  type Hash, type HashAlgo, type HashFormat, hashBytes as hashString, NIX32_CHARS, nix32Encode, parseAnyHash,
  parseHashAlgo, printHash,
} from '../store/hash.js';

/** `parseHashFormat`; `base32` is accepted with a warning. */
export function parseHashFormat(s: string, warn: (message: string) => void): HashFormat {
  switch (s) {
    case 'base16': case 'nix32': case 'base64': case 'sri': return s;
    case 'base32':
      warn('"base32" is a deprecated alias for hash format "nix32".');
      return 'nix32';
  }
  throw usageError(`unknown hash format '${s}', expect 'base16', 'base32', 'base64', or 'sri'`);
}
