import { closeSync, openSync, readSync } from 'node:fs';

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A pull scanner over a JSON file read in fixed-size chunks: memory stays at one chunk however large the file.
 * It reads just the token kinds a caller asks for; `fail` names the file and byte offset.
 */
export class JsonByteScanner {
  private readonly fd: number;
  private readonly buf: Uint8Array;
  private pos = 0;
  private end = 0;
  private consumedBefore = 0;
  private scratch = new Uint8Array(256);

  constructor(
    readonly file: string,
    chunkBytes = 8 << 20,
  ) {
    this.fd = openSync(file, 'r');
    this.buf = new Uint8Array(chunkBytes);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Absolute byte offset of the next unread byte. */
  get offset(): number {
    return this.consumedBefore + this.pos;
  }

  fail(message: string): never {
    throw new SyntaxError(`${this.file}: byte ${this.offset}: ${message}`);
  }

  /** Next non-whitespace byte without consuming it; -1 at end of file. */
  peekToken(): number {
    for (;;) {
      if (this.pos >= this.end && !this.refill()) return -1;
      const c = this.buf[this.pos]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
      this.pos++;
    }
  }

  /** Consumes the next non-whitespace byte, which must be `expected`. */
  expect(expected: string): void {
    const c = this.peekToken();
    if (c !== expected.charCodeAt(0)) this.fail(`expected '${expected}', found ${describe(c)}`);
    this.pos++;
  }

  /** Consumes `,` and returns true, or consumes `close` and returns false. */
  commaOr(close: string): boolean {
    const c = this.peekToken();
    if (c !== 0x2c && c !== close.charCodeAt(0)) this.fail(`expected ',' or '${close}', found ${describe(c)}`);
    this.pos++;
    return c === 0x2c;
  }

  readString(): string {
    this.expect('"');
    let n = 0;
    let escaped = false;
    for (;;) {
      if (this.pos >= this.end && !this.refill()) this.fail('unterminated string');
      const c = this.buf[this.pos++]!;
      if (c === 0x22) break;
      if (c === 0x5c) {
        // Keep the escape verbatim and let JSON.parse decode it: escapes are rare in keys.
        escaped = true;
        n = this.push(n, c);
        if (this.pos >= this.end && !this.refill()) this.fail('unterminated string');
        n = this.push(n, this.buf[this.pos++]!);
        continue;
      }
      n = this.push(n, c);
    }
    const raw = utf8.decode(this.scratch.subarray(0, n));
    return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
  }

  /** A JSON number. Mantissas under 2^53 with at most 22 decimals are exact then correctly rounded. */
  readNumber(): number {
    let c = this.peekToken();
    let negative = false;
    if (c === 0x2d) {
      negative = true;
      c = this.advancePeek();
    }
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    while (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      c = this.advancePeek();
    }
    if (c === 0x2e) {
      c = this.advancePeek();
      while (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        fraction++;
        c = this.advancePeek();
      }
    }
    if (digits === 0) this.fail(`expected a number, found ${describe(c)}`);
    let exponent = 0;
    if (c === 0x65 || c === 0x45) {
      c = this.advancePeek();
      let expNegative = false;
      if (c === 0x2b || c === 0x2d) {
        expNegative = c === 0x2d;
        c = this.advancePeek();
      }
      if (!(c >= 0x30 && c <= 0x39)) this.fail('malformed exponent');
      while (c >= 0x30 && c <= 0x39) {
        exponent = exponent * 10 + (c - 0x30);
        c = this.advancePeek();
      }
      if (expNegative) exponent = -exponent;
    }
    const scale = exponent - fraction;
    let value: number;
    if (mantissa <= Number.MAX_SAFE_INTEGER && scale >= -22 && scale <= 22) {
      value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
    } else {
      value = mantissa * 10 ** scale;
    }
    return negative ? -value : value;
  }

  /** Skips one JSON value of any kind. */
  skipValue(): void {
    const c = this.peekToken();
    if (c === 0x22) {
      this.skipString();
    } else if (c === 0x5b || c === 0x7b) {
      const close = c === 0x5b ? ']' : '}';
      this.pos++;
      if (this.peekToken() === close.charCodeAt(0)) {
        this.pos++;
        return;
      }
      do {
        if (close === '}') {
          this.skipString();
          this.expect(':');
        }
        this.skipValue();
      } while (this.commaOr(close));
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.readNumber();
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      // true / false / null
      let letter = c;
      while (letter >= 0x61 && letter <= 0x7a) letter = this.advancePeek();
    } else {
      this.fail(`unexpected ${describe(c)}`);
    }
  }

  private skipString(): void {
    this.expect('"');
    for (;;) {
      if (this.pos >= this.end && !this.refill()) this.fail('unterminated string');
      const c = this.buf[this.pos++]!;
      if (c === 0x22) return;
      if (c === 0x5c) {
        if (this.pos >= this.end && !this.refill()) this.fail('unterminated string');
        this.pos++;
      }
    }
  }

  private advancePeek(): number {
    this.pos++;
    if (this.pos >= this.end && !this.refill()) return -1;
    return this.buf[this.pos]!;
  }

  private push(n: number, byte: number): number {
    if (n === this.scratch.length) {
      const grown = new Uint8Array(n * 2);
      grown.set(this.scratch);
      this.scratch = grown;
    }
    this.scratch[n] = byte;
    return n + 1;
  }

  private refill(): boolean {
    this.consumedBefore += this.end;
    this.pos = 0;
    this.end = readSync(this.fd, this.buf, 0, this.buf.length, null);
    return this.end > 0;
  }
}

function describe(c: number): string {
  return c < 0 ? 'end of file' : `'${String.fromCharCode(c)}'`;
}
