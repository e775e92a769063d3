/**
 * Writes tiny random-weight llama-architecture models in GGUF v3, for the real-engine tier.
 * Pure TypeScript; deterministic (seeded PRNG): the same spec gives the same bytes.
 *
 * The vocabulary is SentencePiece-style ("llama" tokenizer model): `<unk>`, `<s>`, `</s>`, the 256 byte
 * tokens `<0x00>`..`<0xFF>` (byte fallback), ChatML and FIM special tokens (CONTROL type), printable
 * ASCII characters, and ~11k word and code pieces (the 1,000 commonest word parts of code, with every
 * prefix so SentencePiece's merges can build them). Source code comes out at ~2.5–3 characters per token,
 * ~1.3–1.5× cl100k: like a 32k-vocabulary SentencePiece code model, so context budgets behave realistically.
 *
 * Output is gibberish. To keep it printable and streams long, the output layer makes control tokens,
 * `<unk>` and the byte tokens other than tab, newline and printable ASCII (high bytes would form invalid
 * UTF-8) practically impossible: one dimension of the residual stream is held at a constant (embeddings set it, no layer
 * writes it) and those tokens' output rows weigh it strongly negative. So a generation only stops at
 * its token limit, a stop string, or a cancel.
 *
 * CLI: `npx tsx test/real/makeGguf.ts <outDir>` writes small.gguf, large.gguf and nofim.gguf.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom as mulberry32 } from '../doubles/seededRandom';

/** Shape of one tiny model. */
export interface TinyModelSpec {
  readonly name: string;
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly nFf: number;
  /** Trained context (`llama.context_length`). */
  readonly contextLength: number;
  /** Whether the vocabulary has FIM tokens and their metadata. */
  readonly fim: boolean;
  readonly seed: number;
}

export type TinyModelName = 'small' | 'large' | 'nofim';

export const MODEL_SPECS: Readonly<Record<TinyModelName, TinyModelSpec>> = {
  small: { name: 'tiered-tiny-small', nEmbd: 128, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 384, contextLength: 8192, fim: true, seed: 1 },
  large: { name: 'tiered-tiny-large', nEmbd: 384, nLayer: 6, nHead: 6, nHeadKv: 2, nFf: 1024, contextLength: 8192, fim: true, seed: 2 },
  nofim: { name: 'tiered-tiny-nofim', nEmbd: 128, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 384, contextLength: 8192, fim: false, seed: 3 },
};

/** ChatML, as Qwen-style models ship it. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export const FIM_TOKENS = {
  prefix: '<|fim_prefix|>',
  suffix: '<|fim_suffix|>',
  middle: '<|fim_middle|>',
  pad: '<|fim_pad|>',
  repo: '<|repo_name|>',
  fileSep: '<|file_sep|>',
} as const;

// ---------------------------------------------------------------------------------------------
// Vocabulary

const enum TokenType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  Byte = 6,
}

export interface Vocab {
  readonly tokens: string[];
  readonly scores: number[];
  readonly types: number[];
  readonly ids: Readonly<Record<string, number>>;
}

// The vocabulary's words: the 1,000 most frequent word parts (camelCase/snake_case split, lower case) in
// TypeScript declarations, JavaScript and Python sources, frozen here so the models never change.
const WORDS = [
  'the self if is to of return in for and string error def this type not file number value be event name or void ',
  'buffer none from object data zod listener path key function an node as options context import array it with ',
  'export on true that raise const since undefined message read js encoding other os extends will class set else ',
  'module returns param any format by are decimal line interface size get write stream result new when callback ',
  'int check default false err method bytes boolean console mode url used code socket args all have params use ',
  'can buf try offset len list except null process log input address add length no end stack time exception ',
  'argument test filename once create option id must only async like script sys promise open at util str arg ',
  'declare non close info https elif text utf which server version index worker iso one has append start source ',
  'using org request output shared readonly given base prepend io errors link see we last called schema ',
  'isinstance values header provided may before dir call first property directory network instance html objects ',
  'pv fd heap fs exp schemas cls http zip current obj inspector runtime copy max pos global flags should sign ',
  'date invalid after port readable frame so python returned fn api types specified integer op then extended user ',
  'print exit modules init more pair than unknown was emit next debugger parse notification uint join ip ',
  'constructor protocol but example each element while response otherwise find raw group tuple dict msg prefix ',
  'count internals timeout tls same trace names where sync load some execution exc prints arguments operation ',
  'binary passed doc long json map does pass private docs optional state instead hash into position locale token ',
  'available byte public lines deprecated chunk big its float reference headers range post closed break been ',
  'entry year empty search archive typeof events performance ans core predicate also emitter profiler there ',
  'assert writable written methods two stop help order system remove case my flag algorithm items func created ',
  'run keys opt issue command cache files out implemented connection record readline errno generate month fp ',
  'resolve target symbol lineno up py en web either parameter man local abc inspect re view signal convert do ',
  'stat java decoder update parser pickle constants seek mark handle following session warning us nodejs ',
  'descriptor strings lookup compress standard foo second internal resource promisify min tarinfo supported na ',
  'src proto split ignore repr never host negative without opts decode such information replace cipher zero total ',
  'whether found round browser ssl fileobj day iterator calling linux crypto they stats breakpoint cannot skip ',
  'attribute spec level special continue tar support calls possible com encode snapshot posix implementation ',
  'equal properties strict zlib single unpack lib hostname es compile defaults certificate multiple specific ',
  'content thrown newline pop width contains sep functions generator mock res push throw yield indent bigint ',
  'wrapper st you client until vm exists reader compare include hook contents typed random here access memory ',
  'repl fullname dispatch make net send connect already match checks struct eof namespace tell custom store ',
  'domain root dst blob pattern parent safe usage main family being sequence details stdout note item both sent ',
  'register license zinfo le digits limit transform ref compression these ascii received getattr bit latest ',
  'hasattr flush sha rsa config pathname because infinity ed datetime rounding expected del gnu added build pem ',
  'extra package chars sr containing valid windows point digest tab allow bits entries original mapping action ',
  'characters addresses await val clear parts location memo abort save asynchronous unicode prec rfc ',
  'documentation listeners extract iterable creates results elements character most thread tzinfo space writing ',
  'sets prefixlen behavior between times resp warnings loader mozilla alias experimental platform instances part ',
  'remote ipv block short tb loop title emitted literal always profile tracing days exceptions initial mtime need ',
  'exponent paths pack reduce secure registry provides finally reg doesn fmt reset numeric resolved hmac ',
  'traceback opcode through crc supplied status finished issued enable fired endian dns head duplex keyof sock ',
  'fix subclass txt bar hooks seconds lzma developer pipeline reading buffered site sorted coverage stderr ',
  'netmask dec fill now ok underlying change der chunks timedelta within gzip attrs infer bad parsed table cs ',
  'about back uses unique extension temporary would failed report field modname additional exact starting even ',
  'form pending label precision password raised cmd hello normal over seen member kwargs hex enabled named brotli ',
  'too handler variable ctx attributes iter pax destination don classes formats lock contain includes statistics ',
  'exist defined stdin tmp writer startswith less disconnect dirname iteration recursive classmethod mod attr ',
  'require whitespace var started ignored signature symlinks old encoded maximum keyword way req processor ',
  'comment sequences nntp tarfile scope decoded signed channel summary compatibility pipe positive requires env ',
  'argv based running parameters buffers done external during immediately waiting builtin keep destroyed ',
  'description callable updated hour cluster were existing work left via generated tag high usr ts under query ',
  'identifier www pause arcname operand representation listening specifies streams column required automatically ',
  'promises just remainder inf xc mime fields num changes timer aes prime basename vars triple different what ',
  'representing environment interval rest ldflags meta top suffix yes many alloc kind incoming escape onerror ',
  'audio little constant reserved agent mailbox raiseit including their directly debug destroy deprecation known ',
  'timestamp machine ee fileno messages connected built minute how buffering install magic body secret enum shape ',
  'unsafe latin another active application follow compute resume opened super specifying catch necessary symbolic ',
  'put microseconds abs whence fold complete creating unless callbacks above needed lower warn salt strip threads ',
  'final least compressed generic them alive program common payload ss verify strong directories rb removals ',
  'equivalent indicating numbers passing sockets simple disable full uid itself enter labels delete encoder ',
  'codecs nan allows reverse currently delay dictionary timers signals formatted builtins tty mac mask still ',
  'statement github supports thing bound section large returning unix absolute globals ext override loading ',
  'abstract prompt importlib let addr corresponding attempt omitted child mean half bytearray isdir mm lt ',
  'markobject ',
].join('');

// Operators, punctuation runs and indentation that real code tokenizers have as single tokens.
// SentencePiece writes a space as U+2581 ('\u2581' below, written `_` in this list and mapped).
const PIECES = [
  '____', '________', '____________', '________________', '_=', '_==', '_===', '_!=', '_!==', '_=>', '_+', '_-', '_*', '_/',
  '_{', '_}', '_(', '_[', '_<', '_>', '_<=', '_>=', '_&&', '_||', '_??', '_?', '_:', '_+=', '_-=', '_//', '_/**', '_*/',
  '()', '();', '()', '():', '(),', ');', '),', ')]', '));', ')}', '{}', '[]', '[];', '=>', '::', '->', '_->', '++', '--',
  "';", "',", "')", "');", '";', '",', '")', '");', '`;', '${', '};', '},', '],', '//', '/**', '*/', '#_', '"""', '...',
  '\n', '\n\n', '\n__', '\n____', '\n______', '\n________', '\n__________', '\n____________', '\n________________', '\t', '\t\t', '\n\t', '\n\t\t',
].map((p) => p.replace(/_/g, '\u2581'));

/** The vocabulary: specials, bytes, printable characters, word and code pieces. Deterministic. */
export function buildVocab(fim: boolean): Vocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const add = (text: string, type: TokenType, score = 0): void => {
    tokens.push(text);
    scores.push(score);
    types.push(type);
  };
  add('<unk>', TokenType.Unknown);
  add('<s>', TokenType.Control);
  add('</s>', TokenType.Control);
  for (let b = 0; b < 256; b++) {
    add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TokenType.Byte);
  }
  const specials = ['<|im_start|>', '<|im_end|>', '<|endoftext|>'];
  if (fim) {
    specials.push(FIM_TOKENS.prefix, FIM_TOKENS.suffix, FIM_TOKENS.middle, FIM_TOKENS.pad, FIM_TOKENS.repo, FIM_TOKENS.fileSep);
  }
  for (const s of specials) {
    add(s, TokenType.Control);
  }
  // Printable ASCII; SentencePiece writes a space as U+2581.
  const chars: string[] = ['\u2581'];
  for (let c = 0x21; c <= 0x7e; c++) {
    chars.push(String.fromCharCode(c));
  }
  for (const c of chars) {
    add(c, TokenType.Normal, -1000);
  }
  // Words and pieces with every prefix, so SentencePiece's merge loop (highest score first; score = length)
  // can grow each of them from single characters. Words come lower case and capitalized (camelCase parts),
  // each with and without a leading space.
  const known = new Set(tokens);
  const addWithPrefixes = (piece: string): void => {
    const chars = Array.from(piece);
    for (let n = 2; n <= chars.length; n++) {
      const prefix = chars.slice(0, n).join('');
      if (!known.has(prefix)) {
        known.add(prefix);
        add(prefix, TokenType.Normal, n);
      }
    }
  };
  for (const word of WORDS.split(' ').filter((w) => w.length > 0)) {
    const capital = word[0].toUpperCase() + word.slice(1);
    for (const variant of [word, capital, `\u2581${word}`, `\u2581${capital}`]) {
      addWithPrefixes(variant);
    }
  }
  for (const piece of PIECES) {
    addWithPrefixes(piece);
  }
  const ids: Record<string, number> = {};
  tokens.forEach((t, i) => {
    if (types[i] === TokenType.Control || types[i] === TokenType.Unknown) {
      ids[t] = i;
    }
  });
  return { tokens, scores, types, ids };
}

// ---------------------------------------------------------------------------------------------
// GGUF writer

const enum GgufType {
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
}

const enum GgmlType {
  F32 = 0,
  F16 = 1,
}

type MetaValue =
  | { t: 'u32'; v: number }
  | { t: 'f32'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'str'; v: string }
  | { t: 'strs'; v: readonly string[] }
  | { t: 'f32s'; v: readonly number[] }
  | { t: 'i32s'; v: readonly number[] };

interface TensorDef {
  readonly name: string;
  /** ggml order: ne0 (contiguous) first. */
  readonly dims: readonly number[];
  readonly type: GgmlType;
  readonly data: Uint8Array;
}

const ALIGNMENT = 32;

/** Growable little-endian byte writer. */
class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) {
      return;
    }
    let size = this.buf.length * 2;
    while (size < this.length + n) {
      size *= 2;
    }
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.bytes(bytes);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  pad(): void {
    const rem = this.length % ALIGNMENT;
    if (rem !== 0) {
      const n = ALIGNMENT - rem;
      this.ensure(n);
      this.buf.fill(0, this.length, this.length + n);
      this.length += n;
    }
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeMeta(w: ByteWriter, key: string, value: MetaValue): void {
  w.str(key);
  switch (value.t) {
    case 'u32':
      w.u32(GgufType.Uint32);
      w.u32(value.v);
      break;
    case 'f32':
      w.u32(GgufType.Float32);
      w.f32(value.v);
      break;
    case 'bool':
      w.u32(GgufType.Bool);
      w.u8(value.v ? 1 : 0);
      break;
    case 'str':
      w.u32(GgufType.String);
      w.str(value.v);
      break;
    case 'strs':
      w.u32(GgufType.Array);
      w.u32(GgufType.String);
      w.u64(value.v.length);
      value.v.forEach((s) => w.str(s));
      break;
    case 'f32s':
      w.u32(GgufType.Array);
      w.u32(GgufType.Float32);
      w.u64(value.v.length);
      value.v.forEach((x) => w.f32(x));
      break;
    case 'i32s':
      w.u32(GgufType.Array);
      w.u32(GgufType.Int32);
      w.u64(value.v.length);
      value.v.forEach((x) => w.i32(x));
      break;
  }
}

/** IEEE 754 half from a float (round to nearest even; no NaN/Inf needed for weights). */
const halfScratch = new Float32Array(1);
const halfBits = new Uint32Array(halfScratch.buffer);

export function toHalf(value: number): number {
  halfScratch[0] = value;
  const x = halfBits[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) {
      return sign;
    }
    mant |= 0x800000;
    const shift = 14 - exp;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) {
      half++;
    }
    return sign | half;
  }
  if (exp >= 31) {
    return sign | 0x7bff;
  }
  let half = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) {
    half++;
  }
  exp = half >>> 10;
  return sign | (exp >= 31 ? 0x7bff : half);
}

function f32Tensor(name: string, dims: number[], values: Float32Array): TensorDef {
  return { name, dims, type: GgmlType.F32, data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function f16Tensor(name: string, dims: number[], values: Float32Array): TensorDef {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = toHalf(values[i]);
  }
  return { name, dims, type: GgmlType.F16, data: new Uint8Array(out.buffer) };
}

/** A [rows x cols] matrix in ggml order (dims = [cols, rows]): uniform with unit output variance. */
function randomMatrix(rand: () => number, cols: number, rows: number): Float32Array {
  const a = Math.sqrt(3 / cols);
  const m = new Float32Array(cols * rows);
  for (let i = 0; i < m.length; i++) {
    m[i] = (rand() * 2 - 1) * a;
  }
  return m;
}

// Residual dimension 0 is held constant (see the file comment).
/** Tab, newline, carriage return and printable ASCII: the byte tokens generation may emit. */
function printableByte(b: number): boolean {
  return b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b <= 0x7e);
}
const ANCHOR = 4;
const SUPPRESS = -60;

/** Builds the GGUF bytes of one model. */
export function buildGguf(spec: TinyModelSpec): { bytes: Buffer; parameters: number; vocabSize: number } {
  const vocab = buildVocab(spec.fim);
  const nVocab = vocab.tokens.length;
  const { nEmbd, nLayer, nHead, nHeadKv, nFf } = spec;
  const headDim = nEmbd / nHead;
  if (!Number.isInteger(headDim) || nHead % nHeadKv !== 0) {
    throw new Error(`bad shape for ${spec.name}`);
  }
  const nKv = headDim * nHeadKv;
  const rand = mulberry32(spec.seed);
  const tensors: TensorDef[] = [];

  const embd = new Float32Array(nEmbd * nVocab);
  for (let t = 0; t < nVocab; t++) {
    for (let d = 0; d < nEmbd; d++) {
      embd[t * nEmbd + d] = d === 0 ? ANCHOR : rand() * 2 - 1;
    }
  }
  tensors.push(f16Tensor('token_embd.weight', [nEmbd, nVocab], embd));
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(f32Tensor(`${p}attn_norm.weight`, [nEmbd], ones(nEmbd)));
    tensors.push(f16Tensor(`${p}attn_q.weight`, [nEmbd, nEmbd], randomMatrix(rand, nEmbd, nEmbd)));
    tensors.push(f16Tensor(`${p}attn_k.weight`, [nEmbd, nKv], randomMatrix(rand, nEmbd, nKv)));
    tensors.push(f16Tensor(`${p}attn_v.weight`, [nEmbd, nKv], randomMatrix(rand, nEmbd, nKv)));
    const wo = randomMatrix(rand, nEmbd, nEmbd);
    wo.fill(0, 0, nEmbd); // output row 0 (residual dim 0) stays untouched
    tensors.push(f16Tensor(`${p}attn_output.weight`, [nEmbd, nEmbd], wo));
    tensors.push(f32Tensor(`${p}ffn_norm.weight`, [nEmbd], ones(nEmbd)));
    tensors.push(f16Tensor(`${p}ffn_gate.weight`, [nEmbd, nFf], randomMatrix(rand, nEmbd, nFf)));
    tensors.push(f16Tensor(`${p}ffn_up.weight`, [nEmbd, nFf], randomMatrix(rand, nEmbd, nFf)));
    const down = randomMatrix(rand, nFf, nEmbd);
    down.fill(0, 0, nFf);
    tensors.push(f16Tensor(`${p}ffn_down.weight`, [nFf, nEmbd], down));
  }
  tensors.push(f32Tensor('output_norm.weight', [nEmbd], ones(nEmbd)));
  const out = randomMatrix(rand, nEmbd, nVocab);
  for (let t = 0; t < nVocab; t++) {
    const type = vocab.types[t];
    out[t * nEmbd] = type === TokenType.Control || type === TokenType.Unknown || (type === TokenType.Byte && !printableByte(t - 3)) ? SUPPRESS : 0;
  }
  tensors.push(f16Tensor('output.weight', [nEmbd, nVocab], out));

  const id = (text: string): number => {
    const v = vocab.ids[text];
    if (v === undefined) {
      throw new Error(`no token ${text}`);
    }
    return v;
  };
  const meta: [string, MetaValue][] = [
    ['general.architecture', { t: 'str', v: 'llama' }],
    ['general.name', { t: 'str', v: spec.name }],
    ['general.alignment', { t: 'u32', v: ALIGNMENT }],
    ['general.file_type', { t: 'u32', v: 1 }],
    ['llama.vocab_size', { t: 'u32', v: nVocab }],
    ['llama.context_length', { t: 'u32', v: spec.contextLength }],
    ['llama.embedding_length', { t: 'u32', v: nEmbd }],
    ['llama.block_count', { t: 'u32', v: nLayer }],
    ['llama.feed_forward_length', { t: 'u32', v: nFf }],
    ['llama.rope.dimension_count', { t: 'u32', v: headDim }],
    ['llama.rope.freq_base', { t: 'f32', v: 10000 }],
    ['llama.attention.head_count', { t: 'u32', v: nHead }],
    ['llama.attention.head_count_kv', { t: 'u32', v: nHeadKv }],
    ['llama.attention.layer_norm_rms_epsilon', { t: 'f32', v: 1e-5 }],
    ['tokenizer.ggml.model', { t: 'str', v: 'llama' }],
    ['tokenizer.ggml.tokens', { t: 'strs', v: vocab.tokens }],
    ['tokenizer.ggml.scores', { t: 'f32s', v: vocab.scores }],
    ['tokenizer.ggml.token_type', { t: 'i32s', v: vocab.types }],
    ['tokenizer.ggml.bos_token_id', { t: 'u32', v: id('<s>') }],
    ['tokenizer.ggml.eos_token_id', { t: 'u32', v: id('<|im_end|>') }],
    ['tokenizer.ggml.eot_token_id', { t: 'u32', v: id('<|im_end|>') }],
    ['tokenizer.ggml.unknown_token_id', { t: 'u32', v: id('<unk>') }],
    ['tokenizer.ggml.padding_token_id', { t: 'u32', v: id('<|endoftext|>') }],
    ['tokenizer.ggml.add_bos_token', { t: 'bool', v: true }],
    ['tokenizer.ggml.add_eos_token', { t: 'bool', v: false }],
    ['tokenizer.ggml.add_space_prefix', { t: 'bool', v: false }],
    ['tokenizer.chat_template', { t: 'str', v: CHATML_TEMPLATE }],
  ];
  if (spec.fim) {
    meta.push(
      ['tokenizer.ggml.fim_pre_token_id', { t: 'u32', v: id(FIM_TOKENS.prefix) }],
      ['tokenizer.ggml.fim_suf_token_id', { t: 'u32', v: id(FIM_TOKENS.suffix) }],
      ['tokenizer.ggml.fim_mid_token_id', { t: 'u32', v: id(FIM_TOKENS.middle) }],
      ['tokenizer.ggml.fim_pad_token_id', { t: 'u32', v: id(FIM_TOKENS.pad) }],
      ['tokenizer.ggml.fim_rep_token_id', { t: 'u32', v: id(FIM_TOKENS.repo) }],
      ['tokenizer.ggml.fim_sep_token_id', { t: 'u32', v: id(FIM_TOKENS.fileSep) }],
    );
  }

  const w = new ByteWriter();
  w.u32(0x46554747); // "GGUF"
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [k, v] of meta) {
    writeMeta(w, k, v);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += t.data.length;
    offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
  }
  tensors.forEach((t, i) => {
    w.str(t.name);
    w.u32(t.dims.length);
    t.dims.forEach((d) => w.u64(d));
    w.u32(t.type);
    w.u64(offsets[i]);
  });
  w.pad();
  for (const t of tensors) {
    w.bytes(t.data);
    w.pad();
  }
  const parameters = tensors.reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
  return { bytes: w.result(), parameters, vocabSize: nVocab };
}

export interface WrittenModel {
  readonly name: TinyModelName;
  readonly path: string;
  readonly sizeBytes: number;
  readonly parameters: number;
  readonly vocabSize: number;
}

/** Writes one model to `dir/<name>.gguf`. */
export function writeTinyModel(name: TinyModelName, dir: string): WrittenModel {
  mkdirSync(dir, { recursive: true });
  const { bytes, parameters, vocabSize } = buildGguf(MODEL_SPECS[name]);
  const path = join(dir, `${name}.gguf`);
  writeFileSync(path, bytes);
  return { name, path, sizeBytes: bytes.length, parameters, vocabSize };
}

/** Writes all three models. */
export function writeTinyModels(dir: string): Record<TinyModelName, WrittenModel> {
  return { small: writeTinyModel('small', dir), large: writeTinyModel('large', dir), nofim: writeTinyModel('nofim', dir) };
}

if (process.argv[1] !== undefined && /makeGguf\.ts$/.test(process.argv[1])) {
  const dir = process.argv[2] ?? 'out/models';
  for (const m of Object.values(writeTinyModels(dir))) {
    console.log(`${m.path}: ${(m.sizeBytes / 1e6).toFixed(2)} MB, ${(m.parameters / 1e6).toFixed(2)} M parameters, vocabulary ${m.vocabSize}`);
  }
}
