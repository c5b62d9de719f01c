import type { SaxesAttributeNS, SaxesTagNS, XMLDecl } from 'saxes';
import { addNode, addText, newFrame, toElement, type Frame, type ScanHandler } from './frames';
import { TextWindow } from './text-window';
import type { PprLocation } from './types';
import { bareAmpersand, constructOf, describeXmlError, MAX_CONSTRUCT, outsideRoot, tooLong, type ErrorPlace } from './xml-errors';
import type { XmlParser, XmlParserClass } from './xml-parser';
import { PARSER_OPTIONS } from './xml-parser';

/** No real PPR nests deeper than a dozen elements; the stack of a hostile one stays bounded. */
export const MAX_DEPTH = 256;

const UTF8_NAMES = /^(utf-?8|us-ascii|ascii)$/i;

/** Thrown through the parser to stop it at the first problem: nothing after it can be trusted. */
const STOP = Symbol('stop');

/**
 * Reads a PPR as a stream of decoded text with saxes, which checks that it is well-formed XML 1.0 with
 * namespaces (what the pipeline's parser, expat, also refuses), and hands the elements the handler watches
 * to it with their places and content. On top of saxes: UTF-8 only, no entity declarations, bounded depth
 * and construct sizes (so memory stays bounded: saxes keeps each construct whole), byte offsets for the
 * correction, and messages on one line at the place an operator looks. It stops at the first problem.
 */
export class PprScanner {
  private readonly parser: XmlParser;
  private readonly window: TextWindow;
  private readonly stack: Frame[] = [];
  /** Paths of the open elements below the root ('A', 'A/B', ...). */
  private readonly paths: string[] = [];
  private problem?: string;
  private root?: { name: string; at: PprLocation };
  /** Text offset where the construct the parser is in began (its `<`, or the first character of a text). */
  private constructStart = 0;
  /** The element closed last, and where its end tag starts when it was watched. */
  private closed = '';
  private closedAt: PprLocation | undefined;

  constructor(
    private readonly label: string,
    private readonly handler: ScanHandler,
    bomBytes: number,
    Parser: XmlParserClass,
  ) {
    this.window = new TextWindow(bomBytes);
    this.parser = new Parser(PARSER_OPTIONS);
    const parser = this.parser;
    parser.on('error', (error) => this.parserError(error));
    parser.on('xmldecl', (declaration) => this.declaration(declaration));
    parser.on('doctype', (doctype) => this.doctype(doctype));
    parser.on('processinginstruction', () => this.node('instruction'));
    parser.on('opentag', (tag) => this.open(tag));
    parser.on('closetag', (tag) => this.close(tag));
    parser.on('text', (text) => this.text(text));
    parser.on('cdata', (text) => this.cdata(text));
    parser.on('comment', () => this.node('comment', this.parser.position + 1));
  }

  get failure(): string | undefined {
    return this.problem;
  }

  get rootElement(): { name: string; at: PprLocation } | undefined {
    return this.root;
  }

  /** Feeds the next piece of decoded text; ignored once the document has failed. */
  write(text: string): void {
    if (this.problem || text === '') return;
    this.window.append(text);
    this.guard(() => {
      this.parser.write(text);
      this.checkSize();
    });
    if (!this.problem) this.window.release(this.constructStart);
  }

  /** Marks the whole input as unreadable for a reason found outside the parser (encoding, size). */
  reject(problem: string): void {
    this.problem ??= problem;
  }

  /** Ends the document; returns the first problem, if any. */
  end(): string | undefined {
    if (!this.problem) {
      this.guard(() => {
        // saxes reads to the next ";" after a "&", and at the end of the document says only what is unclosed.
        if (this.stack.length > 0) this.checkAmpersand();
        this.parser.close();
      });
    }
    if (!this.problem && !this.root) this.reject(`${this.label}: has no root element (not an XML document)`);
    return this.problem;
  }

  private guard(run: () => void): void {
    try {
      run();
    } catch (error) {
      if (error === STOP) return;
      this.reject(`${this.label}: cannot be read as XML (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  /** Records the problem at text offset `offset` and stops the parser. */
  private fail(text: string, offset: number, known?: PprLocation): never {
    const at = known ?? this.window.resolve(Math.min(Math.max(offset, this.window.cursor), this.window.length));
    this.reject(`${this.label}:${at.line}:${at.column}: ${text}`);
    throw STOP;
  }

  private construct() {
    return constructOf(this.window.slice(this.constructStart, this.constructStart + 10));
  }

  /** A construct longer than its bound is refused when it passes it (give or take one piece of text). */
  private checkSize(): void {
    const construct = this.construct();
    if (this.parser.position - this.constructStart <= MAX_CONSTRUCT[construct]) return;
    if (construct === 'text') this.checkAmpersand();
    this.fail(tooLong(construct), this.constructStart);
  }

  private checkAmpersand(): void {
    if (this.construct() !== 'text') return;
    const bare = bareAmpersand(this.window.slice(this.constructStart, this.parser.position));
    if (bare >= 0) this.fail('"&" does not start an entity reference (write a "&" in text as &amp;)', this.constructStart + bare);
  }

  private parserError(error: Error): void {
    if (this.problem) throw STOP;
    const saxes = error.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '').replace(/^The /, 'the ');
    if (saxes === 'document must contain a root element') {
      this.reject(`${this.label}: has no root element (not an XML document)`);
      throw STOP;
    }
    const position = this.parser.position;
    if (saxes === 'unexpected close tag') {
      const start = this.window.lastIndexOf('<', position);
      const name = this.window.slice(start + 2, position).replace(/[ \t\r\n]*>$/, '');
      // The end tag of a watched element was resolved already, which the cursor has passed.
      this.fail(`unexpected close tag </${name}> (the open element is <${this.closed}>)`, start, this.closedAt);
    }
    const raw = this.window.slice(this.constructStart, this.constructStart + 80);
    if (saxes === 'documents may contain only one root') {
      this.fail(`a second root element <${/^<([^ \t\r\n/>]*)/.exec(raw)?.[1] ?? ''}> (a document has one)`, this.constructStart);
    }
    const construct = this.construct();
    const close = raw.indexOf('>');
    const entity = this.entityStart();
    const described = describeXmlError(saxes, {
      construct,
      excerpt: close >= 0 ? raw.slice(0, close + 1) : raw,
      character: this.window.slice(position - 1, position),
      entity: this.window.slice(entity, Math.min(position, entity + 40)),
      rootSeen: this.root !== undefined,
      depth: this.stack.length,
    });
    this.fail(described.text, this.placeOf(described.at, entity));
  }

  private placeOf(place: ErrorPlace, entity: number): number {
    const position = this.parser.position;
    switch (place) {
      case 'construct':
        return this.constructStart;
      case 'brackets':
        return position - 3;
      case 'entity':
        return entity;
      case 'content': {
        const text = this.window.slice(this.constructStart, position);
        return this.constructStart + Math.max(text.search(/[^ \t\r\n]/), 0);
      }
      case 'end':
        return position;
      default:
        return position - 1;
    }
  }

  /** The `&` of the entity reference the parser has just read to its `;`. */
  private entityStart(): number {
    const from = Math.max(this.constructStart, this.window.cursor);
    const text = this.window.slice(from, this.parser.position - 1);
    const amp = text.indexOf('&', text.lastIndexOf(';') + 1);
    return amp >= 0 ? from + amp : this.parser.position - 1;
  }

  private ended(offset = this.parser.position): void {
    this.constructStart = offset;
  }

  private declaration(declaration: XMLDecl): void {
    // Byte offsets of the correction assume UTF-8, which is what the file was decoded as.
    const encoding = declaration.encoding;
    if (encoding !== undefined && !UTF8_NAMES.test(encoding)) {
      this.fail(`encoding ${JSON.stringify(encoding)} is not supported (a PPR must be UTF-8)`, this.constructStart);
    }
    this.ended();
  }

  private doctype(doctype: string): void {
    // saxes neither reads nor expands the entities a DOCTYPE declares (a "billion laughs" PPR would otherwise
    // take the node's memory); a PPR needs none, so declaring one is refused outright rather than ignored.
    if (/<!ENTITY/i.test(doctype)) this.fail('entity declarations are not allowed in a PPR', this.parser.position - 1);
    this.ended();
  }

  private node(kind: 'comment' | 'instruction' | 'cdata', end?: number): void {
    addNode(this.stack[this.stack.length - 1], kind);
    this.ended(end);
  }

  private text(text: string): void {
    const frame = this.stack[this.stack.length - 1];
    if (!frame) {
      // saxes says so only after handing the text over, at its end: the operator looks at its start.
      const raw = this.window.slice(this.constructStart, this.parser.position - 1);
      const at = raw.search(/[^ \t\r\n]/);
      if (at >= 0) this.fail(outsideRoot(this.root !== undefined), this.constructStart + at);
    }
    // saxes gives text when it meets the `<` after it: that `<` begins the next construct.
    this.ended(this.parser.position - 1);
    if (!frame?.watch) return;
    addNode(frame, 'text');
    addText(frame, text);
  }

  private cdata(text: string): void {
    const frame = this.stack[this.stack.length - 1];
    // minidom makes a CDATA section node only for character data: an empty section leaves no node.
    if (frame && text !== '') {
      addNode(frame, 'cdata');
      addText(frame, text);
    }
    this.ended();
  }

  private open(tag: SaxesTagNS): void {
    // A start tag begins where the construct after the last event began: its `<`.
    const tagStart = this.constructStart;
    if (this.stack.length >= MAX_DEPTH) this.fail(`elements nested deeper than ${MAX_DEPTH} levels (not a PPR)`, tagStart);
    const parent = this.stack[this.stack.length - 1];
    this.ended();
    if (!parent) {
      this.stack.push(newFrame(tag.name, undefined, tag.isSelfClosing));
      this.root = { name: tag.name, at: this.window.resolve(tagStart) };
      return;
    }
    addNode(parent, 'element');
    const local = tag.local;
    const path = this.paths.length > 0 ? `${this.paths[this.paths.length - 1]}/${local}` : local;
    this.paths.push(path);
    const frame = newFrame(tag.name, this.handler.watch(path), tag.isSelfClosing);
    this.stack.push(frame);
    if (!frame.watch) return;
    frame.at = this.window.resolve(tagStart);
    frame.openEnd = this.window.resolve(this.parser.position);
    for (const [name, attribute] of Object.entries(tag.attributes as Record<string, SaxesAttributeNS>)) frame.attributes[name] = attribute.value;
    this.handler.open(path, frame.name, frame.at);
  }

  private close(tag: Pick<SaxesTagNS, 'name'>): void {
    const frame = this.stack[this.stack.length - 1];
    if (!frame) return;
    // saxes checks the end tag's name after this call: a mismatch fails the document, which drops all of this.
    this.closed = tag.name;
    this.closedAt = undefined;
    const position = this.parser.position;
    this.ended();
    if (frame.watch && frame.at && frame.openEnd) {
      // Offsets are resolved in increasing order: the end tag's `<` before its end.
      const endTag = frame.selfClosing ? frame.openEnd : this.window.resolve(this.window.lastIndexOf('<', position));
      this.closedAt = endTag;
      const end = frame.selfClosing ? frame.openEnd : this.window.resolve(position);
      this.handler.close(this.paths[this.paths.length - 1] ?? '', toElement(frame, frame.at, frame.openEnd, endTag, end));
    }
    this.stack.pop();
    if (this.stack.length > 0) this.paths.pop();
  }
}
