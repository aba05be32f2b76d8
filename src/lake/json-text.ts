/**
 * A streaming, strict (RFC 8259) JSON scanner for whole journal documents. It answers one question
 * without holding the text: is this text exactly one JSON value? And, when asked, it writes that
 * value as journal lines: each element of a top-level array on its own line, any other value as one
 * line, every token kept as written and only the whitespace between tokens removed.
 *
 * Strict means: no trailing commas, no NaN/Infinity, no comments, no single quotes, no leading zeros,
 * no raw control characters in strings, no lone surrogate escapes (`\ud800` without its pair).
 * Duplicate member names are valid JSON; the fold rejects such records (docs/SEMANTICS.md).
 */

type Container = 'object' | 'array';


const enum S {
  Value, // expecting a value
  ObjectFirst, // after `{`: a member name or `}`
  ObjectName, // after `,` in an object: a member name
  Colon,
  After, // after a value: `,`, a closing bracket, or the end
  String,
  Escape,
  Unicode,
  Number,
  Literal,
  Done,
  Failed,
}

/** Number grammar states: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
const enum N {
  Minus,
  Zero,
  Int,
  Dot,
  Frac,
  E,
  ESign,
  Exp,
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER_END_OK = new Set([N.Zero, N.Int, N.Frac, N.Exp]);

export class JsonTextScanner {
  private state = S.Value;
  private readonly stack: Container[] = [];
  private stringIsName = false;
  private unicodeDigits = '';
  /** After a high-surrogate escape: the next character must start its low-surrogate escape. */
  private expectingLow = false;
  private number = N.Minus;
  private literal = '';
  private literalAt = 0;
  private rootIsArray = false;
  private piece = '';
  error: string | undefined;

  /** `emit` receives each top-level array element, or the one value, as compact JSON text. */
  constructor(private readonly emit?: (line: string) => void) {}

  get failed(): boolean {
    return this.state === S.Failed;
  }

  /** Feeds text; returns false once the text is known not to be exactly one JSON value. */
  write(text: string): boolean {
    for (let i = 0; i < text.length && this.state !== S.Failed; i++) this.step(text.charCodeAt(i), text[i]!);
    return this.state !== S.Failed;
  }

  /** Ends the text: true when it held exactly one complete JSON value. */
  end(): boolean {
    if (this.state === S.Number) this.endNumber();
    if (this.state === S.Failed) return false;
    if (this.state !== S.Done) return this.fail('the text ends inside a value');
    if (!this.rootIsArray) this.flush();
    return true;
  }

  private fail(reason: string): false {
    this.state = S.Failed;
    this.error = reason;
    return false;
  }

  /** Collects the text of the value being emitted (the root array's own brackets and commas are not part of any element). */
  private keep(char: string): void {
    if (this.emit) this.piece += char;
  }

  private get inRootArray(): boolean {
    return this.rootIsArray && this.stack.length === 1;
  }

  private flush(): void {
    if (this.emit && this.piece.length) this.emit(this.piece);
    this.piece = '';
  }

  private step(code: number, char: string): void {
    switch (this.state) {
      case S.String:
        return this.inString(code, char);
      case S.Escape:
        return this.inEscape(char);
      case S.Unicode:
        return this.inUnicode(code, char);
      case S.Number:
        if (this.inNumber(code, char)) return;
        this.endNumber();
        if (this.failed) return;
        return this.step(code, char);
      case S.Literal:
        return this.inLiteral(char);
      default:
        break;
    }
    if (WHITESPACE.has(code)) return;
    switch (this.state) {
      case S.Done:
        this.fail('more text follows the value');
        return;
      case S.Value:
        this.startValue(code, char);
        return;
      case S.ObjectFirst:
        if (char === '}') return this.close(char);
        if (char !== '"') return void this.fail(`expected a member name or }, got ${char}`);
        return this.startString(true, char);
      case S.ObjectName:
        if (char !== '"') return void this.fail(`expected a member name, got ${char}`);
        return this.startString(true, char);
      case S.Colon:
        if (char !== ':') return void this.fail(`expected :, got ${char}`);
        this.keep(char);
        this.state = S.Value;
        return;
      case S.After:
        return this.afterValue(char);
      default:
        return;
    }
  }

  private startValue(code: number, char: string): void {
    const root = this.stack.length === 0;
    if (char === '{' || char === '[') {
      if (root && char === '[') this.rootIsArray = true;
      else this.keep(char);
      this.stack.push(char === '{' ? 'object' : 'array');
      this.state = char === '{' ? S.ObjectFirst : S.Value;
      if (char === '[') this.arrayOpened = true;
      return;
    }
    if (char === ']' && this.arrayOpened && this.stack.at(-1) === 'array') {
      // `[]`: an empty array closes right after its opening bracket.
      return this.close(char);
    }
    this.arrayOpened = false;
    if (char === '"') return this.startString(false, char);
    if (char === '-' || (code >= 0x30 && code <= 0x39)) {
      this.keep(char);
      this.state = S.Number;
      this.number = char === '-' ? N.Minus : char === '0' ? N.Zero : N.Int;
      return;
    }
    if (char === 't' || char === 'f' || char === 'n') {
      this.literal = char === 't' ? 'true' : char === 'f' ? 'false' : 'null';
      this.literalAt = 1;
      this.keep(char);
      this.state = S.Literal;
      return;
    }
    this.fail(`unexpected ${char}`);
  }

  private arrayOpened = false;

  private startString(isName: boolean, char: string): void {
    this.arrayOpened = false;
    this.stringIsName = isName;
    this.keep(char);
    this.state = S.String;
  }

  private inString(code: number, char: string): void {
    if (this.expectingLow && char !== '\\') return void this.fail('a lone surrogate escape in a string');
    if (char === '"') {
      this.keep(char);
      return this.valueEnded(this.stringIsName);
    }
    if (char === '\\') {
      this.keep(char);
      this.state = S.Escape;
      return;
    }
    if (code < 0x20) return void this.fail('a raw control character in a string');
    this.keep(char);
  }

  private inEscape(char: string): void {
    this.keep(char);
    if (char === 'u') {
      this.unicodeDigits = '';
      this.state = S.Unicode;
      return;
    }
    if (this.expectingLow) return void this.fail('a lone surrogate escape in a string');
    if (!'"\\/bfnrt'.includes(char)) return void this.fail(`an invalid escape \\${char}`);
    this.state = S.String;
  }

  private inUnicode(code: number, char: string): void {
    const hex = (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
    if (!hex) return void this.fail('an invalid \\u escape');
    this.keep(char);
    this.unicodeDigits += char;
    if (this.unicodeDigits.length < 4) return;
    const unit = parseInt(this.unicodeDigits, 16);
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = unit >= 0xdc00 && unit <= 0xdfff;
    if (this.expectingLow) {
      if (!low) return void this.fail('a lone surrogate escape in a string');
      this.expectingLow = false;
    } else if (low) {
      return void this.fail('a lone surrogate escape in a string');
    } else if (high) {
      this.expectingLow = true;
    }
    this.state = S.String;
  }

  private inNumber(code: number, char: string): boolean {
    const digit = code >= 0x30 && code <= 0x39;
    const next = (() => {
      switch (this.number) {
        case N.Minus:
          return char === '0' ? N.Zero : digit ? N.Int : undefined;
        case N.Zero:
          return char === '.' ? N.Dot : char === 'e' || char === 'E' ? N.E : undefined;
        case N.Int:
          return digit ? N.Int : char === '.' ? N.Dot : char === 'e' || char === 'E' ? N.E : undefined;
        case N.Dot:
          return digit ? N.Frac : undefined;
        case N.Frac:
          return digit ? N.Frac : char === 'e' || char === 'E' ? N.E : undefined;
        case N.E:
          return char === '+' || char === '-' ? N.ESign : digit ? N.Exp : undefined;
        case N.ESign:
        case N.Exp:
          return digit ? N.Exp : undefined;
      }
    })();
    if (next === undefined) {
      // A digit after a leading zero (`01`) is never a number.
      if (this.number === N.Zero && digit) this.fail('a number with a leading zero');
      return false;
    }
    this.keep(char);
    this.number = next;
    return true;
  }

  private endNumber(): void {
    if (!NUMBER_END_OK.has(this.number)) return void this.fail('an incomplete number');
    this.valueEnded(false);
  }

  private inLiteral(char: string): void {
    if (char !== this.literal[this.literalAt]) return void this.fail(`an invalid literal (expected ${this.literal})`);
    this.keep(char);
    this.literalAt++;
    if (this.literalAt === this.literal.length) this.valueEnded(false);
  }

  private valueEnded(wasName: boolean): void {
    if (wasName) {
      this.state = S.Colon;
      return;
    }
    this.state = this.stack.length === 0 ? S.Done : S.After;
    if (this.inRootArray) this.flush();
  }

  private afterValue(char: string): void {
    const top = this.stack.at(-1);
    if (char === ',') {
      if (!this.inRootArray) this.keep(char);
      this.state = top === 'object' ? S.ObjectName : S.Value;
      this.arrayOpened = false;
      return;
    }
    if ((char === '}' && top === 'object') || (char === ']' && top === 'array')) return this.close(char);
    this.fail(`unexpected ${char}`);
  }

  private close(char: string): void {
    this.arrayOpened = false;
    if (!(this.inRootArray && char === ']')) this.keep(char);
    this.stack.pop();
    this.state = this.stack.length === 0 ? S.Done : S.After;
    if (this.inRootArray) this.flush();
  }
}

/** Whether `text` is exactly one strict JSON value (no text before or after it but whitespace). */
export function isSingleJsonValue(text: string): boolean {
  const scanner = new JsonTextScanner();
  return scanner.write(text) && scanner.end();
}

/** The journal lines of a text that is one JSON value: array elements, or the value; undefined if not one value. */
export function jsonValueLines(text: string): string[] | undefined {
  const lines: string[] = [];
  const scanner = new JsonTextScanner((line) => lines.push(line));
  return scanner.write(text) && scanner.end() ? lines : undefined;
}
