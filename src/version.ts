// Versions: nixeval's own, and the version of C++ Nix whose language and command line it
// implements (`builtins.nixVersion`, `nix-instantiate --version`).

export const NIXEVAL_VERSION = '0.1.0';
export const NIX_VERSION = '2.36.0';
