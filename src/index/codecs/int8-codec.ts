import { checkDecodeArgs, type FixedWidthCodec } from './vector-codec.js';

/**
 * Symmetric per-vector int8: each vector stores `scale = max|x| / 127` and `round(x / scale)`.
 * Layout: `count` float32 scales first (keeps them 4-byte aligned when the payload is), then `count * dim` int8s.
 */
export class Int8Codec implements FixedWidthCodec {
  readonly name = 'int8';

  payloadBytes(count: number, dim: number): number {
    return count * this.bytesPerVector(dim);
  }

  bytesPerVector(dim: number): number {
    return dim + 4;
  }

  encode(rows: Float32Array, dim: number): Uint8Array {
    if (rows.length % dim !== 0) throw new RangeError(`int8 codec: ${rows.length} floats is not a multiple of dim ${dim}`);
    const count = rows.length / dim;
    const buffer = new ArrayBuffer(count * (dim + 4));
    const scales = new Float32Array(buffer, 0, count);
    const codes = new Int8Array(buffer, count * 4, count * dim);
    for (let v = 0, off = 0; v < count; v++, off += dim) {
      let maxAbs = 0;
      for (let j = 0; j < dim; j++) {
        const a = Math.abs(rows[off + j]!);
        if (a > maxAbs) maxAbs = a;
      }
      const scale = maxAbs / 127;
      scales[v] = scale;
      // Decode uses the float32-rounded scale, so quantize against the same value.
      const inv = scale > 0 ? 1 / scales[v]! : 0;
      for (let j = 0; j < dim; j++) {
        const q = Math.round(rows[off + j]! * inv);
        codes[off + j] = q > 127 ? 127 : q < -127 ? -127 : q;
      }
    }
    return new Uint8Array(buffer);
  }

  decode(bytes: Uint8Array, count: number, dim: number, out: Float32Array): Float32Array {
    checkDecodeArgs(this, bytes, count, dim, out);
    const codes = new Int8Array(bytes.buffer, bytes.byteOffset + count * 4, count * dim);
    if (bytes.byteOffset % 4 === 0) {
      const scales = new Float32Array(bytes.buffer, bytes.byteOffset, count);
      for (let v = 0, off = 0; v < count; v++, off += dim) {
        const scale = scales[v]!;
        for (let j = 0; j < dim; j++) out[off + j] = codes[off + j]! * scale;
      }
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, count * 4);
      for (let v = 0, off = 0; v < count; v++, off += dim) {
        const scale = view.getFloat32(v * 4, true);
        for (let j = 0; j < dim; j++) out[off + j] = codes[off + j]! * scale;
      }
    }
    return out;
  }
}
