// Types of source-stamp.js, for scripts/build.ts (the bin itself stays plain JavaScript).
export interface SourceStamp {
  readonly files: number;
  readonly bytes: number;
  readonly newestMs: number;
}
export declare const STAMP_FILE: string;
export declare function sourceStamp(dir: string, ...more: string[]): SourceStamp;
export declare function sameStamp(a: unknown, b: SourceStamp): boolean;
