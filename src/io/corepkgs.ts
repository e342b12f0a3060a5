// The files C++ Nix builds in and serves for `<nix/...>` when no search path entry has them
// (its "corepkgs"): only `fetchurl.nix`, the function behind `<nix/fetchurl.nix>`. It builds
// a fixed-output derivation with the `builtin:fetchurl` builder; nixeval computes such
// derivations but never runs them.

/** Where corepkgs live in nixeval's path space; no real file is ever read from here. */
export const COREPKGS_DIR = '/__corepkgs__';

const FETCHURL_NIX = `{
  system ? "", # obsolete
  url,
  hash ? "", # an SRI hash

  # Legacy hash specification
  md5 ? "",
  sha1 ? "",
  sha256 ? "",
  sha512 ? "",
  outputHash ?
    if hash != "" then
      hash
    else if sha512 != "" then
      sha512
    else if sha1 != "" then
      sha1
    else if md5 != "" then
      md5
    else
      sha256,
  outputHashAlgo ?
    if hash != "" then
      ""
    else if sha512 != "" then
      "sha512"
    else if sha1 != "" then
      "sha1"
    else if md5 != "" then
      "md5"
    else
      "sha256",

  executable ? false,
  unpack ? false,
  name ? baseNameOf (toString url),
  impure ? false,
}:

derivation (
  {
    builder = "builtin:fetchurl";

    # New-style output content requirements.
    outputHashMode = if unpack || executable then "recursive" else "flat";

    inherit
      name
      url
      executable
      unpack
      ;

    system = "builtin";

    # No need to double the amount of network traffic
    preferLocalBuild = true;

    impureEnvVars = [
      # We borrow these environment variables from the caller to allow
      # easy proxy configuration.  This is impure, but a fixed-output
      # derivation like fetchurl is allowed to do so since its result is
      # by definition pure.
      "http_proxy"
      "https_proxy"
      "ftp_proxy"
      "all_proxy"
      "no_proxy"
    ];

    # To make "nix-prefetch-url" work.
    urls = [ url ];
  }
  // (if impure then { __impure = true; } else { inherit outputHashAlgo outputHash; })
)
`;

const FILES = new Map<string, string>([[`${COREPKGS_DIR}/fetchurl.nix`, FETCHURL_NIX]]);

/** The text of a corepkgs file by its path, or undefined. */
export function corepkgsFile(path: string): string | undefined {
  return FILES.get(path);
}

/**
 * How current C++ Nix shows a corepkgs file in positions and traces: its corepkgs accessor's
 * display, `<nix` + the path + `>` (`<nix/fetchurl.nix>`); undefined for any other path.
 */
export function corepkgsDisplay(path: string): string | undefined {
  return FILES.has(path) ? `<nix${path.slice(COREPKGS_DIR.length)}>` : undefined;
}

/** What a corepkgs file holds, as a store view's object (src/io/store-view-io.ts). */
export function corepkgsContents(path: string): { kind: 'text'; text: string } | undefined {
  const text = FILES.get(path);
  return text === undefined ? undefined : { kind: 'text', text };
}

/** The corepkgs path for `<nix/NAME>`, if there is such a file. */
export function corepkgsLookup(name: string): string | undefined {
  if (!name.startsWith('nix/')) return undefined;
  const path = `${COREPKGS_DIR}/${name.slice(4)}`;
  return FILES.has(path) ? path : undefined;
}
