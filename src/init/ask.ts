import { createInterface } from 'node:readline/promises';
import { UsageError } from '../exit-codes.js';

// Questions at a terminal: each shows its default in brackets, and Enter takes it. Lines are read
// through the interface's iterator, which keeps lines typed (or pasted, or piped) ahead of a
// question instead of dropping them. A wrong answer is said and the question asked again.

export interface Asker {
  /** The answer, or `fallback` on an empty line; `check` turns it into the value or throws UsageError. */
  ask<T>(question: string, fallback: string, check: (answer: string) => T): Promise<T>;
  close(): void;
}

export function terminalAsker(input: NodeJS.ReadableStream, output: { write(text: string): unknown }): Asker {
  // Not readline's terminal mode: the terminal's own line editing (cooked mode) echoes and edits what
  // is typed, and the same code reads a pipe.
  const rl = createInterface({ input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask<T>(question: string, fallback: string, check: (answer: string) => T): Promise<T> {
      for (;;) {
        output.write(`${question} [${fallback}]: `);
        const next = await lines.next();
        if (next.done) {
          output.write('\n');
          throw new UsageError(`no answer to "${question}": the input ended (--yes takes every default)`);
        }
        const answer = String(next.value).trim() || fallback;
        try {
          return check(answer);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          output.write(`  ${error.message}\n`);
        }
      }
    },
    close() {
      rl.close();
    },
  };
}
