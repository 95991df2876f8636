;; MaxSim's helpers in WebAssembly SIMD: row norms, float64 rescoring and float16 decoding. The similarity
;; matrix itself comes from src/shared/similarity.wat, on the same memory; the wrapper and the numerics are in
;; maxsim-wasm.ts. Assembled into maxsim-wasm.wasm by `npm run build:wasm`; tests/shared/wasm-sources.test.ts
;; checks they match.
;;
;; Memory (imported, laid out by the wrapper): the query rows (each zero-padded to a multiple of 4 floats), the
;; document rows (unpadded, followed by 32 bytes of slack), the similarity matrix, the row maxima, thresholds,
;; exact maxima and the float16 staging area.
(module
  (import "kernel" "memory" (memory 1))

  ;; The largest squared L2 norm among $dCount unpadded rows at $d (0 when $dCount is 0; 12 readable bytes after
  ;; the last row), four rows at a time as in similarity.wat (rows past the end repeat the last one). f32x4.max (not pmax) so a NaN norm comes out NaN and the wrapper
  ;; falls back to rescoring every row.
  (func (export "maxNormSquared") (param $d i32) (param $dCount i32) (param $dim i32) (result f32)
    (local $j i32) (local $t i32) (local $lastDoc i32) (local $fullBytes i32) (local $rowBytes i32) (local $tailLanes i32)
    (local $docPtr0 i32) (local $docPtr1 i32) (local $docPtr2 i32) (local $docPtr3 i32)
    (local $mask v128) (local $docChunk v128) (local $largest v128) (local $temp0 v128) (local $temp1 v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $fullBytes (i32.shl (i32.shr_u (local.get $dim) (i32.const 2)) (i32.const 4)))
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $tailLanes (i32.and (local.get $dim) (i32.const 3)))
    (local.set $mask (i32x4.lt_s (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $tailLanes))))
    (local.set $lastDoc (i32.sub (local.get $dCount) (i32.const 1)))
    (local.set $largest (v128.const i32x4 0 0 0 0))

    (local.set $j (i32.const 0))
    (block $done
      (loop $documentBlocks
        (br_if $done (i32.ge_s (local.get $j) (local.get $dCount)))
        (local.set $docPtr0 (i32.add (local.get $d) (i32.mul (local.get $rowBytes)
          (select (local.get $j) (local.get $lastDoc) (i32.lt_s (local.get $j) (local.get $lastDoc))))))
        (local.set $docPtr1 (i32.add (local.get $d) (i32.mul (local.get $rowBytes)
          (select (i32.add (local.get $j) (i32.const 1)) (local.get $lastDoc) (i32.lt_s (i32.add (local.get $j) (i32.const 1)) (local.get $lastDoc))))))
        (local.set $docPtr2 (i32.add (local.get $d) (i32.mul (local.get $rowBytes)
          (select (i32.add (local.get $j) (i32.const 2)) (local.get $lastDoc) (i32.lt_s (i32.add (local.get $j) (i32.const 2)) (local.get $lastDoc))))))
        (local.set $docPtr3 (i32.add (local.get $d) (i32.mul (local.get $rowBytes)
          (select (i32.add (local.get $j) (i32.const 3)) (local.get $lastDoc) (i32.lt_s (i32.add (local.get $j) (i32.const 3)) (local.get $lastDoc))))))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $acc3 (v128.const i32x4 0 0 0 0))

        (local.set $t (i32.const 0))
        (if (local.get $fullBytes)
          (then
            (loop $chunks
              (local.set $docChunk (v128.load align=1 (i32.add (local.get $docPtr0) (local.get $t))))
              (local.set $acc0 (f32x4.add (f32x4.mul (local.get $docChunk) (local.get $docChunk)) (local.get $acc0)))
              (local.set $docChunk (v128.load align=1 (i32.add (local.get $docPtr1) (local.get $t))))
              (local.set $acc1 (f32x4.add (f32x4.mul (local.get $docChunk) (local.get $docChunk)) (local.get $acc1)))
              (local.set $docChunk (v128.load align=1 (i32.add (local.get $docPtr2) (local.get $t))))
              (local.set $acc2 (f32x4.add (f32x4.mul (local.get $docChunk) (local.get $docChunk)) (local.get $acc2)))
              (local.set $docChunk (v128.load align=1 (i32.add (local.get $docPtr3) (local.get $t))))
              (local.set $acc3 (f32x4.add (f32x4.mul (local.get $docChunk) (local.get $docChunk)) (local.get $acc3)))
              (local.set $t (i32.add (local.get $t) (i32.const 16)))
              (br_if $chunks (i32.lt_u (local.get $t) (local.get $fullBytes))))))
        (if (local.get $tailLanes)
          (then
            (local.set $docChunk
              (v128.and (v128.load align=1 (i32.add (local.get $docPtr0) (local.get $t))) (local.get $mask)))
            (local.set $acc0 (f32x4.add (f32x4.mul (local.get $docChunk) (local.get $docChunk)) (local.get $acc0)))
            (local.set $docChunk
              (v128.and (v128.load align=1 (i32.add (local.get $docPtr1) (local.get $t))) (local.get $mask)))
            (local.set $acc1 (f32x4.add (f32x4.mul (local.get $docChunk) (local.get $docChunk)) (local.get $acc1)))
            (local.set $docChunk
              (v128.and (v128.load align=1 (i32.add (local.get $docPtr2) (local.get $t))) (local.get $mask)))
            (local.set $acc2 (f32x4.add (f32x4.mul (local.get $docChunk) (local.get $docChunk)) (local.get $acc2)))
            (local.set $docChunk
              (v128.and (v128.load align=1 (i32.add (local.get $docPtr3) (local.get $t))) (local.get $mask)))
            (local.set $acc3 (f32x4.add (f32x4.mul (local.get $docChunk) (local.get $docChunk)) (local.get $acc3)))))

        ;; Horizontal sums as in similarity.wat: [a0+a2, b0+b2, a1+a3, b1+b3], then [sum(a), sum(b), sum(c), sum(d)].
        (local.set $temp0 (f32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $acc0) (local.get $acc1)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $acc0) (local.get $acc1))))
        (local.set $temp1 (f32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $acc2) (local.get $acc3)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $acc2) (local.get $acc3))))
        (local.set $temp0 (f32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $temp0) (local.get $temp1)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $temp0) (local.get $temp1))))
        (local.set $largest (f32x4.max (local.get $largest) (local.get $temp0)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $documentBlocks)))

    (local.set $largest (f32x4.max (local.get $largest)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $largest) (local.get $largest))))
    (f32x4.extract_lane 0 (f32x4.max (local.get $largest)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $largest) (local.get $largest)))))

  ;; For every query row i: the largest float64 dot(q_i, d_j) (float32 values promoted, products summed in
  ;; order t = 0 .. dim-1 exactly as maxSimKernel does) over the document rows j whose float32 similarity in
  ;; $sims is >= the f32 at $thresholds + 4i; stored as f64 at $out + 8i (-inf when no row qualifies). Blocks
  ;; of 4 similarities all below the threshold are skipped with one compare.
  (func (export "rescore")
    (param $q i32) (param $qCount i32) (param $qStride i32)
    (param $d i32) (param $dCount i32) (param $dim i32)
    (param $sims i32) (param $simsStride i32) (param $thresholds i32) (param $out i32)
    (local $i i32) (local $j i32) (local $column i32) (local $t i32) (local $rowBytes i32)
    (local $queryPtr i32) (local $docPtr i32) (local $simsRow i32)
    (local $threshold f32) (local $best f64) (local $dot f64) (local $thresholdLanes v128)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $allRowsDone
      (loop $queryRows
        (br_if $allRowsDone (i32.ge_s (local.get $i) (local.get $qCount)))
        (local.set $threshold (f32.load (i32.add (local.get $thresholds) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $thresholdLanes (f32x4.splat (local.get $threshold)))
        (local.set $queryPtr (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $qStride))))
        (local.set $simsRow (i32.add (local.get $sims) (i32.mul (local.get $i) (local.get $simsStride))))
        (local.set $best (f64.const -inf))

        (local.set $j (i32.const 0))
        (block $rowDone
          (loop $documentBlocks
            (br_if $rowDone (i32.ge_s (local.get $j) (local.get $dCount)))
            (if (v128.any_true (f32x4.ge
                  (v128.load align=1 (i32.add (local.get $simsRow) (i32.shl (local.get $j) (i32.const 2))))
                  (local.get $thresholdLanes)))
              (then
                (local.set $column (local.get $j))
                (block $blockDone
                  (loop $columns
                    (br_if $blockDone (i32.or
                      (i32.ge_s (local.get $column) (local.get $dCount))
                      (i32.ge_s (local.get $column) (i32.add (local.get $j) (i32.const 4)))))
                    (if (f32.ge
                          (f32.load (i32.add (local.get $simsRow) (i32.shl (local.get $column) (i32.const 2))))
                          (local.get $threshold))
                      (then
                        (local.set $docPtr (i32.add (local.get $d) (i32.mul (local.get $column) (local.get $rowBytes))))
                        (local.set $dot (f64.const 0))
                        (local.set $t (i32.const 0))
                        (loop $dims
                          (local.set $dot (f64.add (local.get $dot)
                            (f64.mul
                              (f64.promote_f32 (f32.load (i32.add (local.get $queryPtr) (local.get $t))))
                              (f64.promote_f32 (f32.load (i32.add (local.get $docPtr) (local.get $t)))))))
                          (local.set $t (i32.add (local.get $t) (i32.const 4)))
                          (br_if $dims (i32.lt_u (local.get $t) (local.get $rowBytes))))
                        (if (f64.gt (local.get $dot) (local.get $best))
                          (then (local.set $best (local.get $dot))))))
                    (local.set $column (i32.add (local.get $column) (i32.const 1)))
                    (br $columns)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $documentBlocks)))

        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $best))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $queryRows))))

  ;; IEEE half floats (little-endian u16 at $src) to f32 at $dst, 8 at a time, bit-exact including subnormals,
  ;; infinities and NaN payloads. Rounds $n up to a multiple of 8: reads up to 14 bytes past $src + 2n and
  ;; writes up to 28 bytes past $dst + 4n. Per half (widened to an i32 lane): the magnitude bits shifted into
  ;; f32 position read as a float 2^112 too small (exponent bias 15 against 127), which the multiply fixes
  ;; exactly for normals and subnormals; exponent 31 (infinity, NaN) gets the f32 exponent OR-ed in; the sign
  ;; moves from bit 15 to bit 31.
  (func (export "decodeFloat16") (param $src i32) (param $dst i32) (param $n i32)
    (local $offset i32) (local $end i32) (local $halves v128) (local $half v128) (local $magnitude v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 1)))
    (local.set $offset (i32.const 0))
    (block $done
      (loop $eightHalves
        (br_if $done (i32.ge_u (local.get $offset) (local.get $end)))
        (local.set $halves (v128.load align=1 (i32.add (local.get $src) (local.get $offset))))
        (local.set $half (i32x4.extend_low_i16x8_u (local.get $halves)))
        (local.set $magnitude (v128.and (local.get $half) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)))
        (v128.store align=1 (i32.add (local.get $dst) (i32.shl (local.get $offset) (i32.const 1)))
          (v128.or
            (v128.or
              (f32x4.mul
                (i32x4.shl (local.get $magnitude) (i32.const 13))
                (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
              (v128.and
                (i32x4.ge_u (local.get $magnitude) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00))
                (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)))
            (i32x4.shl (v128.and (local.get $half) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))
        (local.set $half (i32x4.extend_high_i16x8_u (local.get $halves)))
        (local.set $magnitude (v128.and (local.get $half) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)))
        (v128.store offset=16 align=1 (i32.add (local.get $dst) (i32.shl (local.get $offset) (i32.const 1)))
          (v128.or
            (v128.or
              (f32x4.mul
                (i32x4.shl (local.get $magnitude) (i32.const 13))
                (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
              (v128.and
                (i32x4.ge_u (local.get $magnitude) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00))
                (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)))
            (i32x4.shl (v128.and (local.get $half) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))
        (local.set $offset (i32.add (local.get $offset) (i32.const 16)))
        (br $eightHalves))))
)
