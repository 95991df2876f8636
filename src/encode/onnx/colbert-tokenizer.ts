import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { EncoderError } from '../../shared/errors.js';
import type { ColbertModelConfig } from './model-config.js';
import { alignTokenSurfaces } from './token-offsets.js';
import { readJsonFile } from './model-config.js';

/** One text, tokenized as the model sees it (before batch padding). */
export interface ColbertTokens {
  readonly ids: readonly number[];
  readonly tokens: readonly string[];
  readonly attentionMask: readonly number[];
  readonly typeIds: readonly number[];
  /** When the text was cut to fit the length limit: how many text tokens (special tokens aside) it had. */
  readonly truncatedFrom?: number;
}

export type TextKind = 'query' | 'document';

const DECODE_AS_IS = { skip_special_tokens: false, clean_up_tokenization_spaces: false };

/**
 * PyLate's ColBERT tokenization on top of a `tokenizer.json`:
 * tokenize with the tokenizer's own special tokens, truncating the text (not the specials) to
 * `length - 1`; insert the prefix token after the first token; for queries with expansion, pad
 * with the mask token to `query_length` (attention = attend_to_expansion_tokens).
 */
export class ColbertTokenizer {
  readonly maskTokenId: number;
  readonly padTokenId: number;
  /** Ids of the skiplist words that are single vocabulary tokens; other words cannot match a row. */
  readonly skiplistIds: ReadonlySet<number>;
  private readonly queryPrefixId: number | undefined;
  private readonly documentPrefixId: number | undefined;
  /** Special tokens the post-processor adds around a single text, e.g. [CLS] / [SEP]. */
  private readonly specials: { readonly ids: number[]; readonly tokens: string[]; readonly typeIds: number[] };
  /** Specials before the text when the template is a fixed wrap (learned once); undefined = check per text. */
  private readonly leadingSpecials: number | undefined;
  private anchor: { readonly id: number; readonly text: string } | undefined;

  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly config: ColbertModelConfig,
    tokenizerFile: string,
  ) {
    const configFiles = config.files.join(' / ');
    const lookup = (candidates: readonly string[]): number | undefined => {
      for (const c of candidates) {
        const id = tokenizer.token_to_id(c);
        if (id !== undefined) return id;
      }
      return undefined;
    };
    const prefixId = (prefix: string, configured: number | undefined, field: string): number | undefined => {
      if (configured !== undefined) return configured;
      if (prefix === '') return undefined;
      const id = lookup([prefix, prefix.trim()]);
      if (id === undefined) {
        throw new EncoderError(
          'encoder_config_invalid',
          `${configFiles}: field "${field}": prefix ${JSON.stringify(prefix)} is not a token of ${tokenizerFile}`,
        );
      }
      return id;
    };
    this.queryPrefixId = prefixId(config.queryPrefix, config.queryPrefixId, 'query_prefix');
    this.documentPrefixId = prefixId(config.documentPrefix, config.documentPrefixId, 'document_prefix');
    const mask = config.maskTokenId ?? lookup(['[MASK]', '<mask>']);
    if (mask === undefined && config.doQueryExpansion) {
      throw new EncoderError(
        'encoder_config_invalid',
        `${configFiles}: field "mask_token_id" is missing and ${tokenizerFile} has no [MASK] or <mask> token`,
      );
    }
    this.maskTokenId = mask ?? 0;
    this.padTokenId = config.padTokenId ?? lookup(['[PAD]', '<pad>']) ?? this.maskTokenId;
    const skip = new Set<number>();
    for (const word of config.skiplistWords) {
      const id = tokenizer.token_to_id(word);
      if (id !== undefined) skip.add(id);
    }
    this.skiplistIds = skip;
    const empty = tokenizer.encode('', { add_special_tokens: true, return_token_type_ids: true });
    this.specials = { ids: empty.ids, tokens: empty.tokens, typeIds: empty.token_type_ids ?? empty.ids.map(() => 0) };
    this.leadingSpecials = this.probeTemplate();
    for (const [kind, length] of [['query_length', config.queryLength], ['document_length', config.documentLength]] as const) {
      if (length - 1 <= this.specials.ids.length) {
        throw new EncoderError(
          'encoder_config_invalid',
          `${configFiles}: field "${kind}": ${length} leaves no room for text after ${this.specials.ids.length} special tokens and the prefix`,
        );
      }
    }
  }

  /** Loads `tokenizer.json` (and `tokenizer_config.json` when present) from a model directory. */
  static load(dir: string, config: ColbertModelConfig): ColbertTokenizer {
    const tokenizerFile = join(dir, 'tokenizer.json');
    const tokenizerJson = readJsonFile(tokenizerFile, 'tokenizer');
    const configFile = join(dir, 'tokenizer_config.json');
    const tokenizerConfig = existsSync(configFile) ? readJsonFile(configFile, 'tokenizer config') : {};
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig as object);
    } catch (err) {
      throw new EncoderError('encoder_tokenizer_invalid', `${tokenizerFile}: cannot build tokenizer: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return new ColbertTokenizer(tokenizer, config, tokenizerFile);
  }

  tokenString(id: number): string {
    return this.tokenizer.id_to_token(id) ?? '';
  }

  /**
   * Character spans in `text` of the tokens `encode(text, kind)` gave as `ids` (see `alignTokenSurfaces`); -1 for
   * the template's special tokens, the prefix and expansion tokens.
   */
  spansIn(text: string, ids: readonly number[]): Int32Array {
    const special = new Set([...this.specials.ids, this.maskTokenId, this.padTokenId]);
    for (const id of [this.queryPrefixId, this.documentPrefixId]) if (id !== undefined) special.add(id);
    return alignTokenSurfaces(text, ids.map((id) => (special.has(id) ? undefined : this.surface(id))));
  }

  /**
   * The text a token stands for, whatever the decoder's conventions ("##" continuations, "Ġ" or "▁" spaces): what
   * decoding it after a plain token adds. Single-token decoding would keep a leading "##".
   */
  private surface(id: number): string {
    // A plain text token (the first of "a") and its own decoding.
    this.anchor ??= ((anchorId) => ({ id: anchorId, text: this.tokenizer.decode([anchorId], DECODE_AS_IS) }))(
      this.tokenizer.encode('a', { add_special_tokens: false }).ids[0] ?? 0,
    );
    const both = this.tokenizer.decode([this.anchor.id, id], DECODE_AS_IS);
    return both.startsWith(this.anchor.text) ? both.slice(this.anchor.text.length) : this.tokenizer.decode([id], DECODE_AS_IS);
  }

  encode(text: string, kind: TextKind): ColbertTokens {
    const isQuery = kind === 'query';
    const maxLength = isQuery ? this.config.queryLength : this.config.documentLength;
    const prefixId = isQuery ? this.queryPrefixId : this.documentPrefixId;
    const source = this.config.doLowerCase ? text.toLowerCase() : text;
    const base = this.truncated(source, prefixId === undefined ? maxLength : maxLength - 1);
    const truncatedFrom = base.truncatedFrom;
    const ids = base.ids;
    const tokens = base.tokens;
    const typeIds = base.typeIds;
    const attentionMask = ids.map(() => 1);
    if (prefixId !== undefined) {
      ids.splice(1, 0, prefixId);
      tokens.splice(1, 0, this.tokenString(prefixId));
      typeIds.splice(1, 0, 0);
      attentionMask.splice(1, 0, 1);
    }
    if (isQuery && this.config.doQueryExpansion) {
      const maskToken = this.tokenString(this.maskTokenId);
      const attend = this.config.attendToExpansionTokens ? 1 : 0;
      while (ids.length < maxLength) {
        ids.push(this.maskTokenId);
        tokens.push(maskToken);
        typeIds.push(0);
        attentionMask.push(attend);
      }
    }
    return { ids, tokens, attentionMask, typeIds, ...(truncatedFrom !== undefined && { truncatedFrom }) };
  }

  /**
   * Learns where the text sits inside the post-processor's specials from probe texts, so each text
   * is tokenized once; a template that does not wrap every probe identically falls back to per-text checks.
   */
  private probeTemplate(): number | undefined {
    let lead: number | undefined;
    for (const probe of ['a', 'hello, world 42', 'The Quick brown fox.']) {
      const full = this.tokenizer.encode(probe, { add_special_tokens: true, return_token_type_ids: true });
      const bare = this.tokenizer.encode(probe, { add_special_tokens: false });
      const found = bare.ids.length > 0 ? this.alignSpecials(full.ids, bare.ids) : undefined;
      const types: readonly number[] = full.token_type_ids ?? [];
      if (found === undefined || (lead !== undefined && found !== lead) || types.some((t) => t !== types[0])) return undefined;
      lead = found;
    }
    return lead;
  }

  /** Tokenizes with special tokens, dropping text tokens from the end so the total fits `limit`. */
  private truncated(text: string, limit: number): { ids: number[]; tokens: string[]; typeIds: number[]; truncatedFrom?: number } {
    const s = this.specials;
    const keep = limit - s.ids.length;
    if (this.leadingSpecials !== undefined) {
      // Tokenize once without specials and wrap the (truncated) text in the template's specials ourselves.
      const lead = this.leadingSpecials;
      const bare = this.tokenizer.encode(text, { add_special_tokens: false });
      const n = Math.min(bare.ids.length, keep);
      return {
        ids: [...s.ids.slice(0, lead), ...bare.ids.slice(0, n), ...s.ids.slice(lead)],
        tokens: [...s.tokens.slice(0, lead), ...bare.tokens.slice(0, n), ...s.tokens.slice(lead)],
        typeIds: [...s.typeIds.slice(0, lead), ...Array<number>(n).fill(s.typeIds[lead] ?? s.typeIds[0] ?? 0), ...s.typeIds.slice(lead)],
        ...(n < bare.ids.length && { truncatedFrom: bare.ids.length }),
      };
    }
    const full = this.tokenizer.encode(text, { add_special_tokens: true, return_token_type_ids: true });
    const fullTypes = full.token_type_ids ?? full.ids.map(() => 0);
    if (full.ids.length <= limit) return { ids: [...full.ids], tokens: [...full.tokens], typeIds: [...fullTypes] };
    const bare = this.tokenizer.encode(text, { add_special_tokens: false });
    const lead = this.alignSpecials(full.ids, bare.ids);
    if (lead === undefined) {
      throw new EncoderError(
        'encoder_tokenizer_invalid',
        'tokenizer post-processor does not wrap a single text in a fixed set of special tokens; cannot truncate',
      );
    }
    const pick = <T>(fromFull: readonly T[]): T[] => [
      ...fromFull.slice(0, lead + keep),
      ...fromFull.slice(lead + bare.ids.length),
    ];
    return { ids: pick(full.ids), tokens: pick(full.tokens), typeIds: pick(fullTypes), truncatedFrom: bare.ids.length };
  }

  /**
   * How many of the template's special tokens precede the text, if `full` is exactly
   * specials[0, lead) + bare + specials[lead, n).
   */
  private alignSpecials(full: readonly number[], bare: readonly number[]): number | undefined {
    const sp = this.specials.ids;
    if (full.length !== bare.length + sp.length) return undefined;
    for (let lead = 0; lead <= sp.length; lead++) {
      let ok = true;
      for (let i = 0; i < full.length && ok; i++) {
        const expected = i < lead ? sp[i] : i < lead + bare.length ? bare[i - lead] : sp[i - bare.length];
        ok = full[i] === expected;
      }
      if (ok) return lead;
    }
    return undefined;
  }
}
