// Checks on the extension manifest and the grammar that vscode-tmgrammar-test cannot do:
// every scope the grammar can produce is asserted by at least one grammar test, the
// language registration patterns behave, and the README documents every setting.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readJson = (rel) => JSON.parse(readFileSync(join(root, rel), 'utf8'));
const pkg = readJson('package.json');
const grammarContribution = pkg.contributes.grammars[0];
const grammar = readJson(grammarContribution.path);
const language = pkg.contributes.languages[0];

function collectScopes(node, into) {
  if (Array.isArray(node)) {
    node.forEach((child) => collectScopes(child, into));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'name' || key === 'contentName') && typeof value === 'string') {
        value.split(/\s+/).forEach((scope) => into.add(scope));
      } else {
        collectScopes(value, into);
      }
    }
  }
  return into;
}

function assertedScopes() {
  const dir = join(root, 'tests', 'grammar');
  const scopes = new Set();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.def'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const m = /^#\s*(?:<~*-+|\^+)\s+(.*)$/.exec(line);
      if (!m) continue;
      // only positive assertions count: the part before a " - " exclusion
      const positive = m[1].split(/(?:^|\s)-\s/)[0];
      positive.split(/\s+/).filter(Boolean).forEach((s) => scopes.add(s));
    }
  }
  return scopes;
}

test('every grammar scope is asserted by a grammar test', () => {
  const produced = collectScopes(grammar.repository, collectScopes(grammar.patterns, new Set()));
  const asserted = assertedScopes();
  const missing = [...produced].filter((s) => !asserted.has(s)).sort();
  assert.deepEqual(missing, [], `scopes without a test in tests/grammar: ${missing.join(', ')}`);
});

test('grammar contribution matches the grammar file', () => {
  assert.equal(grammar.scopeName, grammarContribution.scopeName);
  assert.equal(grammarContribution.language, language.id);
  assert.ok(existsSync(join(root, language.configuration)));
  for (const s of pkg.contributes.snippets) assert.equal(s.language, language.id);
});

test('firstLine is a JavaScript regular expression that recognises definition headers', () => {
  // VS Code compiles firstLine with `new RegExp`, so Oniguruma-only syntax such as (?i:...)
  // would be silently ignored on older engines.
  const re = new RegExp(language.firstLine);
  for (const ok of ['Bootstrap: docker', 'bootstrap:library', '  BOOTSTRAP : localimage', 'BootStrap:\tyum']) {
    assert.match(ok, re, ok);
  }
  for (const no of ['DEFINITION MODULE Foo;', 'EXPORTS', 'LIBRARY mylib', '# Bootstrap: docker', 'From: alpine']) {
    assert.doesNotMatch(no, re, no);
  }
});

test('file names are registered like the issue asks', () => {
  assert.deepEqual([...language.filenames].sort(), ['Apptainer', 'Singularity']);
  assert.deepEqual([...language.filenamePatterns].sort(), ['Apptainer.*', 'Singularity.*']);
  assert.equal(language.extensions, undefined, '*.def must only be detected by content');
});

test('snippets and language configuration are valid JSON with the expected entries', () => {
  const snippets = readJson(pkg.contributes.snippets[0].path);
  const prefixes = Object.values(snippets).map((s) => s.prefix);
  for (const p of ['bootstrap', 'multistage', 'app', '%arguments']) {
    assert.ok(prefixes.some((x) => (Array.isArray(x) ? x : [x]).includes(p)), `snippet ${p}`);
  }
  const conf = readJson(language.configuration);
  assert.equal(conf.comments.lineComment, '#');
  assert.ok(conf.folding && conf.folding.markers);
});

test('README documents every setting', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const key of Object.keys(pkg.contributes.configuration.properties)) {
    assert.ok(readme.includes('`' + key + '`'), `README lacks ${key}`);
  }
});

test('commands are implemented in the extension source', () => {
  const src = readFileSync(join(root, 'src', 'extension.ts'), 'utf8');
  for (const c of pkg.contributes.commands) assert.ok(src.includes(`'${c.command}'`), c.command);
});
