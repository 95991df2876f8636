/** Types of build-stamp.js (plain JavaScript, so the bin can run it before anything is compiled). */
export declare const STAMP_FILE: string;
export interface BuildStamp {
  readonly sources: string;
  readonly files: Record<string, [size: number, mtimeMs: number]>;
}
export declare function createStamp(root: string): BuildStamp;
export declare function distIsFresh(root: string): boolean;
