/** Query id -> query text, in file order. */
export type Queries = ReadonlyMap<string, string>;

/** Query id -> (document id -> relevance grade). Grades <= 0 mean judged non-relevant. */
export type Qrels = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface RankedDoc {
  readonly id: string;
  readonly score: number;
}

/** One query's results, best first. `evaluateRun` scores it in trec_eval's order (`trecEvalOrder`). */
export type RankedList = readonly RankedDoc[];

/** Query id -> ranked results. */
export type Run = ReadonlyMap<string, RankedList>;
