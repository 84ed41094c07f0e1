// What the agent remembers of one lifecycle event's scripts (spec §6.5): entries
// `LifecycleEvent - <event>`, `Script - <location>`, `[stdout]<line>`, `[stderr]<line>`, of which the
// diagnostic's logTail keeps the last 2,048 characters in whole entries. The agent's trim loop has an
// off-by-one that can keep one entry too many; this keeps the tail within the limit.
// The same entries go, with a timestamp, to the deployment's logs/scripts.log.

export const LOG_TAIL_LIMIT = 2048;

export class ScriptLog {
  private readonly entries: string[] = [];
  private size = 0;

  constructor(private readonly limit = LOG_TAIL_LIMIT) {}

  /** Adds one entry (a newline is added); returns the entry as written. */
  append(entry: string): string {
    const line = `${entry.replace(/\r?\n$/, '')}\n`;
    this.entries.push(line);
    this.size += line.length;
    while (this.size > this.limit && this.entries.length > 0) {
      this.size -= (this.entries.shift() as string).length;
    }
    return line;
  }

  tail(): string {
    return this.entries.join('');
  }
}

/** `2024-05-01 12:00:00 ` — the prefix of each scripts.log line, in UTC. */
export function scriptsLogStamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} `;
}

/** Splits a stream into lines as they complete; `flush` hands over a last unterminated line. */
export class LineSplitter {
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.replace(/\r$/, ''));
  }

  flush(): void {
    if (this.pending !== '') this.onLine(this.pending);
    this.pending = '';
  }
}
