;; Dense inner products for codebook work: every pair of rows of two row sets, in WebAssembly SIMD.
;; Rows are float32, `dim` floats each with dim a multiple of 4, addressed in bytes. Each product sums four lane
;; partials (lane l takes dimensions t with t % 4 == l, accumulated in order) as ((l0 + l1) + (l2 + l3)), so a
;; scalar reference can reproduce it bit for bit.
(module
  (memory (export "memory") 1)

  (func $lanes (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; One row of `a` against one row of `b`.
  (func $dot1 (param $a i32) (param $b i32) (param $bytes i32) (result f32)
    (local $t i32) (local $sum v128)
    (block $done
      (loop $dims
        (br_if $done (i32.ge_u (local.get $t) (local.get $bytes)))
        (local.set $sum (f32x4.add (local.get $sum)
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $t)))
                     (v128.load (i32.add (local.get $b) (local.get $t))))))
        (local.set $t (i32.add (local.get $t) (i32.const 16)))
        (br $dims)))
    (call $lanes (local.get $sum)))

  ;; out[i * m + j] = a_i . b_j for i < n, j < m: blocks of 2 rows of `a` x 4 rows of `b` share their loads.
  (func (export "dots") (param $a i32) (param $n i32) (param $b i32) (param $m i32) (param $dim i32) (param $out i32)
    (local $bytes i32) (local $i i32) (local $j i32) (local $t i32)
    (local $rowA0 i32) (local $rowA1 i32) (local $rowB0 i32) (local $rowB1 i32) (local $rowB2 i32) (local $rowB3 i32)
    (local $outRow0 i32) (local $outRow1 i32)
    (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (block $rowsDone
      (loop $rowPairs
        (br_if $rowsDone (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
        (local.set $rowA0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $bytes))))
        (local.set $rowA1 (i32.add (local.get $rowA0) (local.get $bytes)))
        (local.set $outRow0 (i32.add (local.get $out) (i32.shl (i32.mul (local.get $i) (local.get $m)) (i32.const 2))))
        (local.set $outRow1 (i32.add (local.get $outRow0) (i32.shl (local.get $m) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $quadsDone
          (loop $columnQuads
            (br_if $quadsDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $m)))
            (local.set $rowB0 (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bytes))))
            (local.set $rowB1 (i32.add (local.get $rowB0) (local.get $bytes)))
            (local.set $rowB2 (i32.add (local.get $rowB1) (local.get $bytes)))
            (local.set $rowB3 (i32.add (local.get $rowB2) (local.get $bytes)))
            (local.set $s00 (v128.const i32x4 0 0 0 0)) (local.set $s01 (v128.const i32x4 0 0 0 0))
            (local.set $s02 (v128.const i32x4 0 0 0 0)) (local.set $s03 (v128.const i32x4 0 0 0 0))
            (local.set $s10 (v128.const i32x4 0 0 0 0)) (local.set $s11 (v128.const i32x4 0 0 0 0))
            (local.set $s12 (v128.const i32x4 0 0 0 0)) (local.set $s13 (v128.const i32x4 0 0 0 0))
            (local.set $t (i32.const 0))
            (block $dimsDone
              (loop $dims
                (br_if $dimsDone (i32.ge_u (local.get $t) (local.get $bytes)))
                (local.set $x0 (v128.load (i32.add (local.get $rowA0) (local.get $t))))
                (local.set $x1 (v128.load (i32.add (local.get $rowA1) (local.get $t))))
                (local.set $y (v128.load (i32.add (local.get $rowB0) (local.get $t))))
                (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x0) (local.get $y))))
                (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x1) (local.get $y))))
                (local.set $y (v128.load (i32.add (local.get $rowB1) (local.get $t))))
                (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x0) (local.get $y))))
                (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x1) (local.get $y))))
                (local.set $y (v128.load (i32.add (local.get $rowB2) (local.get $t))))
                (local.set $s02 (f32x4.add (local.get $s02) (f32x4.mul (local.get $x0) (local.get $y))))
                (local.set $s12 (f32x4.add (local.get $s12) (f32x4.mul (local.get $x1) (local.get $y))))
                (local.set $y (v128.load (i32.add (local.get $rowB3) (local.get $t))))
                (local.set $s03 (f32x4.add (local.get $s03) (f32x4.mul (local.get $x0) (local.get $y))))
                (local.set $s13 (f32x4.add (local.get $s13) (f32x4.mul (local.get $x1) (local.get $y))))
                (local.set $t (i32.add (local.get $t) (i32.const 16)))
                (br $dims)))
            (f32.store offset=0 (i32.add (local.get $outRow0) (i32.shl (local.get $j) (i32.const 2))) (call $lanes (local.get $s00)))
            (f32.store offset=4 (i32.add (local.get $outRow0) (i32.shl (local.get $j) (i32.const 2))) (call $lanes (local.get $s01)))
            (f32.store offset=8 (i32.add (local.get $outRow0) (i32.shl (local.get $j) (i32.const 2))) (call $lanes (local.get $s02)))
            (f32.store offset=12 (i32.add (local.get $outRow0) (i32.shl (local.get $j) (i32.const 2))) (call $lanes (local.get $s03)))
            (f32.store offset=0 (i32.add (local.get $outRow1) (i32.shl (local.get $j) (i32.const 2))) (call $lanes (local.get $s10)))
            (f32.store offset=4 (i32.add (local.get $outRow1) (i32.shl (local.get $j) (i32.const 2))) (call $lanes (local.get $s11)))
            (f32.store offset=8 (i32.add (local.get $outRow1) (i32.shl (local.get $j) (i32.const 2))) (call $lanes (local.get $s12)))
            (f32.store offset=12 (i32.add (local.get $outRow1) (i32.shl (local.get $j) (i32.const 2))) (call $lanes (local.get $s13)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $columnQuads)))
        ;; columns left over after the quads, still for both rows
        (block $columnsDone
          (loop $columns
            (br_if $columnsDone (i32.ge_u (local.get $j) (local.get $m)))
            (local.set $rowB0 (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bytes))))
            (f32.store (i32.add (local.get $outRow0) (i32.shl (local.get $j) (i32.const 2)))
              (call $dot1 (local.get $rowA0) (local.get $rowB0) (local.get $bytes)))
            (f32.store (i32.add (local.get $outRow1) (i32.shl (local.get $j) (i32.const 2)))
              (call $dot1 (local.get $rowA1) (local.get $rowB0) (local.get $bytes)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $columns)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $rowPairs)))
    ;; an odd last row of `a`
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (local.set $rowA0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $bytes))))
        (local.set $outRow0 (i32.add (local.get $out) (i32.shl (i32.mul (local.get $i) (local.get $m)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $lastDone
          (loop $last
            (br_if $lastDone (i32.ge_u (local.get $j) (local.get $m)))
            (f32.store (i32.add (local.get $outRow0) (i32.shl (local.get $j) (i32.const 2)))
              (call $dot1 (local.get $rowA0) (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bytes))) (local.get $bytes)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $last))))))
)
