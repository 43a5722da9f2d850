/**
 * BIRD's control-socket reply format. Every line starts with a 4-digit code
 * followed by `-` (more lines follow) or a space (the last line of the
 * reply); a line starting with a space continues the previous code. Codes
 * 0xxx are success, 1xxx table rows, 2xxx table headings, 8xxx run-time
 * errors and 9xxx parse errors.
 * @module
 */

/** One reply line, with the code it belongs to (continuation lines inherit it). */
export interface BirdLine {
  readonly code: number;
  readonly text: string;
}

/** A complete reply to one command. */
export interface BirdReply {
  /** The code of the final line. */
  readonly code: number;
  readonly lines: readonly BirdLine[];
}

/** Whether a final code reports an error (8xxx run-time, 9xxx parse). */
export function isErrorCode(code: number): boolean {
  return code >= 8000;
}

/**
 * Incremental reply parser: feed it socket data, it yields complete replies.
 * Tolerates chunks that split lines anywhere.
 */
export class BirdReplyParser {
  #partial = '';
  #lines: BirdLine[] = [];
  #lastCode = 0;

  /** Add received text; returns the replies it completed (usually zero or one). */
  push(chunk: string): BirdReply[] {
    this.#partial += chunk;
    const done: BirdReply[] = [];
    let nl = this.#partial.indexOf('\n');
    while (nl >= 0) {
      const line = this.#partial.slice(0, nl);
      this.#partial = this.#partial.slice(nl + 1);
      const reply = this.#line(line);
      if (reply) done.push(reply);
      nl = this.#partial.indexOf('\n');
    }
    return done;
  }

  #line(line: string): BirdReply | undefined {
    const m = /^(\d{4})([ -])(.*)$/.exec(line);
    if (m) {
      const code = Number(m[1]);
      this.#lastCode = code;
      this.#lines.push({ code, text: m[3] ?? '' });
      if (m[2] === ' ') {
        const reply = { code, lines: this.#lines };
        this.#lines = [];
        return reply;
      }
      return undefined;
    }
    // Continuation: a leading space, then text of the previous code.
    this.#lines.push({ code: this.#lastCode, text: line.startsWith(' ') ? line.slice(1) : line });
    return undefined;
  }
}

/** Parse a whole recorded reply (the text after the greeting). */
export function parseBirdReply(text: string): BirdReply {
  const parser = new BirdReplyParser();
  const replies = parser.push(text.endsWith('\n') ? text : `${text}\n`);
  const first = replies[0];
  if (!first) throw new Error('incomplete BIRD reply: no final code line');
  return first;
}
