import sax, { type SAXOptions, type SAXParser, type QualifiedTag, type Tag } from 'sax';
import { TextWindow } from './text-window';
import type { PprContent, PprElement, PprLocation, PprNodeKind } from './types';

/** What the reader wants of an element at a path: its content and place ('value'), or only its place ('mark'). */
export type Watch = 'value' | 'mark' | undefined;

/** The receiver of a scan: says which elements matter and gets them as they open and close. */
export interface ScanHandler {
  /** `path`: the local names below the root element joined by '/' (the root itself is ''). */
  watch(path: string): Watch;
  open(path: string, name: string, at: PprLocation): void;
  close(path: string, element: PprElement): void;
}

interface Frame {
  readonly local: string;
  readonly name: string;
  readonly watch: Watch;
  at?: PprLocation;
  openEnd?: PprLocation;
  readonly selfClosing: boolean;
  attributes: Record<string, string>;
  nodes: number;
  last?: PprNodeKind;
  kinds: Set<PprNodeKind>;
  text: string;
  truncated: boolean;
}

// Missing from @types/sax: strictEntities makes every entity but the five of XML an error, so no entity
// table (HTML's, or one a DOCTYPE tries to declare) is ever consulted; `state` is the parser's state.
type ParserOptions = SAXOptions & { strictEntities: boolean };
type StatefulParser = SAXParser & { state: number };
const STATE = (sax as unknown as { STATE: Record<string, number> }).STATE;

/** The sax states inside a start or end tag: the tag's text is kept until it ends, to be checked whole. */
const TAG_STATES = new Set(
  ['OPEN_WAKA', 'OPEN_TAG', 'OPEN_TAG_SLASH', 'ATTRIB', 'ATTRIB_NAME', 'ATTRIB_NAME_SAW_WHITE', 'ATTRIB_VALUE', 'ATTRIB_VALUE_QUOTED',
    'ATTRIB_VALUE_CLOSED', 'ATTRIB_VALUE_UNQUOTED', 'ATTRIB_VALUE_ENTITY_Q', 'ATTRIB_VALUE_ENTITY_U', 'CLOSE_TAG', 'CLOSE_TAG_SAW_WHITE'].map(
    (name) => STATE[name] as number,
  ),
);

/** Element text kept per element: names and paths are far shorter; longer text is refused by the audit. */
export const MAX_TEXT = 64 * 1024;
/** No real PPR nests deeper than a dozen elements; the stack of a hostile one stays bounded. */
export const MAX_DEPTH = 256;
/** sax keeps each attribute to 64 KiB, but a tag may have any number of them. */
const MAX_TAG = 1024 * 1024;

// XML 1.0 names, and the two kinds of tag as a well-formed document has them: sax lets `< a>`, `</ a>`,
// `<` inside attribute values and repeated attributes pass.
const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME = `[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`;
// XML's NameChar production lists combining marks (U+0300-U+036F) as a range on purpose.
/* eslint-disable no-misleading-character-class */
const ATTRIBUTE = `(${NAME})[ \\t\\r\\n]*=[ \\t\\r\\n]*(?:"[^<"]*"|'[^<']*')`;
const START_TAG = new RegExp(`^<${NAME}(?:[ \\t\\r\\n]+${ATTRIBUTE})*[ \\t\\r\\n]*/?>$`, 'u');
const ATTRIBUTES = new RegExp(`[ \\t\\r\\n]+${ATTRIBUTE}`, 'gu');
const END_TAG = new RegExp(`^</${NAME}[ \\t\\r\\n]*>$`, 'u');
/* eslint-enable no-misleading-character-class */
// The same for names of ASCII letters and digits only, which is every tag of a real PPR: much faster.
const ASCII_NAME = '[A-Za-z_:][A-Za-z0-9_:.-]*';
const ASCII_START_TAG = new RegExp(`^<${ASCII_NAME}(?:[ \\t\\r\\n]+${ASCII_NAME}[ \\t\\r\\n]*=[ \\t\\r\\n]*(?:"[^<"]*"|'[^<']*'))*[ \\t\\r\\n]*/?>$`);
const ASCII_END_TAG = new RegExp(`^</${ASCII_NAME}[ \\t\\r\\n]*>$`);
// Characters XML 1.0 cannot carry at all, not even as a reference: finding control characters is the point.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const UTF8_NAMES = /^(utf-?8|us-ascii|ascii)$/i;
const DECLARATION = /^\s+version\s*=\s*(["'])1\.[0-9]+\1(\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*$/;

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function saxMessage(error: Error): string {
  const first = error.message.split('\n', 1)[0] ?? error.message;
  // sax refuses comments, attribute values, names and DOCTYPEs over its buffer size (64 KiB).
  const overrun = /^Max buffer length exceeded: (\w+)/.exec(first);
  if (overrun) return `${overrun[1]} longer than 64 KiB (not expected in a PPR)`;
  const text = first.replace(/\.$/, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}

// Errors about a whole tag, reported at the tag's start rather than at the character sax stopped on.
const TAG_ERRORS = /^(Unexpected close tag|Unmatched closing tag|Invalid characters? in (tag name|closing tag)|Unbound namespace prefix)/;

/**
 * Reads a PPR as a stream of decoded text with sax in strict mode (namespaces checked), refusing what the
 * pipeline's XML reader (expat) refuses and sax lets pass, and hands the elements the handler watches to it
 * with their places and content. Memory stays bounded: only the current tag's text, the open elements and
 * what the handler keeps are held. It stops at the first XML error: what follows cannot be trusted.
 */
export class PprScanner {
  private readonly parser: StatefulParser;
  private readonly window: TextWindow;
  private readonly stack: Frame[] = [];
  /** Paths of the open elements below the root ('A', 'A/B', ...). */
  private readonly paths: string[] = [];
  private problem?: string;
  private rootSeen = false;
  private cdata = 0;
  /** `]` characters just read (maybe in an earlier piece of text), and where the first was when it was text. */
  private brackets = 0;
  private bracketsAt: PprLocation | undefined;

  constructor(
    private readonly label: string,
    private readonly handler: ScanHandler,
    bomBytes: number,
  ) {
    this.window = new TextWindow(bomBytes);
    const options: ParserOptions = { strictEntities: true, position: true, trim: false, normalize: false, xmlns: true };
    this.parser = sax.parser(true, options) as StatefulParser;
    this.parser.onerror = (error) => this.fail(saxMessage(error), TAG_ERRORS.test(error.message));
    this.parser.ondoctype = (doctype) => this.checkDoctype(doctype);
    this.parser.onprocessinginstruction = (instruction) => this.instruction(instruction);
    this.parser.onopentag = (tag) => this.open(tag);
    this.parser.onclosetag = () => this.close();
    this.parser.ontext = (text) => this.text(text);
    this.parser.onopencdata = () => (this.cdata = 0);
    this.parser.oncdata = (text) => this.cdataText(text);
    this.parser.onclosecdata = () => this.closeCdata();
    this.parser.oncomment = () => this.node('comment');
  }

  get failure(): string | undefined {
    return this.problem;
  }

  get rootElement(): { name: string; at: PprLocation } | undefined {
    return this.root;
  }

  private root?: { name: string; at: PprLocation };

  /** Feeds the next piece of decoded text; ignored once the document has failed. */
  write(text: string): void {
    if (this.problem || text === '') return;
    const bad = NOT_XML_CHAR.exec(text);
    // What comes before a character XML cannot hold is parsed first: an earlier error is the one to report.
    const good = bad ? text.slice(0, bad.index) : text;
    const start = this.window.length;
    this.window.append(good);
    this.parse(good, start);
    if (this.problem) return;
    if (bad) {
      const at = this.window.resolve(this.window.length);
      this.reject(`${this.label}:${at.line}:${at.column}: character U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`);
      return;
    }
    this.releaseText();
  }

  /**
   * Feeds text to sax, and refuses `]]>` in character data, which sax lets through: XML allows it only to end
   * a CDATA section, and expat (the pipeline's minidom) refuses the document. Whether a `]]>` ends a CDATA
   * section, sits in an attribute value or a comment (all allowed) or in text is the parser's state before
   * its first `]`, so the text is fed up to every run of `]`. `start`: the window offset of `text`.
   */
  private parse(text: string, start: number): void {
    let fed = 0;
    const feed = (to: number): boolean => {
      if (to > fed) {
        try {
          this.parser.write(text.slice(fed, to));
        } catch (error) {
          this.fail(error instanceof Error ? saxMessage(error) : String(error));
        }
        fed = to;
      }
      return !this.problem;
    };
    if (this.brackets > 0 && !text.startsWith(']')) this.closeBrackets(text, 0);
    for (let at = text.indexOf(']'); at >= 0 && !this.problem; at = text.indexOf(']', at)) {
      if (!feed(at)) return;
      let end = at;
      while (end < text.length && text.charCodeAt(end) === 0x5d) end += 1;
      // A run continuing one that ended the previous piece keeps that run's state.
      if (!(at === 0 && this.brackets > 0)) {
        this.brackets = 0;
        // Only a run in text can be refused; in a tag the tag's start is still to be resolved, so not here.
        this.bracketsAt = this.parser.state === STATE['TEXT'] ? this.window.resolve(start + at) : undefined;
      }
      this.brackets += end - at;
      if (end < text.length) this.closeBrackets(text, end);
      at = end;
    }
    feed(text.length);
  }

  /** The character after a run of `]` is `text[index]`. */
  private closeBrackets(text: string, index: number): void {
    const at = this.bracketsAt;
    if (this.brackets >= 2 && text.charCodeAt(index) === 0x3e && at) {
      this.reject(`${this.label}:${at.line}:${at.column + this.brackets - 2}: "]]>" in text (XML allows it only to end a CDATA section; the pipeline's reader refuses the document)`);
    }
    this.brackets = 0;
  }

  /** Marks the whole input as unreadable for a reason found outside the parser (encoding, size). */
  reject(problem: string): void {
    this.problem ??= problem;
  }

  /** Ends the document; returns the first problem, if any. */
  end(): string | undefined {
    if (!this.problem) {
      try {
        this.parser.close();
      } catch (error) {
        this.fail(error instanceof Error ? saxMessage(error) : String(error));
      }
    }
    if (!this.problem && !this.rootSeen) this.reject(`${this.label}: has no root element (not an XML document)`);
    return this.problem;
  }

  private releaseText(): void {
    const inTag = TAG_STATES.has(this.parser.state);
    const keepFrom = inTag ? this.parser.startTagPosition - 1 : this.parser.position;
    if (inTag && this.parser.position - keepFrom > MAX_TAG) {
      this.fail('a tag longer than 1 MiB (not expected in a PPR)', true);
      return;
    }
    this.window.release(keepFrom);
  }

  private fail(message: string, atTagStart = false): void {
    if (this.problem) return;
    // sax's line is 0-based; its column is that of the character just read, already 1-based.
    const line = this.parser.line + 1;
    let column = Math.max(this.parser.column, 1);
    if (atTagStart) {
      // Point at the `<` of the offending tag, where an operator looks; a tag broken over lines keeps the
      // position of the error itself.
      const tagColumn = this.parser.column - (this.parser.position - this.parser.startTagPosition);
      if (tagColumn >= 1) column = tagColumn;
    }
    this.reject(`${this.label}:${line}:${column}: ${message}`);
  }

  private checkDoctype(doctype: string): void {
    // Entities are never expanded (a "billion laughs" PPR would otherwise take the node's memory); a PPR
    // needs none, so declaring one is refused outright rather than half-supported.
    if (/<!ENTITY/i.test(doctype)) this.fail('entity declarations are not allowed in a PPR');
  }

  private instruction(instruction: { name: string; body: string }): void {
    if (this.problem) return;
    if (instruction.name.toLowerCase() === 'xml') {
      if (this.parser.startTagPosition !== 1) {
        this.fail('an XML declaration is only allowed at the very start of the document', true);
        return;
      }
      if (!DECLARATION.test(` ${instruction.body}`)) {
        this.fail('the XML declaration is not well-formed', true);
        return;
      }
      const encoding = /\bencoding\s*=\s*["']([^"']*)["']/.exec(instruction.body)?.[1];
      // Byte offsets of the correction assume UTF-8, which is what the file was decoded as.
      if (encoding !== undefined && !UTF8_NAMES.test(encoding)) {
        this.fail(`encoding ${JSON.stringify(encoding)} is not supported (a PPR must be UTF-8)`);
      }
      return;
    }
    this.node('instruction');
  }

  /** The raw text of the tag that just ended, checked as the pipeline's parser checks it. */
  private checkTag(kind: 'start' | 'end'): boolean {
    const raw = this.window.slice(this.parser.startTagPosition - 1, this.parser.position);
    if (kind === 'end') {
      if (ASCII_END_TAG.test(raw) || END_TAG.test(raw)) return true;
      this.fail(`malformed end tag ${JSON.stringify(raw.slice(0, 80))} (nothing may stand between "</" and the name)`, true);
      return false;
    }
    if (!ASCII_START_TAG.test(raw) && !START_TAG.test(raw)) {
      this.fail(`malformed start tag ${JSON.stringify(raw.slice(0, 80))} (the name must follow "<" directly; attribute values may not hold "<")`, true);
      return false;
    }
    // Two attributes need two `=`: most tags have none.
    if (raw.indexOf('=') === raw.lastIndexOf('=')) return true;
    const seen = new Set<string>();
    for (const match of raw.matchAll(ATTRIBUTES)) {
      const name = match[1] as string;
      if (seen.has(name)) {
        this.fail(`attribute ${name} appears twice in one tag`, true);
        return false;
      }
      seen.add(name);
    }
    return true;
  }

  private node(kind: PprNodeKind): void {
    const frame = this.stack[this.stack.length - 1];
    if (!frame?.watch) return;
    // minidom merges adjacent text into one node; every other node stands alone.
    if (kind !== 'text' || frame.last !== 'text') frame.nodes += 1;
    frame.last = kind;
    frame.kinds.add(kind);
  }

  private addText(frame: Frame, text: string): void {
    if (frame.watch !== 'value' || frame.truncated) return;
    const room = MAX_TEXT - frame.text.length;
    frame.text += text.slice(0, room);
    if (text.length > room) frame.truncated = true;
  }

  private text(text: string): void {
    if (this.problem || text === '') return;
    const frame = this.stack[this.stack.length - 1];
    if (!frame?.watch) return;
    this.node('text');
    this.addText(frame, text);
  }

  private cdataText(text: string): void {
    if (this.problem || text === '') return;
    this.cdata += text.length;
    const frame = this.stack[this.stack.length - 1];
    if (frame) this.addText(frame, text);
  }

  private closeCdata(): void {
    // minidom makes a CDATA section node only for character data: an empty section leaves no node.
    if (this.cdata > 0) this.node('cdata');
  }

  private open(tag: Tag | QualifiedTag): void {
    if (this.problem || !this.checkTag('start')) return;
    const parent = this.stack[this.stack.length - 1];
    if (!parent && this.rootSeen) {
      this.fail(`a second root element <${tag.name}> (a document has one)`, true);
      return;
    }
    if (this.stack.length >= MAX_DEPTH) {
      this.fail(`elements nested deeper than ${MAX_DEPTH} levels (not a PPR)`, true);
      return;
    }
    if (parent) this.node('element');
    const local = localName(tag.name);
    const path = parent ? (this.paths.length > 0 ? `${this.paths[this.paths.length - 1]}/${local}` : local) : '';
    if (parent) this.paths.push(path);
    const watch = parent ? this.handler.watch(path) : undefined;
    const frame: Frame = {
      local,
      name: tag.name,
      watch,
      selfClosing: tag.isSelfClosing,
      attributes: {},
      nodes: 0,
      kinds: new Set(),
      text: '',
      truncated: false,
    };
    this.stack.push(frame);
    if (!parent) {
      this.rootSeen = true;
      this.root = { name: tag.name, at: this.window.resolve(this.parser.startTagPosition - 1) };
      return;
    }
    if (!frame.watch) return;
    frame.at = this.window.resolve(this.parser.startTagPosition - 1);
    frame.openEnd = this.window.resolve(this.parser.position);
    for (const [name, attribute] of Object.entries(tag.attributes)) {
      frame.attributes[name] = typeof attribute === 'string' ? attribute : attribute.value;
    }
    this.handler.open(path, frame.name, frame.at);
  }

  private close(): void {
    if (this.problem) return;
    const frame = this.stack[this.stack.length - 1];
    if (!frame) return;
    if (!frame.selfClosing && !this.checkTag('end')) return;
    if (frame.watch && frame.at && frame.openEnd) {
      const closeStart = frame.selfClosing ? frame.openEnd : this.window.resolve(this.parser.startTagPosition - 1);
      const end = frame.selfClosing ? frame.openEnd : this.window.resolve(this.parser.position);
      const content: PprContent = { nodes: frame.nodes, kinds: [...frame.kinds], text: frame.text, truncated: frame.truncated };
      const element: PprElement = {
        name: frame.name,
        at: frame.at,
        span: frame.selfClosing
          ? { selfClosing: true, element: { start: frame.at.offset, end: end.offset } }
          : { selfClosing: false, element: { start: frame.at.offset, end: end.offset }, content: { start: frame.openEnd.offset, end: closeStart.offset } },
        content,
        attributes: frame.attributes,
      };
      this.handler.close(this.paths[this.paths.length - 1] ?? '', element);
    }
    this.stack.pop();
    if (this.stack.length > 0) this.paths.pop();
  }
}
