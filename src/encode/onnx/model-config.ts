import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorCode } from '../../shared/error-codes.js';
import { EncoderError } from '../../shared/errors.js';

/**
 * The ColBERT settings of an exported model directory, in the field vocabulary of PyLate's
 * `config_sentence_transformers.json` and next-plaid's `onnx_config.json`.
 * Absent optional ids are resolved later from the tokenizer; an absent `embeddingDim` from the model.
 */
export interface ColbertModelConfig {
  readonly modelName?: string;
  readonly queryPrefix: string;
  readonly documentPrefix: string;
  readonly queryLength: number;
  readonly documentLength: number;
  readonly doQueryExpansion: boolean;
  /** Always false when `doQueryExpansion` is false (PyLate forces it). */
  readonly attendToExpansionTokens: boolean;
  readonly skiplistWords: readonly string[];
  readonly embeddingDim?: number;
  readonly usesTokenTypeIds?: boolean;
  readonly maskTokenId?: number;
  readonly padTokenId?: number;
  readonly queryPrefixId?: number;
  readonly documentPrefixId?: number;
  /** sentence-transformers' `do_lower_case`: lowercase the text before tokenizing. */
  readonly doLowerCase: boolean;
  /** Config files that were read, in precedence order (later wins). */
  readonly files: readonly string[];
}

/** Read in this order; a field in a later file overrides the same field in an earlier one. */
export const COLBERT_CONFIG_FILES = ['config_sentence_transformers.json', 'onnx_config.json'] as const;

/** PyLate's default skiplist: Python's `string.punctuation`, one character per word. */
export const PYLATE_DEFAULT_SKIPLIST: readonly string[] = Array.from('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

const CONFIG_CODE: ErrorCode = 'encoder_config_invalid';

/** Reads and parses a JSON file, raising `EncoderError` naming the file when it is missing or malformed. */
export function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) {
    throw new EncoderError('encoder_file_missing', `${path}: ${what} not found`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EncoderError('encoder_file_missing', `${path}: cannot read ${what}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new EncoderError(CONFIG_CODE, `${path}: ${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** One field's value and the file it came from, so errors can name both. */
interface Sourced {
  readonly value: unknown;
  readonly file: string;
}

class FieldReader {
  private readonly fields = new Map<string, Sourced>();

  constructor(documents: readonly { file: string; json: Record<string, unknown> }[]) {
    for (const { file, json } of documents) {
      for (const [key, value] of Object.entries(json)) {
        // JSON null means "not set" in these exports (e.g. `"query_prefix": null`).
        if (value !== null && value !== undefined) this.fields.set(key, { value, file });
      }
    }
  }

  private fail(field: string, source: Sourced, expected: string): never {
    throw new EncoderError(CONFIG_CODE, `${source.file}: field "${field}": expected ${expected}, got ${JSON.stringify(source.value)}`);
  }

  string(field: string): string | undefined {
    const s = this.fields.get(field);
    if (!s) return undefined;
    if (typeof s.value !== 'string') this.fail(field, s, 'a string');
    return s.value;
  }

  boolean(field: string): boolean | undefined {
    const s = this.fields.get(field);
    if (!s) return undefined;
    if (typeof s.value !== 'boolean') this.fail(field, s, 'true or false');
    return s.value;
  }

  integer(field: string, min: number): number | undefined {
    const s = this.fields.get(field);
    if (!s) return undefined;
    if (typeof s.value !== 'number' || !Number.isInteger(s.value) || s.value < min) {
      this.fail(field, s, `an integer >= ${min}`);
    }
    return s.value;
  }

  stringList(field: string): string[] | undefined {
    const s = this.fields.get(field);
    if (!s) return undefined;
    if (!Array.isArray(s.value) || !s.value.every((w): w is string => typeof w === 'string')) {
      this.fail(field, s, 'an array of strings');
    }
    return s.value;
  }
}

/**
 * Loads the ColBERT settings from `dir`. At least one of `COLBERT_CONFIG_FILES` must exist;
 * missing fields take PyLate's defaults (query 32 / document 180 tokens, "[Q] " / "[D] " prefixes,
 * expansion on, punctuation skiplist).
 */
export function loadColbertModelConfig(dir: string): ColbertModelConfig {
  const documents: { file: string; json: Record<string, unknown> }[] = [];
  for (const name of COLBERT_CONFIG_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const json = readJsonFile(path, 'ColBERT config');
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new EncoderError(CONFIG_CODE, `${path}: expected a JSON object`);
    }
    documents.push({ file: path, json: json as Record<string, unknown> });
  }
  if (documents.length === 0) {
    throw new EncoderError(
      'encoder_file_missing',
      `${dir}: no ColBERT config found (expected ${COLBERT_CONFIG_FILES.join(' or ')})`,
    );
  }
  const read = new FieldReader(documents);
  const doQueryExpansion = read.boolean('do_query_expansion') ?? true;
  const modelName = read.string('model_name');
  const embeddingDim = read.integer('embedding_dim', 1);
  const usesTokenTypeIds = read.boolean('uses_token_type_ids');
  const maskTokenId = read.integer('mask_token_id', 0);
  const padTokenId = read.integer('pad_token_id', 0);
  const queryPrefixId = read.integer('query_prefix_id', 0);
  const documentPrefixId = read.integer('document_prefix_id', 0);
  return {
    ...(modelName !== undefined ? { modelName } : {}),
    queryPrefix: read.string('query_prefix') ?? '[Q] ',
    documentPrefix: read.string('document_prefix') ?? '[D] ',
    queryLength: read.integer('query_length', 1) ?? 32,
    documentLength: read.integer('document_length', 1) ?? 180,
    doQueryExpansion,
    attendToExpansionTokens: doQueryExpansion && (read.boolean('attend_to_expansion_tokens') ?? false),
    skiplistWords: read.stringList('skiplist_words') ?? PYLATE_DEFAULT_SKIPLIST,
    ...(embeddingDim !== undefined ? { embeddingDim } : {}),
    ...(usesTokenTypeIds !== undefined ? { usesTokenTypeIds } : {}),
    ...(maskTokenId !== undefined ? { maskTokenId } : {}),
    ...(padTokenId !== undefined ? { padTokenId } : {}),
    ...(queryPrefixId !== undefined ? { queryPrefixId } : {}),
    ...(documentPrefixId !== undefined ? { documentPrefixId } : {}),
    doLowerCase: read.boolean('do_lower_case') ?? false,
    files: documents.map((d) => d.file),
  };
}
