;; The nearest-neighbour-chain linkage and the cluster means in WebAssembly; the wrapper is wasm-linkage.ts,
;; which runs it on the distance matrix cosine.wat leaves in the same memory.
;; Assembled into wasm-linkage.wasm by `npm run build:wasm`; tests/shared/wasm-sources.test.ts checks they match.
;; The arithmetic is the float64 sequence of `LinkageBuilder` and `ClusterMerger`, so merges match SciPy's and
;; cluster means match the JS path bit for bit.
(module
  (import "kernel" "memory" (memory 1))

  ;; SciPy's `nn_chain` over the full symmetric float64 n x n matrix at $D (overwritten), $method 0 ward,
  ;; 1 average, 2 complete, 3 single. Writes merge t as slots $left[t] < $right[t] (i32) at $height[t] (f64), in
  ;; chain order (not sorted). $sizes (f64), $active and $chain (i32) are n-element scratch. Scans run over the
  ;; live slots in ascending order with a strict <, so ties go to the lowest index as in SciPy.
  (func (export "nnChain")
    (param $n i32) (param $method i32) (param $D i32) (param $sizes i32) (param $active i32) (param $chain i32)
    (param $left i32) (param $right i32) (param $height i32)
    (local $t i32) (local $chainLength i32) (local $x i32) (local $y i32) (local $a i32) (local $i i32)
    (local $activeCount i32) (local $write i32) (local $rowX i32) (local $rowY i32) (local $merges i32)
    (local $swap i32)
    (local $currentMin f64) (local $distance f64) (local $sizeX f64) (local $sizeY f64)
    (local $sizeI f64) (local $dxi f64) (local $dyi f64) (local $inverse f64)

    ;; Every slot is a live cluster of size 1.
    (local.set $i (i32.const 0))
    (block $initDone
      (loop $init
        (br_if $initDone (i32.ge_s (local.get $i) (local.get $n)))
        (f64.store (i32.add (local.get $sizes) (i32.shl (local.get $i) (i32.const 3))) (f64.const 1))
        (i32.store (i32.add (local.get $active) (i32.shl (local.get $i) (i32.const 2))) (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $init)))
    (local.set $activeCount (local.get $n))
    (local.set $chainLength (i32.const 0))
    (local.set $merges (i32.sub (local.get $n) (i32.const 1)))

    (local.set $t (i32.const 0))
    (block $allMerged
      (loop $mergeLoop
        (br_if $allMerged (i32.ge_s (local.get $t) (local.get $merges)))
        (if (i32.eqz (local.get $chainLength))
          (then
            (i32.store (local.get $chain) (i32.load (local.get $active)))
            (local.set $chainLength (i32.const 1))))

        ;; Walk the chain until its last two elements are mutual nearest neighbours.
        (block $reciprocal
          (loop $grow
            (local.set $x (i32.load (call $chainSlot (local.get $chain) (local.get $chainLength) (i32.const 1))))
            (if (i32.gt_s (local.get $chainLength) (i32.const 1))
              (then
                (local.set $y (i32.load (call $chainSlot (local.get $chain) (local.get $chainLength) (i32.const 2))))
                (local.set $currentMin (f64.load (call $cell (local.get $D) (local.get $n) (local.get $x) (local.get $y)))))
              (else
                (local.set $currentMin (f64.const inf))))
            (local.set $rowX (call $cell (local.get $D) (local.get $n) (local.get $x) (i32.const 0)))
            (local.set $a (i32.const 0))
            (block $scanDone
              (loop $scan
                (br_if $scanDone (i32.ge_s (local.get $a) (local.get $activeCount)))
                (local.set $i (i32.load (i32.add (local.get $active) (i32.shl (local.get $a) (i32.const 2)))))
                (if (i32.ne (local.get $i) (local.get $x))
                  (then
                    (local.set $distance (f64.load (i32.add (local.get $rowX) (i32.shl (local.get $i) (i32.const 3)))))
                    (if (f64.lt (local.get $distance) (local.get $currentMin))
                      (then
                        (local.set $currentMin (local.get $distance))
                        (local.set $y (local.get $i))))))
                (local.set $a (i32.add (local.get $a) (i32.const 1)))
                (br $scan)))
            ;; Stop when y is the previous chain element, else push y.
            (if (i32.gt_s (local.get $chainLength) (i32.const 1))
              (then
                (br_if $reciprocal (i32.eq (local.get $y)
                  (i32.load (call $chainSlot (local.get $chain) (local.get $chainLength) (i32.const 2)))))))
            (i32.store (i32.add (local.get $chain) (i32.shl (local.get $chainLength) (i32.const 2))) (local.get $y))
            (local.set $chainLength (i32.add (local.get $chainLength) (i32.const 1)))
            (br $grow)))

        ;; Merge x and y (x < y): y's slot holds the merged cluster, x's slot dies.
        (local.set $chainLength (i32.sub (local.get $chainLength) (i32.const 2)))
        (if (i32.gt_s (local.get $x) (local.get $y))
          (then
            (local.set $swap (local.get $x))
            (local.set $x (local.get $y))
            (local.set $y (local.get $swap))))
        (local.set $sizeX (f64.load (i32.add (local.get $sizes) (i32.shl (local.get $x) (i32.const 3)))))
        (local.set $sizeY (f64.load (i32.add (local.get $sizes) (i32.shl (local.get $y) (i32.const 3)))))
        (i32.store (i32.add (local.get $left) (i32.shl (local.get $t) (i32.const 2))) (local.get $x))
        (i32.store (i32.add (local.get $right) (i32.shl (local.get $t) (i32.const 2))) (local.get $y))
        (f64.store (i32.add (local.get $height) (i32.shl (local.get $t) (i32.const 3))) (local.get $currentMin))
        (f64.store (i32.add (local.get $sizes) (i32.shl (local.get $x) (i32.const 3))) (f64.const 0))
        (f64.store (i32.add (local.get $sizes) (i32.shl (local.get $y) (i32.const 3)))
          (f64.add (local.get $sizeX) (local.get $sizeY)))
        (local.set $rowX (call $cell (local.get $D) (local.get $n) (local.get $x) (i32.const 0)))
        (local.set $rowY (call $cell (local.get $D) (local.get $n) (local.get $y) (i32.const 0)))

        ;; Lance-Williams update of every live slot against the merged one; x leaves the live list.
        (local.set $write (i32.const 0))
        (local.set $a (i32.const 0))
        (block $updateDone
          (loop $update
            (br_if $updateDone (i32.ge_s (local.get $a) (local.get $activeCount)))
            (block $next
              (local.set $i (i32.load (i32.add (local.get $active) (i32.shl (local.get $a) (i32.const 2)))))
              (br_if $next (i32.eq (local.get $i) (local.get $x)))
              (i32.store (i32.add (local.get $active) (i32.shl (local.get $write) (i32.const 2))) (local.get $i))
              (local.set $write (i32.add (local.get $write) (i32.const 1)))
              (br_if $next (i32.eq (local.get $i) (local.get $y)))
              (local.set $sizeI (f64.load (i32.add (local.get $sizes) (i32.shl (local.get $i) (i32.const 3)))))
              (local.set $dxi (f64.load (i32.add (local.get $rowX) (i32.shl (local.get $i) (i32.const 3)))))
              (local.set $dyi (f64.load (i32.add (local.get $rowY) (i32.shl (local.get $i) (i32.const 3)))))
              ;; Lance-Williams: the distance from cluster i to the merger of x and y.
              (local.set $distance
                (if (result f64) (i32.eqz (local.get $method))
                  (then
                    ;; ward: sqrt((ni+nx)*inv*dxi^2 + (ni+ny)*inv*dyi^2 - ni*inv*dxy^2), inv = 1/(nx+ny+ni)
                    (local.set $inverse (f64.div (f64.const 1)
                      (f64.add (f64.add (local.get $sizeX) (local.get $sizeY)) (local.get $sizeI))))
                    (f64.sqrt (f64.sub
                      (f64.add
                        (f64.mul (f64.mul (f64.mul (f64.add (local.get $sizeI) (local.get $sizeX)) (local.get $inverse))
                          (local.get $dxi)) (local.get $dxi))
                        (f64.mul (f64.mul (f64.mul (f64.add (local.get $sizeI) (local.get $sizeY)) (local.get $inverse))
                          (local.get $dyi)) (local.get $dyi)))
                      (f64.mul (f64.mul (f64.mul (local.get $sizeI) (local.get $inverse))
                        (local.get $currentMin)) (local.get $currentMin)))))
                  (else (if (result f64) (i32.eq (local.get $method) (i32.const 1))
                    (then ;; average
                      (f64.div
                        (f64.add (f64.mul (local.get $sizeX) (local.get $dxi)) (f64.mul (local.get $sizeY) (local.get $dyi)))
                        (f64.add (local.get $sizeX) (local.get $sizeY))))
                    (else (if (result f64) (i32.eq (local.get $method) (i32.const 2))
                      (then (f64.max (local.get $dxi) (local.get $dyi))) ;; complete
                      (else (f64.min (local.get $dxi) (local.get $dyi))))))))) ;; single
              (f64.store (i32.add (local.get $rowY) (i32.shl (local.get $i) (i32.const 3))) (local.get $distance))
              (f64.store
                (i32.add (local.get $D)
                  (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $y)) (i32.const 3)))
                (local.get $distance)))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $update)))
        (local.set $activeCount (local.get $write))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $mergeLoop))))

  ;; Address of element $offsetFromEnd from the end of the chain (1: the last).
  (func $chainSlot (param $chain i32) (param $chainLength i32) (param $offsetFromEnd i32) (result i32)
    (i32.add (local.get $chain)
      (i32.shl (i32.sub (local.get $chainLength) (local.get $offsetFromEnd)) (i32.const 2))))

  ;; Address of D[row][column] in the n x n float64 matrix at $D.
  (func $cell (param $D i32) (param $n i32) (param $row i32) (param $column i32) (result i32)
    (i32.add (local.get $D)
      (i32.shl (i32.add (i32.mul (local.get $row) (local.get $n)) (local.get $column)) (i32.const 3))))

  ;; Cluster c of $out (float32, packed $dim) is the sum of the float64 rows (of $stride, at $rows) labelled c
  ;; (i32 labels at $labels), in row order, times 1 / ||sum|| (0 for a zero sum) when $renormalize, else
  ;; 1 / size: the same float64 operations as `ClusterMerger`, so the same floats. $sums ($clusters rows of
  ;; $stride) and $counts ($clusters f64) are scratch.
  (func (export "pool")
    (param $n i32) (param $dim i32) (param $stride i32) (param $rows i32) (param $labels i32) (param $clusters i32)
    (param $renormalize i32) (param $sums i32) (param $counts i32) (param $out i32)
    (local $i i32) (local $d i32) (local $c i32) (local $row i32) (local $sum i32) (local $rowBytes i32) (local $end i32)
    (local $squares f64) (local $scale f64) (local $value f64)
    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 3)))

    ;; Zero the sums and counts.
    (local.set $end (i32.add (i32.mul (local.get $clusters) (local.get $rowBytes)) (local.get $sums)))
    (local.set $i (local.get $sums))
    (block $sumsZeroed
      (loop $zeroSums
        (br_if $sumsZeroed (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (local.get $i) (v128.const i64x2 0 0))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $zeroSums)))
    (local.set $c (i32.const 0))
    (block $countsZeroed
      (loop $zeroCounts
        (br_if $countsZeroed (i32.ge_s (local.get $c) (local.get $clusters)))
        (f64.store (i32.add (local.get $counts) (i32.shl (local.get $c) (i32.const 3))) (f64.const 0))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $zeroCounts)))

    ;; Add each row to its cluster.
    (local.set $i (i32.const 0))
    (block $rowsAdded
      (loop $addRows
        (br_if $rowsAdded (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $c (i32.load (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))))
        (f64.store (i32.add (local.get $counts) (i32.shl (local.get $c) (i32.const 3)))
          (f64.add (f64.load (i32.add (local.get $counts) (i32.shl (local.get $c) (i32.const 3)))) (f64.const 1)))
        (local.set $row (i32.add (local.get $rows) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $sum (i32.add (local.get $sums) (i32.mul (local.get $c) (local.get $rowBytes))))
        (local.set $d (i32.const 0))
        (loop $dims
          (v128.store (i32.add (local.get $sum) (local.get $d))
            (f64x2.add
              (v128.load (i32.add (local.get $sum) (local.get $d)))
              (v128.load (i32.add (local.get $row) (local.get $d)))))
          (local.set $d (i32.add (local.get $d) (i32.const 16)))
          (br_if $dims (i32.lt_s (local.get $d) (local.get $rowBytes))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $addRows)))

    ;; Scale and narrow each cluster.
    (local.set $c (i32.const 0))
    (block $clustersDone
      (loop $clusterLoop
        (br_if $clustersDone (i32.ge_s (local.get $c) (local.get $clusters)))
        (local.set $sum (i32.add (local.get $sums) (i32.mul (local.get $c) (local.get $rowBytes))))
        (if (local.get $renormalize)
          (then
            (local.set $squares (f64.const 0))
            (local.set $d (i32.const 0))
            (block $normDone
              (loop $norm
                (br_if $normDone (i32.ge_s (local.get $d) (local.get $dim)))
                (local.set $value (f64.load (i32.add (local.get $sum) (i32.shl (local.get $d) (i32.const 3)))))
                (local.set $squares (f64.add (f64.mul (local.get $value) (local.get $value)) (local.get $squares)))
                (local.set $d (i32.add (local.get $d) (i32.const 1)))
                (br $norm)))
            (local.set $scale (select
              (f64.div (f64.const 1) (f64.sqrt (local.get $squares)))
              (f64.const 0)
              (f64.gt (local.get $squares) (f64.const 0)))))
          (else
            (local.set $scale (f64.div (f64.const 1)
              (f64.load (i32.add (local.get $counts) (i32.shl (local.get $c) (i32.const 3))))))))
        (local.set $d (i32.const 0))
        (block $narrowed
          (loop $narrow
            (br_if $narrowed (i32.ge_s (local.get $d) (local.get $dim)))
            (f32.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $c) (local.get $dim)) (local.get $d)) (i32.const 2)))
              (f32.demote_f64 (f64.mul
                (f64.load (i32.add (local.get $sum) (i32.shl (local.get $d) (i32.const 3))))
                (local.get $scale))))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br $narrow)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $clusterLoop))))
)
