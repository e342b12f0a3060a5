// Percent-encoding of URLs as C++ Nix's libutil does it (url.cc): on bytes (a Nix string holds
// one byte per char), upper-case hex digits.

const HEX = '0123456789ABCDEF';
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** C++ Nix's percentEncode: bytes other than the unreserved ones and `keep` as %XX. */
export function percentEncode(s: string, keep = ''): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (UNRESERVED.test(c) || keep.includes(c)) out += c;
    else {
      const b = s.charCodeAt(i) & 0xff;
      out += '%' + HEX[b >> 4] + HEX[b & 15];
    }
  }
  return out;
}

/** Every well-formed %XX as its byte; anything else (a stray `%`) as it is. */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
