/**
 * Writes tests/fixtures/tiny-colbert/: a tiny, deterministic ColBERT-shaped model directory in the
 * layout of a PyLate / next-plaid ONNX export (model.onnx, model_int8.onnx, tokenizer.json,
 * tokenizer_config.json, onnx_config.json, config_sentence_transformers.json) plus weights.json,
 * from which the tests recompute the forward pass independently.
 *
 * Model (per sequence, H hidden, D output):
 *   e_t   = Word[id_t] + Pos[t] + Type[type_t]
 *   h_t   = tanh(e_t W1 + b1)
 *   mean  = sum_t(mask_t h_t) / max(sum_t mask_t, 1)
 *   out_t = (h_t + mean Wmix) Wproj              (not normalised: the encoder normalises)
 * so every output row depends on the token, its position, its type and the attention mask.
 *
 * The ONNX protobuf is written by a minimal wire-format encoder below (field numbers from onnx.proto);
 * onnxruntime loading and running the file is the check that it is well-formed.
 *
 * Run: npx tsx scripts/make-tiny-colbert.ts [outDir] [--no-token-type-ids]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mulberry32 } from '../src/shared/random.js';

const HIDDEN = 24;
const DIM = 16;
const MAX_POSITIONS = 64;
const TYPE_VOCAB = 2;
const SEED = 20240607;

// ---------- vocabulary ----------

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
/** PyLate adds its prefixes "[Q] " / "[D] " (trailing space included) as extra tokens. */
const PREFIXES = ['[Q] ', '[D] '] as const;
const PUNCTUATION = ['.', ',', '!', '?', ';', ':', '-', "'", '"', '(', ')', '/', '%', '&'];
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');
const WORDS = (
  'the of and to in is was for on that with as by it are be at from this which or an not ' +
  'cell cells protein gene genes dna rna cancer tumor patients disease risk blood brain heart ' +
  'study studies result results effect effects increase decrease high low level levels human mouse ' +
  'model data analysis method methods treatment drug drugs trial clinical response immune infection ' +
  'virus bacteria expression growth factor receptor signal pathway function role activity ' +
  'water air flow wing pressure heat surface boundary layer speed theory search query document ' +
  'retrieval index token vector paris france capital city river'
).split(/\s+/);
const SUFFIXES = ['##ing', '##ed', '##ly', '##er', '##al', '##ion'];
const LETTER_PIECES = LETTERS.map((l) => `##${l}`);

function buildVocab(): string[] {
  const vocab: string[] = [...SPECIAL, ...PREFIXES, ...PUNCTUATION, ...DIGITS, ...LETTERS, ...WORDS, ...SUFFIXES, ...LETTER_PIECES];
  if (new Set(vocab).size !== vocab.length) throw new Error('duplicate vocabulary entry');
  return vocab;
}

// ---------- seeded weights ----------


interface Weight {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

function randomWeight(rand: () => number, name: string, dims: readonly number[], scale: number): Weight {
  const size = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = (rand() * 2 - 1) * scale;
  return { name, dims, data };
}

interface QuantizedWeight {
  readonly values: Int8Array;
  readonly scale: number;
}

/** Symmetric per-tensor int8 quantisation (zero point 0), as dynamic weight quantisation does. */
function quantize(w: Weight): QuantizedWeight {
  let maxAbs = 0;
  for (const v of w.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  const scale = Math.fround(maxAbs / 127);
  const values = new Int8Array(w.data.length);
  for (let i = 0; i < w.data.length; i++) {
    values[i] = Math.max(-127, Math.min(127, Math.round(w.data[i]! / scale)));
  }
  return { values, scale };
}

// ---------- protobuf wire format ----------

type Field = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const pb = {
  int(field: number, value: number | bigint): Field {
    return Uint8Array.from([...varint(field << 3), ...varint(value)]);
  },
  bytes(field: number, value: Uint8Array): Field {
    return concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(value.length)]), value]);
  },
  str(field: number, value: string): Field {
    return pb.bytes(field, new TextEncoder().encode(value));
  },
  msg(field: number, parts: readonly Field[]): Field {
    return pb.bytes(field, concat(parts));
  },
};

// onnx.proto field numbers and enums
const DT_FLOAT = 1;
const DT_INT8 = 3;
const DT_INT64 = 7;
const ATTR_INT = 2;

function tensorProto(field: number, name: string, dims: readonly number[], dataType: number, raw: Uint8Array): Field {
  return pb.msg(field, [...dims.map((d) => pb.int(1, d)), pb.int(2, dataType), pb.str(8, name), pb.bytes(9, raw)]);
}

function floatInitializer(name: string, dims: readonly number[], data: Float32Array): Field {
  return tensorProto(5, name, dims, DT_FLOAT, new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
}

function int64Initializer(name: string, dims: readonly number[], values: readonly number[]): Field {
  const arr = BigInt64Array.from(values.map((v) => BigInt(v)));
  return tensorProto(5, name, dims, DT_INT64, new Uint8Array(arr.buffer));
}

function int8Initializer(name: string, dims: readonly number[], values: Int8Array): Field {
  return tensorProto(5, name, dims, DT_INT8, new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)));
}

function node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: readonly Field[] = []): Field {
  return pb.msg(1, [...inputs.map((i) => pb.str(1, i)), ...outputs.map((o) => pb.str(2, o)), pb.str(3, `${opType}_${outputs[0]}`), pb.str(4, opType), ...attrs]);
}

function intAttr(name: string, value: number): Field {
  return pb.msg(5, [pb.str(1, name), pb.int(20, ATTR_INT), pb.int(3, value)]);
}

function valueInfo(field: number, name: string, elemType: number, dims: readonly (number | string)[]): Field {
  const shape = dims.map((d) => pb.msg(1, [typeof d === 'number' ? pb.int(1, d) : pb.str(2, d)]));
  return pb.msg(field, [pb.str(1, name), pb.msg(2, [pb.msg(1, [pb.int(1, elemType), pb.msg(2, shape)])])]);
}

// ---------- graph ----------

interface ModelWeights {
  readonly word: Weight;
  readonly pos: Weight;
  readonly type: Weight;
  readonly w1: Weight;
  readonly b1: Weight;
  readonly wmix: Weight;
  readonly wproj: Weight;
}

/** Matrices that the int8 model stores quantised (biases stay fp32, as in dynamic quantisation). */
const QUANTIZED = ['word', 'pos', 'type', 'w1', 'wmix', 'wproj'] as const;

function buildModel(weights: ModelWeights, int8: boolean, withTokenTypes: boolean): Uint8Array {
  const initializers: Field[] = [];
  const nodes: Field[] = [];
  const source = (key: keyof ModelWeights): string => {
    const w = weights[key];
    if (int8 && (QUANTIZED as readonly string[]).includes(key)) {
      const q = quantize(w);
      initializers.push(int8Initializer(`${w.name}_q`, w.dims, q.values));
      initializers.push(floatInitializer(`${w.name}_scale`, [], Float32Array.of(q.scale)));
      initializers.push(int8Initializer(`${w.name}_zero`, [], Int8Array.of(0)));
      nodes.push(node('DequantizeLinear', [`${w.name}_q`, `${w.name}_scale`, `${w.name}_zero`], [w.name]));
    } else {
      initializers.push(floatInitializer(w.name, w.dims, w.data));
    }
    return w.name;
  };
  const word = source('word');
  const pos = source('pos');
  const type = withTokenTypes ? source('type') : undefined;
  const w1 = source('w1');
  const b1 = source('b1');
  const wmix = source('wmix');
  const wproj = source('wproj');
  initializers.push(int64Initializer('zero_i64', [], [0]));
  initializers.push(int64Initializer('one_i64', [], [1]));
  initializers.push(int64Initializer('axis1', [1], [1]));
  initializers.push(int64Initializer('axis2', [1], [2]));
  initializers.push(floatInitializer('one_f', [], Float32Array.of(1)));

  nodes.push(
    node('Gather', [word, 'input_ids'], ['word_emb'], [intAttr('axis', 0)]),
    node('Shape', ['input_ids'], ['ids_shape']),
    node('Gather', ['ids_shape', 'one_i64'], ['seq_len'], [intAttr('axis', 0)]),
    node('Range', ['zero_i64', 'seq_len', 'one_i64'], ['positions']),
    node('Gather', [pos, 'positions'], ['pos_emb'], [intAttr('axis', 0)]),
    node('Add', ['word_emb', 'pos_emb'], [type ? 'emb_wp' : 'emb']),
    ...(type
      ? [node('Gather', [type, 'token_type_ids'], ['type_emb'], [intAttr('axis', 0)]), node('Add', ['emb_wp', 'type_emb'], ['emb'])]
      : []),
    node('MatMul', ['emb', w1], ['pre']),
    node('Add', ['pre', b1], ['pre_b']),
    node('Tanh', ['pre_b'], ['hidden']),
    node('Cast', ['attention_mask'], ['mask_f'], [intAttr('to', DT_FLOAT)]),
    node('Unsqueeze', ['mask_f', 'axis2'], ['mask3']),
    node('Mul', ['hidden', 'mask3'], ['masked']),
    node('ReduceSum', ['masked', 'axis1'], ['hsum'], [intAttr('keepdims', 1)]),
    node('ReduceSum', ['mask3', 'axis1'], ['count'], [intAttr('keepdims', 1)]),
    node('Max', ['count', 'one_f'], ['count_safe']),
    node('Div', ['hsum', 'count_safe'], ['mean']),
    node('MatMul', ['mean', wmix], ['mix']),
    node('Add', ['hidden', 'mix'], ['mixed']),
    node('MatMul', ['mixed', wproj], ['output']),
  );

  const graph = [
    ...nodes,
    pb.str(2, int8 ? 'tiny_colbert_int8' : 'tiny_colbert'),
    ...initializers,
    valueInfo(11, 'input_ids', DT_INT64, ['batch_size', 'sequence_length']),
    valueInfo(11, 'attention_mask', DT_INT64, ['batch_size', 'sequence_length']),
    ...(withTokenTypes ? [valueInfo(11, 'token_type_ids', DT_INT64, ['batch_size', 'sequence_length'])] : []),
    valueInfo(12, 'output', DT_FLOAT, ['batch_size', 'sequence_length', DIM]),
  ];
  return concat([
    pb.int(1, 7), // ir_version
    pb.str(2, 'lateindex make-tiny-colbert'),
    pb.msg(7, graph),
    pb.msg(8, [pb.str(1, ''), pb.int(2, 13)]), // opset_import ai.onnx v13
  ]);
}

// ---------- tokenizer and configs ----------

function tokenizerJson(vocab: readonly string[]): unknown {
  const id = (t: string): number => vocab.indexOf(t);
  const added = [...SPECIAL, ...PREFIXES].map((content) => ({
    id: id(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

function main(): void {
  // --no-token-type-ids: a ModernBERT-shaped variant whose graph has no token_type_ids input.
  const args = process.argv.slice(2);
  const withTokenTypes = !args.includes('--no-token-type-ids');
  const outArg = args.find((a) => !a.startsWith('--'));
  const outDir = resolve(outArg ?? join(import.meta.dirname, '..', 'tests', 'fixtures', 'tiny-colbert'));
  mkdirSync(outDir, { recursive: true });
  const vocab = buildVocab();
  const rand = mulberry32(SEED);
  const weights: ModelWeights = {
    word: randomWeight(rand, 'word_embeddings', [vocab.length, HIDDEN], 1),
    pos: randomWeight(rand, 'position_embeddings', [MAX_POSITIONS, HIDDEN], 0.5),
    type: randomWeight(rand, 'token_type_embeddings', [TYPE_VOCAB, HIDDEN], 0.5),
    w1: randomWeight(rand, 'dense_weight', [HIDDEN, HIDDEN], 0.4),
    b1: randomWeight(rand, 'dense_bias', [HIDDEN], 0.1),
    wmix: randomWeight(rand, 'mix_weight', [HIDDEN, HIDDEN], 0.6),
    wproj: randomWeight(rand, 'projection_weight', [HIDDEN, DIM], 0.5),
  };

  writeFileSync(join(outDir, 'model.onnx'), buildModel(weights, false, withTokenTypes));
  writeFileSync(join(outDir, 'model_int8.onnx'), buildModel(weights, true, withTokenTypes));

  const weightsJson: Record<string, unknown> = {
    description: 'Weights of model.onnx (fp32) and the int8 values/scales of model_int8.onnx; see scripts/make-tiny-colbert.ts',
    hidden: HIDDEN,
    dim: DIM,
    fp32: Object.fromEntries(Object.values(weights).map((w: Weight) => [w.name, { dims: w.dims, data: Array.from(w.data) }])),
    int8: Object.fromEntries(
      QUANTIZED.map((key) => {
        const w = weights[key];
        const q = quantize(w);
        return [w.name, { dims: w.dims, scale: q.scale, values: Array.from(q.values) }];
      }),
    ),
  };
  writeFileSync(join(outDir, 'weights.json'), JSON.stringify(weightsJson) + '\n');

  writeFileSync(join(outDir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab), null, 1) + '\n');
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[MASK]',
    mask_token: '[MASK]',
    unk_token: '[UNK]',
    model_max_length: MAX_POSITIONS,
    clean_up_tokenization_spaces: true,
  };
  writeFileSync(join(outDir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2) + '\n');

  const skiplist = [...PUNCTUATION, 'the'];
  // The fields next-plaid's export writes to onnx_config.json; pad_token_id is PyLate's (the mask id).
  const onnxConfig = {
    model_type: 'ColBERT',
    model_name: 'lateindex/tiny-colbert',
    model_class: withTokenTypes ? 'BertModel' : 'ModernBertModel',
    uses_token_type_ids: withTokenTypes,
    query_prefix: '[Q] ',
    document_prefix: '[D] ',
    query_length: 12,
    document_length: 24,
    do_query_expansion: true,
    attend_to_expansion_tokens: false,
    skiplist_words: skiplist,
    embedding_dim: DIM,
    mask_token_id: vocab.indexOf('[MASK]'),
    pad_token_id: vocab.indexOf('[MASK]'),
    query_prefix_id: vocab.indexOf('[Q] '),
    document_prefix_id: vocab.indexOf('[D] '),
    do_lower_case: false,
  };
  writeFileSync(join(outDir, 'onnx_config.json'), JSON.stringify(onnxConfig, null, 2) + '\n');
  // What a PyLate model repository carries (sentence-transformers fields plus PyLate's).
  const stConfig = {
    __version__: { sentence_transformers: '3.4.1', pylate: '1.1.7' },
    prompts: {},
    default_prompt_name: null,
    similarity_fn_name: 'MaxSim',
    query_prefix: '[Q] ',
    document_prefix: '[D] ',
    query_length: 12,
    document_length: 24,
    attend_to_expansion_tokens: false,
    skiplist_words: skiplist,
    do_query_expansion: true,
  };
  writeFileSync(join(outDir, 'config_sentence_transformers.json'), JSON.stringify(stConfig, null, 2) + '\n');
  process.stderr.write(`wrote tiny ColBERT model (vocab ${vocab.length}, hidden ${HIDDEN}, dim ${DIM}) to ${outDir}\n`);
}

main();
