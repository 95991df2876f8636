;; Similarity matrices in WebAssembly SIMD (f32x4): the dot products of two sets of rows, and the first maximum
;; of each row of such a matrix. Shared by MaxSim (src/search/maxsim-wasm.ts) and the codebook kernels
;; (centroids.ts), which run it on their own memory. Assembled into similarity.wasm by `npm run build:wasm`.
;;
;; Numerics, reproduced bit for bit by `similaritiesScalar` (centroids.ts): lane l of dot(q, d) accumulates the
;; float32 products of dimensions l, l + 4, l + 8, ... in float32 (f32x4.mul, then f32x4.add; the padding adds
;; zeros), and the four lanes are added as (l0 + l2) + (l1 + l3).
(module
  (import "kernel" "memory" (memory 1))

  ;; For every query row i (at $q + i * $qStride bytes, zero-padded to a multiple of 4 floats) and document row
  ;; j (at $d + j * $dim * 4, unpadded, with 12 readable bytes after the last): dot(q_i, d_j) as f32 at
  ;; $sims + i * $simsStride + 4j, for j up to $dCount rounded up to 4 (the extra columns repeat the last row),
  ;; and max_j of it at $best + 4i. Register-blocked 2 query rows x 4 document rows: 8 accumulators plus 2 query
  ;; chunks and 1 document chunk fit the 16 SIMD registers. Requires $qCount >= 1 and $dCount >= 1.
  (func (export "similarities")
    (param $q i32) (param $qCount i32) (param $qStride i32)
    (param $d i32) (param $dCount i32) (param $dim i32)
    (param $sims i32) (param $simsStride i32) (param $best i32)
    (local $i i32) (local $j i32) (local $t i32) (local $lastDoc i32) (local $lastQuery i32)
    (local $fullBytes i32) (local $rowBytes i32) (local $tailLanes i32)
    (local $queryRow0 i32) (local $queryRow1 i32)
    (local $queryPtr0 i32) (local $queryPtr1 i32)
    (local $simsRow0 i32) (local $simsRow1 i32)
    (local $docPtr0 i32) (local $docPtr1 i32) (local $docPtr2 i32) (local $docPtr3 i32)
    (local $mask v128) (local $docChunk v128) (local $temp0 v128) (local $temp1 v128)
    (local $queryChunk0 v128) (local $queryChunk1 v128)
    (local $best0 v128) (local $best1 v128)
    (local $acc00 v128) (local $acc01 v128) (local $acc02 v128) (local $acc03 v128)
    (local $acc10 v128) (local $acc11 v128) (local $acc12 v128) (local $acc13 v128)

    ;; Row geometry: bytes in whole 4-float chunks, bytes per row, lanes in the partial chunk and their mask.
    (local.set $fullBytes (i32.shl (i32.shr_u (local.get $dim) (i32.const 2)) (i32.const 4)))
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $tailLanes (i32.and (local.get $dim) (i32.const 3)))
    (local.set $mask (i32x4.lt_s (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $tailLanes))))
    (local.set $lastDoc (i32.sub (local.get $dCount) (i32.const 1)))
    (local.set $lastQuery (i32.sub (local.get $qCount) (i32.const 1)))

    (local.set $i (i32.const 0))
    (loop $queryBlocks
      ;; With an odd row count the second row of the last block repeats the last row.
      (local.set $queryRow0 (local.get $i))
      (local.set $queryRow1
        (select (i32.add (local.get $i) (i32.const 1)) (local.get $lastQuery)
          (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $lastQuery))))
      (local.set $queryPtr0 (i32.add (local.get $q) (i32.mul (local.get $queryRow0) (local.get $qStride))))
      (local.set $queryPtr1 (i32.add (local.get $q) (i32.mul (local.get $queryRow1) (local.get $qStride))))
      (local.set $simsRow0 (i32.add (local.get $sims) (i32.mul (local.get $queryRow0) (local.get $simsStride))))
      (local.set $simsRow1 (i32.add (local.get $sims) (i32.mul (local.get $queryRow1) (local.get $simsStride))))
      (local.set $best0 (v128.const f32x4 -inf -inf -inf -inf))
      (local.set $best1 (v128.const f32x4 -inf -inf -inf -inf))

      (local.set $j (i32.const 0))
      (loop $documentBlocks
        (local.set $docPtr0 (i32.add (local.get $d) (i32.mul (local.get $rowBytes)
          (select (local.get $j) (local.get $lastDoc) (i32.lt_s (local.get $j) (local.get $lastDoc))))))
        (local.set $docPtr1 (i32.add (local.get $d) (i32.mul (local.get $rowBytes)
          (select (i32.add (local.get $j) (i32.const 1)) (local.get $lastDoc) (i32.lt_s (i32.add (local.get $j) (i32.const 1)) (local.get $lastDoc))))))
        (local.set $docPtr2 (i32.add (local.get $d) (i32.mul (local.get $rowBytes)
          (select (i32.add (local.get $j) (i32.const 2)) (local.get $lastDoc) (i32.lt_s (i32.add (local.get $j) (i32.const 2)) (local.get $lastDoc))))))
        (local.set $docPtr3 (i32.add (local.get $d) (i32.mul (local.get $rowBytes)
          (select (i32.add (local.get $j) (i32.const 3)) (local.get $lastDoc) (i32.lt_s (i32.add (local.get $j) (i32.const 3)) (local.get $lastDoc))))))
        (local.set $acc00 (v128.const i32x4 0 0 0 0))
        (local.set $acc01 (v128.const i32x4 0 0 0 0))
        (local.set $acc02 (v128.const i32x4 0 0 0 0))
        (local.set $acc03 (v128.const i32x4 0 0 0 0))
        (local.set $acc10 (v128.const i32x4 0 0 0 0))
        (local.set $acc11 (v128.const i32x4 0 0 0 0))
        (local.set $acc12 (v128.const i32x4 0 0 0 0))
        (local.set $acc13 (v128.const i32x4 0 0 0 0))

        ;; Whole chunks of 4 dimensions at byte offset $t.
        (local.set $t (i32.const 0))
        (if (local.get $fullBytes)
          (then
            (loop $chunks
              (local.set $queryChunk0 (v128.load align=1 (i32.add (local.get $queryPtr0) (local.get $t))))
              (local.set $queryChunk1 (v128.load align=1 (i32.add (local.get $queryPtr1) (local.get $t))))
              (local.set $docChunk (v128.load align=1 (i32.add (local.get $docPtr0) (local.get $t))))
              (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $queryChunk0) (local.get $docChunk))))
              (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $queryChunk1) (local.get $docChunk))))
              (local.set $docChunk (v128.load align=1 (i32.add (local.get $docPtr1) (local.get $t))))
              (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $queryChunk0) (local.get $docChunk))))
              (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $queryChunk1) (local.get $docChunk))))
              (local.set $docChunk (v128.load align=1 (i32.add (local.get $docPtr2) (local.get $t))))
              (local.set $acc02 (f32x4.add (local.get $acc02) (f32x4.mul (local.get $queryChunk0) (local.get $docChunk))))
              (local.set $acc12 (f32x4.add (local.get $acc12) (f32x4.mul (local.get $queryChunk1) (local.get $docChunk))))
              (local.set $docChunk (v128.load align=1 (i32.add (local.get $docPtr3) (local.get $t))))
              (local.set $acc03 (f32x4.add (local.get $acc03) (f32x4.mul (local.get $queryChunk0) (local.get $docChunk))))
              (local.set $acc13 (f32x4.add (local.get $acc13) (f32x4.mul (local.get $queryChunk1) (local.get $docChunk))))
              (local.set $t (i32.add (local.get $t) (i32.const 16)))
              (br_if $chunks (i32.lt_u (local.get $t) (local.get $fullBytes))))))

        ;; The partial chunk: document lanes past the row belong to the next row (or are slack), so they are
        ;; masked to zero; the query's padding lanes are zero already.
        (if (local.get $tailLanes)
          (then
            (local.set $queryChunk0 (v128.load align=1 (i32.add (local.get $queryPtr0) (local.get $t))))
            (local.set $queryChunk1 (v128.load align=1 (i32.add (local.get $queryPtr1) (local.get $t))))
            (local.set $docChunk
              (v128.and (v128.load align=1 (i32.add (local.get $docPtr0) (local.get $t))) (local.get $mask)))
            (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $queryChunk0) (local.get $docChunk))))
            (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $queryChunk1) (local.get $docChunk))))
            (local.set $docChunk
              (v128.and (v128.load align=1 (i32.add (local.get $docPtr1) (local.get $t))) (local.get $mask)))
            (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $queryChunk0) (local.get $docChunk))))
            (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $queryChunk1) (local.get $docChunk))))
            (local.set $docChunk
              (v128.and (v128.load align=1 (i32.add (local.get $docPtr2) (local.get $t))) (local.get $mask)))
            (local.set $acc02 (f32x4.add (local.get $acc02) (f32x4.mul (local.get $queryChunk0) (local.get $docChunk))))
            (local.set $acc12 (f32x4.add (local.get $acc12) (f32x4.mul (local.get $queryChunk1) (local.get $docChunk))))
            (local.set $docChunk
              (v128.and (v128.load align=1 (i32.add (local.get $docPtr3) (local.get $t))) (local.get $mask)))
            (local.set $acc03 (f32x4.add (local.get $acc03) (f32x4.mul (local.get $queryChunk0) (local.get $docChunk))))
            (local.set $acc13 (f32x4.add (local.get $acc13) (f32x4.mul (local.get $queryChunk1) (local.get $docChunk))))))

        ;; Horizontal sums in two rounds of pairwise shuffles and adds: $temp0 = [a0+a2, b0+b2, a1+a3, b1+b3] of
        ;; accumulators a, b, and then [sum(a), sum(b), sum(c), sum(d)]. The 4 similarities of each query row go
        ;; to its row of the matrix and into its running maximum (pmax keeps the maximum when one is NaN).
        (local.set $temp0 (f32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $acc00) (local.get $acc01)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $acc00) (local.get $acc01))))
        (local.set $temp1 (f32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $acc02) (local.get $acc03)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $acc02) (local.get $acc03))))
        (local.set $temp0 (f32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $temp0) (local.get $temp1)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $temp0) (local.get $temp1))))
        (v128.store align=1 (i32.add (local.get $simsRow0) (i32.shl (local.get $j) (i32.const 2))) (local.get $temp0))
        (local.set $best0 (f32x4.pmax (local.get $best0) (local.get $temp0)))
        (local.set $temp0 (f32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $acc10) (local.get $acc11)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $acc10) (local.get $acc11))))
        (local.set $temp1 (f32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $acc12) (local.get $acc13)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $acc12) (local.get $acc13))))
        (local.set $temp0 (f32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $temp0) (local.get $temp1)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $temp0) (local.get $temp1))))
        (v128.store align=1 (i32.add (local.get $simsRow1) (i32.shl (local.get $j) (i32.const 2))) (local.get $temp0))
        (local.set $best1 (f32x4.pmax (local.get $best1) (local.get $temp0)))

        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br_if $documentBlocks (i32.lt_s (local.get $j) (local.get $dCount))))

      ;; Each row's maximum: the largest lane of its running maximum, by pmax (so a NaN lane is ignored unless
      ;; every lane is NaN).
      (local.set $temp0 (f32x4.pmax (local.get $best0)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $best0) (local.get $best0))))
      (local.set $temp0 (f32x4.pmax (local.get $temp0)
        (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $temp0) (local.get $temp0))))
      (f32.store (i32.add (local.get $best) (i32.shl (local.get $queryRow0) (i32.const 2)))
        (f32x4.extract_lane 0 (local.get $temp0)))
      (local.set $temp0 (f32x4.pmax (local.get $best1)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $best1) (local.get $best1))))
      (local.set $temp0 (f32x4.pmax (local.get $temp0)
        (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $temp0) (local.get $temp0))))
      (f32.store (i32.add (local.get $best) (i32.shl (local.get $queryRow1) (i32.const 2)))
        (f32x4.extract_lane 0 (local.get $temp0)))

      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $queryBlocks (i32.lt_s (local.get $i) (local.get $qCount)))))

  ;; Merges a tile of a similarity matrix into running first maxima. For each of $rows rows (f32 at
  ;; $sims + r * $simsStride): the first column c < $columns holding the row's largest value; when that value is
  ;; greater than the f32 at $bestValue + 4r it replaces it, and $columnBase + c goes to the i32 at
  ;; $bestIndex + 4r. Tiles merged in ascending column order thus keep the first maximum of the whole row: ties
  ;; go to the lowest column, NaN is never a maximum (start from -inf and -1).
  (func (export "argmaxRows")
    (param $sims i32) (param $rows i32) (param $columns i32) (param $simsStride i32) (param $columnBase i32)
    (param $bestIndex i32) (param $bestValue i32)
    (local $r i32) (local $row i32) (local $c i32) (local $wholeColumns i32)
    (local $index i32) (local $candidateIndex i32) (local $value f32) (local $candidate f32)
    (local $values v128) (local $greater v128) (local $laneMaxima v128) (local $laneColumns v128) (local $columnsHere v128)
    (local.set $wholeColumns (i32.and (local.get $columns) (i32.const -4)))
    (local.set $r (i32.const 0))
    (block $allRowsDone
      (loop $rowLoop
        (br_if $allRowsDone (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $sims) (i32.mul (local.get $r) (local.get $simsStride))))

        ;; Lane l keeps the first maximum among columns l, l + 4, l + 8, ...
        (local.set $laneMaxima (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $laneColumns (v128.const i32x4 -1 -1 -1 -1))
        (local.set $columnsHere (v128.const i32x4 0 1 2 3))
        (local.set $c (i32.const 0))
        (block $wholeDone
          (loop $wholeChunks
            (br_if $wholeDone (i32.ge_s (local.get $c) (local.get $wholeColumns)))
            (local.set $values (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $greater (f32x4.gt (local.get $values) (local.get $laneMaxima)))
            (local.set $laneMaxima (v128.bitselect (local.get $values) (local.get $laneMaxima) (local.get $greater)))
            (local.set $laneColumns (v128.bitselect (local.get $columnsHere) (local.get $laneColumns) (local.get $greater)))
            (local.set $columnsHere (i32x4.add (local.get $columnsHere) (v128.const i32x4 4 4 4 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $wholeChunks)))

        ;; Across lanes: the largest value, on a tie the lowest column (-1, no column, is the largest unsigned).
        (local.set $value (f32x4.extract_lane 0 (local.get $laneMaxima)))
        (local.set $index (i32x4.extract_lane 0 (local.get $laneColumns)))
        (local.set $candidate (f32x4.extract_lane 1 (local.get $laneMaxima)))
        (local.set $candidateIndex (i32x4.extract_lane 1 (local.get $laneColumns)))
        (if (i32.or (f32.gt (local.get $candidate) (local.get $value))
              (i32.and (f32.eq (local.get $candidate) (local.get $value))
                (i32.lt_u (local.get $candidateIndex) (local.get $index))))
          (then
            (local.set $value (local.get $candidate))
            (local.set $index (local.get $candidateIndex))))
        (local.set $candidate (f32x4.extract_lane 2 (local.get $laneMaxima)))
        (local.set $candidateIndex (i32x4.extract_lane 2 (local.get $laneColumns)))
        (if (i32.or (f32.gt (local.get $candidate) (local.get $value))
              (i32.and (f32.eq (local.get $candidate) (local.get $value))
                (i32.lt_u (local.get $candidateIndex) (local.get $index))))
          (then
            (local.set $value (local.get $candidate))
            (local.set $index (local.get $candidateIndex))))
        (local.set $candidate (f32x4.extract_lane 3 (local.get $laneMaxima)))
        (local.set $candidateIndex (i32x4.extract_lane 3 (local.get $laneColumns)))
        (if (i32.or (f32.gt (local.get $candidate) (local.get $value))
              (i32.and (f32.eq (local.get $candidate) (local.get $value))
                (i32.lt_u (local.get $candidateIndex) (local.get $index))))
          (then
            (local.set $value (local.get $candidate))
            (local.set $index (local.get $candidateIndex))))

        ;; The columns after the last whole chunk come after every lane's, so only a greater value wins.
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_s (local.get $c) (local.get $columns)))
            (local.set $candidate (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))))
            (if (f32.gt (local.get $candidate) (local.get $value))
              (then
                (local.set $value (local.get $candidate))
                (local.set $index (local.get $c))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $tail)))

        ;; Merge with the running maximum of earlier tiles (their columns are all lower).
        (if (f32.gt (local.get $value) (f32.load (i32.add (local.get $bestValue) (i32.shl (local.get $r) (i32.const 2)))))
          (then
            (f32.store (i32.add (local.get $bestValue) (i32.shl (local.get $r) (i32.const 2))) (local.get $value))
            (i32.store (i32.add (local.get $bestIndex) (i32.shl (local.get $r) (i32.const 2)))
              (i32.add (local.get $columnBase) (local.get $index)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))
)
