// Types of built-cli.js, for the benchmarks and tests (the bin itself stays plain JavaScript).
export declare const BUILT_CLI: string;
export declare function builtCliIsCurrent(root: URL, dist?: URL): boolean;
