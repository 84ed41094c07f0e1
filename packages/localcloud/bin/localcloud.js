#!/usr/bin/env node
// `localcloud [--port N] [--world FILE] [--time-scale N] [--seed N] [--account-id ID]`: the local
// cloud on its own, from the package's TypeScript sources (through tsx). `greenlight localcloud` is
// the same server.
const { register } = await import('tsx/esm/api');
register();
await import(new URL('../src/cli.ts', import.meta.url).href);
