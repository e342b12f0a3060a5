// The lexer at the end of its text (src/syntax/lexer.ts, Lexer.next): the last tokens and
// `eof`, whatever spaces and newlines end the text, read without going past its end.

import { Lexer } from '../../src/syntax/lexer.js';

/** Each token's type and start, to the first eof, then the next token after it. */
function tokens(text: string): string[] {
  const lexer = new Lexer(text);
  const out: string[] = [];
  for (;;) {
    const t = lexer.next();
    out.push(`${t.type}@${t.start}`);
    if (t.type === 'eof') break;
  }
  const again = lexer.next();
  out.push(`${again.type}@${again.start}`);
  return out;
}

test.each([
  ['', ['eof@0', 'eof@0']],
  [' ', ['eof@1', 'eof@1']],
  ['\n\n', ['eof@2', 'eof@2']],
  ['a', ['id@0', 'eof@1', 'eof@1']],
  ['a \n', ['id@0', 'eof@3', 'eof@3']],
  ['{ }', ['{@0', '}@2', 'eof@3', 'eof@3']],
  ['{ }\n  \n', ['{@0', '}@2', 'eof@7', 'eof@7']],
  ['x # end', ['id@0', 'eof@7', 'eof@7']],
  ['1 \t', ['int@0', 'eof@3', 'eof@3']],
])('%j', (text, expected) => {
  expect(tokens(text)).toEqual(expected);
});

test('many ends in one process (the lexer optimised by then) give the same tokens', () => {
  const texts = ['{ a = 1; }\n', '{ a = 1; }', 'x  ', '[ 1 2 ]\n\n\n'];
  const first = texts.map(tokens);
  for (let i = 0; i < 3000; i++) expect(tokens(texts[i % texts.length])).toEqual(first[i % texts.length]);
});
