// `<nix/fetchurl.nix>` as current C++ Nix has it: a file of its corepkgs accessor, shown
// `<nix/fetchurl.nix>` in positions and traces (setPathDisplay("<nix", ">")), whose positions as
// values have the path `/fetchurl.nix` (mkPos: the path without the display), and which reads,
// exists and is copied to the store as any file.

import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { MemoryIO } from '../../src/io/memory-io.js';
import { renderError } from '../../src/errors/render.js';
import { printValue } from '../../src/value/print.js';

function run(expr: string, options: Partial<EvaluateOptions> = {}): { value?: string; rendered?: string } {
  const r = evaluate({ expr, strict: true, io: new MemoryIO(), ...options });
  return r.ok ? { value: printValue(r.value) } : { rendered: renderError(r.error, { showTrace: true }) };
}

describe('<nix/fetchurl.nix>', () => {
  test('positions in it show the corepkgs display; as values, its path', () => {
    expect(run('import <nix/fetchurl.nix> { }').rendered).toContain('at <nix/fetchurl.nix>:1:1:');
    expect(run('builtins.unsafeGetAttrPos "url" (builtins.functionArgs (import <nix/fetchurl.nix>))').value)
      .toBe('{ column = 3; file = "/fetchurl.nix"; line = 3; }');
  });

  test('it reads as a file, in any mode, and copies to the store under its name', () => {
    for (const options of [{}, { pure: true }, { restricted: true }]) {
      expect(run('builtins.pathExists <nix/fetchurl.nix>', options).value).toBe('true');
      expect(run('builtins.substring 0 1 (builtins.readFile <nix/fetchurl.nix>)', options).value).toBe('"{"');
    }
    const copied = run('"${<nix/fetchurl.nix>}"').value!;
    expect(copied).toMatch(/^"\/nix\/store\/[0-9a-z]{32}-fetchurl\.nix"$/);
    expect(run('builtins.readFile "${<nix/fetchurl.nix>}" == builtins.readFile <nix/fetchurl.nix>').value).toBe('true');
  });
});

describe('the corepkgs accessor as a path value (current Nix: findFile gives it for any <nix/...>)', () => {
  test('printed as C++ Nix shows its paths, `<nix` + path + `>`; as a string, its path in the accessor', () => {
    expect(run('<nix/fetchurl.nix>').value).toBe('<nix/fetchurl.nix>');
    expect(run('<nix/fetchurl.nix> + "/x"').value).toBe('<nix/fetchurl.nix/x>');
    expect(run('builtins.dirOf <nix/fetchurl.nix>').value).toBe('<nix/>');
    expect(run('toString <nix/fetchurl.nix>').value).toBe('"/fetchurl.nix"');
    expect(run('builtins.toXML <nix/fetchurl.nix>').value).toContain('<path value=\\"&lt;nix/fetchurl.nix&gt;\\" />');
    // A path from `__toString` is not copied: its path string.
    expect(run('builtins.toJSON { __toString = _: <nix/fetchurl.nix>; }').value).toBe('"\\"/fetchurl.nix\\""');
  });

  test('<nix/NAME> it does not hold is a path that fails when read', () => {
    expect(run('<nix/other>').value).toBe('<nix/other>');
    expect(run('builtins.pathExists <nix/other>').value).toBe('false');
    expect(run('import <nix/other>').rendered).toMatch(/error: path '<nix\/other>' does not exist\n$/);
    expect(run('builtins.readFile <nix/other>').rendered).toMatch(/error: file '<nix\/other>' does not exist\n$/);
    expect(run('builtins.readDir <nix/.>').value).toBe('{ "fetchurl.nix" = "regular"; }');
    // Not some file of the machine's under the directory nixeval keeps them in.
    expect(run('builtins.pathExists <nix/other>', { io: new MemoryIO({ '/__corepkgs__/other': 'x' }) }).value).toBe('false');
  });
});
