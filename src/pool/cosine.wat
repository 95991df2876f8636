;; Pairwise cosine distances of float64 rows in WebAssembly SIMD (f64x2); the wrapper is cosine.ts.
;; Assembled into cosine.wasm by `npm run build:wasm`; tests/shared/wasm-sources.test.ts checks they match.
;; The arithmetic is the float64 sequence of `condensedCosineDistancesScalar` (cosine.ts) except for the
;; summation order of each dot product (two lanes, added at the end), which moves a distance by ~1e-16.
(module
  (import "kernel" "memory" (memory 1))

  ;; Widens $n packed float32 rows of $dim at $src to float64 rows of $stride (zero-padded) at $rows, and writes
  ;; each row's sum of squares (summed in order, as the scalar path) as f64 at $squaredNorms + 8i.
  (func (export "prepare")
    (param $n i32) (param $dim i32) (param $stride i32) (param $src i32) (param $rows i32) (param $squaredNorms i32)
    (local $i i32) (local $d i32) (local $srcRow i32) (local $row i32) (local $sum f64) (local $value f64)
    (local.set $i (i32.const 0))
    (block $allRowsDone
      (loop $rowLoop
        (br_if $allRowsDone (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $srcRow (i32.add (i32.shl (i32.mul (local.get $i) (local.get $dim)) (i32.const 2)) (local.get $src)))
        (local.set $row (i32.add (i32.shl (i32.mul (local.get $i) (local.get $stride)) (i32.const 3)) (local.get $rows)))
        (local.set $sum (f64.const 0))
        (local.set $d (i32.const 0))
        (block $valuesDone
          (loop $values
            (br_if $valuesDone (i32.ge_s (local.get $d) (local.get $dim)))
            (local.set $value (f64.promote_f32
              (f32.load (i32.add (local.get $srcRow) (i32.shl (local.get $d) (i32.const 2))))))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 3))) (local.get $value))
            (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $value) (local.get $value))))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br $values)))
        (block $paddingDone
          (loop $padding
            (br_if $paddingDone (i32.ge_s (local.get $d) (local.get $stride)))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 3))) (f64.const 0))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br $padding)))
        (f64.store (i32.add (local.get $squaredNorms) (i32.shl (local.get $i) (i32.const 3))) (local.get $sum))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowLoop))))

;; The distances 1 - clamp(dot(x_i, x_j) * inv_i * inv_j, -1, 1) of $n float64 rows of an even $stride at
  ;; $rows, with inv_i the f64 at $inverseNorms + 8i. $condensed = 0: the full symmetric n x n matrix at $out
  ;; (diagonal untouched); 1: the condensed upper triangle (pairs i < j row by row, as SciPy's pdist), where
  ;; pair (i, j) sits at n*i - i*(i+1)/2 + j - i - 1. Rows i and i + 1 are dotted against four rows j at once:
  ;; six loads feed eight f64x2 accumulators.
  (func (export "distances")
    (param $n i32) (param $stride i32) (param $rows i32) (param $inverseNorms i32) (param $out i32) (param $condensed i32)
    (local $i i32) (local $j i32) (local $d i32) (local $rowBytes i32) (local $outRowBytes i32)
    (local $rowI i32) (local $rowI2 i32) (local $rowJ0 i32) (local $rowJ1 i32) (local $rowJ2 i32) (local $rowJ3 i32)
    (local $startI i32) (local $startI2 i32) (local $cellI i32) (local $cellI2 i32) (local $mirror i32)
    (local $inverseJ i32)
    (local $inverseI f64) (local $inverseI2 f64)
    (local $dist00 f64) (local $dist01 f64) (local $dist02 f64) (local $dist03 f64)
    (local $dist10 f64) (local $dist11 f64) (local $dist12 f64) (local $dist13 f64)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $xi v128) (local $xi2 v128) (local $xj v128)
    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $outRowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $i (i32.const 0))
    ;; Over row pairs (i, i + 1); a last unpaired row has no j > i left.
    (block $allPairsDone
      (loop $rowPairs
        (br_if $allPairsDone (i32.ge_s (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
        (local.set $rowI (i32.add (local.get $rows) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $rowI2 (i32.add (local.get $rowI) (local.get $rowBytes)))
        (local.set $inverseI (f64.load (i32.add (local.get $inverseNorms) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $inverseI2 (f64.load offset=8 (i32.add (local.get $inverseNorms) (i32.shl (local.get $i) (i32.const 3)))))
        ;; Where (i, 0) and (i + 1, 0) would sit: the element of (i, j) is then $startI + j.
        (local.set $startI (call $rowStart (local.get $n) (local.get $i) (local.get $condensed)))
        (local.set $startI2 (call $rowStart (local.get $n) (i32.add (local.get $i) (i32.const 1)) (local.get $condensed)))

        ;; The pair (i, i + 1).
        (local.set $j (i32.add (local.get $i) (i32.const 1)))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $d (i32.const 0))
        (loop $dims
          (local.set $xj (v128.load (i32.add (local.get $rowI2) (local.get $d))))
          (local.set $xi (v128.load (i32.add (local.get $rowI) (local.get $d))))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xi) (local.get $xj))))
          (local.set $d (i32.add (local.get $d) (i32.const 16)))
          (br_if $dims (i32.lt_s (local.get $d) (local.get $rowBytes))))
        (local.set $inverseJ (i32.add (local.get $inverseNorms) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $dist00 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
              (local.get $inverseI)) (f64.load (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
        (f64.store (i32.add (local.get $out) (i32.shl (i32.add (local.get $startI) (local.get $j)) (i32.const 3)))
          (local.get $dist00))
        (if (i32.eqz (local.get $condensed))
          (then
            (f64.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3)))
              (local.get $dist00))))

        ;; Blocks of four rows j.
        (local.set $j (i32.add (local.get $i) (i32.const 2)))
        (block $blocksDone
          (loop $blocks
            (br_if $blocksDone (i32.ge_s (i32.add (local.get $j) (i32.const 3)) (local.get $n)))
            (local.set $rowJ0 (i32.add (local.get $rows) (i32.mul (local.get $j) (local.get $rowBytes))))
            (local.set $rowJ1 (i32.add (local.get $rowJ0) (local.get $rowBytes)))
            (local.set $rowJ2 (i32.add (local.get $rowJ1) (local.get $rowBytes)))
            (local.set $rowJ3 (i32.add (local.get $rowJ2) (local.get $rowBytes)))
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $a1 (v128.const i64x2 0 0))
            (local.set $a2 (v128.const i64x2 0 0))
            (local.set $a3 (v128.const i64x2 0 0))
            (local.set $b0 (v128.const i64x2 0 0))
            (local.set $b1 (v128.const i64x2 0 0))
            (local.set $b2 (v128.const i64x2 0 0))
            (local.set $b3 (v128.const i64x2 0 0))
            (local.set $d (i32.const 0))
            (loop $dims
              (local.set $xi (v128.load (i32.add (local.get $rowI) (local.get $d))))
              (local.set $xi2 (v128.load (i32.add (local.get $rowI2) (local.get $d))))
              (local.set $xj (v128.load (i32.add (local.get $rowJ0) (local.get $d))))
              (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xi) (local.get $xj))))
              (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $xi2) (local.get $xj))))
              (local.set $xj (v128.load (i32.add (local.get $rowJ1) (local.get $d))))
              (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $xi) (local.get $xj))))
              (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $xi2) (local.get $xj))))
              (local.set $xj (v128.load (i32.add (local.get $rowJ2) (local.get $d))))
              (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $xi) (local.get $xj))))
              (local.set $b2 (f64x2.add (local.get $b2) (f64x2.mul (local.get $xi2) (local.get $xj))))
              (local.set $xj (v128.load (i32.add (local.get $rowJ3) (local.get $d))))
              (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $xi) (local.get $xj))))
              (local.set $b3 (f64x2.add (local.get $b3) (f64x2.mul (local.get $xi2) (local.get $xj))))
              (local.set $d (i32.add (local.get $d) (i32.const 16)))
              (br_if $dims (i32.lt_s (local.get $d) (local.get $rowBytes))))
            ;; $dist0q = distance of (i, j + q) from a_q, $dist1q of (i + 1, j + q) from b_q; stored in row i and i + 1 and, for
            ;; the full matrix, mirrored into column i and i + 1 of rows j + q.
            (local.set $inverseJ (i32.add (local.get $inverseNorms) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $dist00 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
              (local.get $inverseI)) (f64.load (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (local.set $dist10 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $b0)) (f64x2.extract_lane 1 (local.get $b0)))
              (local.get $inverseI2)) (f64.load (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (local.set $dist01 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $a1)) (f64x2.extract_lane 1 (local.get $a1)))
              (local.get $inverseI)) (f64.load offset=8 (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (local.set $dist11 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $b1)) (f64x2.extract_lane 1 (local.get $b1)))
              (local.get $inverseI2)) (f64.load offset=8 (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (local.set $dist02 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $a2)) (f64x2.extract_lane 1 (local.get $a2)))
              (local.get $inverseI)) (f64.load offset=16 (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (local.set $dist12 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $b2)) (f64x2.extract_lane 1 (local.get $b2)))
              (local.get $inverseI2)) (f64.load offset=16 (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (local.set $dist03 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $a3)) (f64x2.extract_lane 1 (local.get $a3)))
              (local.get $inverseI)) (f64.load offset=24 (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (local.set $dist13 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $b3)) (f64x2.extract_lane 1 (local.get $b3)))
              (local.get $inverseI2)) (f64.load offset=24 (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (local.set $cellI (i32.add (local.get $out) (i32.shl (i32.add (local.get $startI) (local.get $j)) (i32.const 3))))
            (local.set $cellI2 (i32.add (local.get $out) (i32.shl (i32.add (local.get $startI2) (local.get $j)) (i32.const 3))))
            (f64.store (local.get $cellI) (local.get $dist00))
            (f64.store (local.get $cellI2) (local.get $dist10))
            (f64.store offset=8 (local.get $cellI) (local.get $dist01))
            (f64.store offset=8 (local.get $cellI2) (local.get $dist11))
            (f64.store offset=16 (local.get $cellI) (local.get $dist02))
            (f64.store offset=16 (local.get $cellI2) (local.get $dist12))
            (f64.store offset=24 (local.get $cellI) (local.get $dist03))
            (f64.store offset=24 (local.get $cellI2) (local.get $dist13))
            (local.set $mirror (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3))))
            (if (i32.eqz (local.get $condensed))
              (then
                (f64.store (local.get $mirror) (local.get $dist00))
                (f64.store offset=8 (local.get $mirror) (local.get $dist10))
                (local.set $mirror (i32.add (local.get $mirror) (local.get $outRowBytes)))
                (f64.store (local.get $mirror) (local.get $dist01))
                (f64.store offset=8 (local.get $mirror) (local.get $dist11))
                (local.set $mirror (i32.add (local.get $mirror) (local.get $outRowBytes)))
                (f64.store (local.get $mirror) (local.get $dist02))
                (f64.store offset=8 (local.get $mirror) (local.get $dist12))
                (local.set $mirror (i32.add (local.get $mirror) (local.get $outRowBytes)))
                (f64.store (local.get $mirror) (local.get $dist03))
                (f64.store offset=8 (local.get $mirror) (local.get $dist13))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $blocks)))

        ;; The remaining rows j one at a time.
        (block $singlesDone
          (loop $singles
            (br_if $singlesDone (i32.ge_s (local.get $j) (local.get $n)))
            (local.set $rowJ0 (i32.add (local.get $rows) (i32.mul (local.get $j) (local.get $rowBytes))))
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $b0 (v128.const i64x2 0 0))
            (local.set $d (i32.const 0))
            (loop $dims
              (local.set $xj (v128.load (i32.add (local.get $rowJ0) (local.get $d))))
              (local.set $xi (v128.load (i32.add (local.get $rowI) (local.get $d))))
              (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xi) (local.get $xj))))
              (local.set $xi2 (v128.load (i32.add (local.get $rowI2) (local.get $d))))
              (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $xi2) (local.get $xj))))
              (local.set $d (i32.add (local.get $d) (i32.const 16)))
              (br_if $dims (i32.lt_s (local.get $d) (local.get $rowBytes))))
            (local.set $inverseJ (i32.add (local.get $inverseNorms) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $dist00 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
              (local.get $inverseI)) (f64.load (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (local.set $dist10 (f64.sub (f64.const 1) (f64.min (f64.max (f64.mul (f64.mul
              (f64.add (f64x2.extract_lane 0 (local.get $b0)) (f64x2.extract_lane 1 (local.get $b0)))
              (local.get $inverseI2)) (f64.load (local.get $inverseJ))) (f64.const -1)) (f64.const 1))))
            (f64.store (i32.add (local.get $out) (i32.shl (i32.add (local.get $startI) (local.get $j)) (i32.const 3)))
              (local.get $dist00))
            (f64.store (i32.add (local.get $out) (i32.shl (i32.add (local.get $startI2) (local.get $j)) (i32.const 3)))
              (local.get $dist10))
            (local.set $mirror (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3))))
            (if (i32.eqz (local.get $condensed))
              (then
                (f64.store (local.get $mirror) (local.get $dist00))
                (f64.store offset=8 (local.get $mirror) (local.get $dist10))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $singles)))

        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $rowPairs))))

  ;; The element index of (i, 0) in the full n x n matrix (i * n) or, in the condensed triangle, the index
  ;; that (i, j) = start + j gives for every j > i: n*i - i*(i+1)/2 - i - 1.
  (func $rowStart (param $n i32) (param $i i32) (param $condensed i32) (result i32)
    (if (result i32) (local.get $condensed)
      (then
        (i32.sub (i32.mul (local.get $n) (local.get $i))
          (i32.add (i32.shr_u (i32.mul (local.get $i) (i32.add (local.get $i) (i32.const 1))) (i32.const 1))
            (i32.add (local.get $i) (i32.const 1)))))
      (else (i32.mul (local.get $i) (local.get $n)))))
)
