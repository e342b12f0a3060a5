// `nixeval instantiate --help`: C++ Nix shows the nix-instantiate manual page; this is the
// same command line in short.

export const INSTANTIATE_HELP = `Usage: nixeval instantiate [OPTION]... [FILE]...

Evaluate Nix expressions as nix-instantiate does: print the store derivation of each
derivation they describe (computed, never written), or with --eval their values.

Input (default: ./default.nix):
  FILE                      a file, a directory (its default.nix), or <name> from the search path
  -E, --expr                the arguments are expressions, not files
  -                         read an expression from standard input
  -A, --attr PATH           select an attribute (repeatable)
  --arg NAME EXPR           pass an argument to a top-level function (also --argstr NAME STRING,
                            --arg-from-file NAME PATH, --arg-from-stdin NAME)
  -I, --include PATH        add to the search path (before NIX_PATH and nix-path)

What to do:
  --eval, --eval-only       evaluate and print the value
  --strict                  evaluate the value deeply
  --json, --xml, --raw      print the value as JSON, as XML (--no-location), or as a raw string
  --parse                   print the parsed expression
  --find-file               print where each FILE is found in the search path
  --add-root PATH           accepted; nothing is written, so no root is made

Settings (nix.conf, NIX_CONFIG, and on the command line):
  --option NAME VALUE       set a setting (unknown names and bad values are warnings)
  --NAME VALUE, --NAME, --no-NAME, --extra-NAME VALUE
                            set any setting C++ Nix has; those about evaluation apply
                            (show-trace, max-call-depth, abort-on-warn, pure-eval,
                            restrict-eval, nix-path, eval-system, experimental-features,
                            lint-*, trace-verbose), the others are checked and ignored
  --show-trace              print the whole trace of an error

Other flags nix-instantiate accepts (-v, --quiet, --debug, --log-format, -j, --cores,
--timeout, --max-silent-time, --readonly-mode, --read-write-mode, --dry-run, --store,
--eval-store, --repair, --impure, --no-gc-warning, -K, -k, -Q, --fallback) are accepted;
those about builds change nothing, since nothing is built.

  --help                    this text
  --version                 print the version
`;
