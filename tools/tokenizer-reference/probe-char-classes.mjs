// Probes the Hugging Face tokenizers Rust core (through its Node binding) one code point at a
// time and writes the character classes its BERT normalizer and pre-tokenizer actually use.
// The result is committed as tokenizers/src/test/resources/tokenizer/hf-char-classes.json: the Java
// unit tests check every code point against it, and generate-java-tables.mjs turns its frozen
// Unicode 8 categories into BertCharTables.java.
// Usage: node probe-char-classes.mjs [OUT.json]
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const tk = require('tokenizers');

const clean = tk.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
const strip = tk.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false });
const lower = tk.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: true });
const chinese = tk.bertNormalizer({ cleanText: false, handleChineseChars: true, stripAccents: false, lowercase: false });
const nfd = tk.nfdNormalizer();
const pre = tk.bertPreTokenizer();

const sets = { cleanRemoved: [], cleanToSpace: [], punctuation: [], splitWhitespace: [], chinese: [] };
const lowerMap = {}; // cp -> lowercase code points, only where different
const nfdMap = {}; // cp -> NFD code points, only where different
const stripMap = {}; // cp -> strip-accents result, only where different from NFD
const cps = (s) => Array.from(s, (c) => c.codePointAt(0));
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue; // not representable in a Rust string
  const c = String.fromCodePoint(cp);
  const cl = clean.normalizeString(c);
  if (cl === '') sets.cleanRemoved.push(cp);
  else if (cl === ' ' && c !== ' ') sets.cleanToSpace.push(cp);
  else if (cl !== c) throw new Error('unexpected clean result for ' + cp);
  const lo = lower.normalizeString(c);
  if (lo !== c) lowerMap[cp] = cps(lo);
  const d = nfd.normalizeString(c);
  if (cp >= 0xac00 && cp <= 0xd7a3) {
    // Hangul syllables decompose by formula; checked here instead of stored.
    const s = cp - 0xac00;
    const expect = [0x1100 + Math.floor(s / 588), 0x1161 + Math.floor((s % 588) / 28), ...(s % 28 ? [0x11a7 + (s % 28)] : [])];
    if (JSON.stringify(cps(d)) !== JSON.stringify(expect)) throw new Error('unexpected Hangul NFD for ' + cp);
  } else if (d !== c) nfdMap[cp] = cps(d);
  const st = strip.normalizeString(c);
  if (st !== d) stripMap[cp] = cps(st);
  const ch = chinese.normalizeString(c);
  if (ch === ' ' + c + ' ') sets.chinese.push(cp);
  else if (ch !== c) throw new Error('unexpected chinese result for ' + cp);
  const p = pre.preTokenizeString('a' + c + 'a').map((x) => x[0]);
  if (p.length === 2) sets.splitWhitespace.push(cp);
  else if (p.length === 3) sets.punctuation.push(cp);
  else if (p.length !== 1) throw new Error('unexpected pre-tokenizer result for ' + cp);
}
const ranges = (list) => {
  const out = [];
  for (const cp of list) {
    const last = out[out.length - 1];
    if (last && last[1] === cp - 1) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out;
};
const result = {};
for (const [k, v] of Object.entries(sets)) result[k] = ranges(v);
result.lowercase = lowerMap;
result.nfd = nfdMap;
result.stripAccents = stripMap;
const out = process.argv[2] ?? new URL('../../tokenizers/src/test/resources/tokenizer/hf-char-classes.json', import.meta.url);
result.generator = { script: 'tools/tokenizer-reference/probe-char-classes.mjs', tokenizers: require('tokenizers/package.json').version };
writeFileSync(out, JSON.stringify(result));
for (const [k, v] of Object.entries(result)) console.log(k, Array.isArray(v) ? v.length + ' ranges' : Object.keys(v).length + ' entries');
