import { parser as saxParser, type SAXOptions, type SAXParser, type Tag, type QualifiedTag } from 'sax';

/** An element as the scanner saw it; positions are UTF-16 offsets into the decoded text (BOM stripped). */
export interface ScannedElement {
  readonly name: string;
  readonly text: string;
  readonly hasChildElements: boolean;
  readonly selfClosing: boolean;
  /** Offset of the start tag's `<`. */
  readonly start: number;
  /** Offset just after the start tag's `>`. */
  readonly openEnd: number;
  /** Offset of the end tag's `<` (equals `end` for a self-closing element). */
  readonly closeStart: number;
  /** Offset just after the last `>` of the element. */
  readonly end: number;
}

export interface ScannedDataSet {
  readonly start: number;
  readonly relativePaths: ScannedElement[];
  readonly sdmIdentifiers: ScannedElement[];
  readonly dataTypes: ScannedElement[];
}

export interface ScannedCommand {
  readonly start: number;
  readonly commands: ScannedElement[];
}

export interface Scan {
  problems: string[];
  root?: { name: string; start: number };
  projectSummary: Map<string, string>;
  rootDirectories: ScannedElement[];
  dataSets: ScannedDataSet[];
  procedureTitles: ScannedElement[];
  processingCommands: ScannedCommand[];
}

interface Frame {
  readonly local: string;
  readonly name: string;
  readonly start: number;
  readonly openEnd: number;
  readonly selfClosing: boolean;
  captures: boolean;
  text: string;
  hasChildElements: boolean;
}

// Missing from @types/sax: strictEntities makes every entity but the five of XML an error, so no entity
// table (HTML's, or one a DOCTYPE tries to declare) is ever consulted.
type ParserOptions = SAXOptions & { strictEntities: boolean };

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
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
const TAG_ERRORS = /^(Unexpected close tag|Unmatched closing tag|Invalid characters? in (tag name|closing tag))/;

const UTF8_NAMES = /^(utf-?8|us-ascii|ascii)$/i;

// Paths below the root element, by local name; the root's own name is checked separately.
const DATA_SET = ['ProcessingRequests', 'ProcessingRequest', 'DataSet'];
const PROCEDURE = ['ProcessingRequests', 'ProcessingRequest', 'ProcessingProcedure'];
const COMMAND = [...PROCEDURE, 'ProcessingCommand'];
const TEXT_FIELDS = [
  ['ProcessingRequests', 'RootDirectory'],
  [...DATA_SET, 'RelativePath'],
  [...DATA_SET, 'SdmIdentifier'],
  [...DATA_SET, 'DataType'],
  [...PROCEDURE, 'ProcedureTitle'],
  [...COMMAND, 'Command'],
];

/**
 * Reads a PPR as a stream of decoded text with sax in strict mode, keeping only the fields the envoy needs
 * and where they are. It stops at the first XML error: what follows a syntax error cannot be trusted.
 */
export class PprScanner {
  private readonly parser: SAXParser;
  private readonly stack: Frame[] = [];
  private readonly scan: Scan = {
    problems: [],
    projectSummary: new Map(),
    rootDirectories: [],
    dataSets: [],
    procedureTitles: [],
    processingCommands: [],
  };
  private failed = false;

  constructor(private readonly label: string) {
    const options: ParserOptions = { strictEntities: true, position: true, trim: false, normalize: false, xmlns: false };
    this.parser = saxParser(true, options);
    this.parser.onerror = (error) => this.fail(saxMessage(error), TAG_ERRORS.test(error.message));
    this.parser.ondoctype = (doctype) => this.checkDoctype(doctype);
    this.parser.onprocessinginstruction = (instruction) => this.checkDeclaration(instruction);
    this.parser.onopentag = (tag) => this.open(tag);
    this.parser.onclosetag = () => this.close();
    this.parser.ontext = (text) => this.addText(text);
    this.parser.oncdata = (text) => this.addText(text);
  }

  get hasFailed(): boolean {
    return this.failed;
  }

  /** Feeds the next piece of decoded text; ignored once the document has failed. */
  write(text: string): void {
    if (this.failed || text === '') return;
    try {
      this.parser.write(text);
    } catch (error) {
      this.fail(error instanceof Error ? saxMessage(error) : String(error));
    }
  }

  /** Marks the whole input as unreadable for a reason found outside the parser (encoding, size). */
  reject(problem: string): void {
    if (this.failed) return;
    this.failed = true;
    this.scan.problems.push(problem);
  }

  end(): Scan {
    if (!this.failed) {
      try {
        this.parser.close();
      } catch (error) {
        this.fail(error instanceof Error ? saxMessage(error) : String(error));
      }
    }
    if (!this.failed && !this.scan.root) this.reject(`${this.label}: has no root element (not an XML document)`);
    return this.scan;
  }

  private fail(message: string, atTagStart = false): void {
    if (this.failed) return;
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

  private checkDeclaration(instruction: { name: string; body: string }): void {
    if (instruction.name !== 'xml') return;
    const encoding = /\bencoding\s*=\s*["']([^"']*)["']/.exec(instruction.body)?.[1];
    // Byte offsets of the correction assume UTF-8, which is what the file was decoded as.
    if (encoding !== undefined && !UTF8_NAMES.test(encoding)) {
      this.fail(`encoding ${JSON.stringify(encoding)} is not supported (a PPR must be UTF-8)`);
    }
  }

  private pathIs(expected: readonly string[]): boolean {
    if (this.stack.length !== expected.length + 1) return false;
    return expected.every((name, index) => this.stack[index + 1]?.local === name);
  }

  /** Whether the element just opened is one whose text the envoy reads. */
  private capturesText(frame: Frame): boolean {
    return this.pathIs(['ProjectSummary', frame.local]) || TEXT_FIELDS.some((path) => this.pathIs(path));
  }

  private open(tag: Tag | QualifiedTag): void {
    if (this.failed) return;
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.hasChildElements = true;
    // sax sets startTagPosition one past the `<` and position one past the `>` just read.
    const start = this.parser.startTagPosition - 1;
    if (!parent) {
      if (this.scan.root) {
        this.fail(`a second root element <${tag.name}> (a document has one)`, true);
        return;
      }
      this.scan.root = { name: tag.name, start };
    }
    const frame: Frame = {
      local: localName(tag.name),
      name: tag.name,
      start,
      openEnd: this.parser.position,
      selfClosing: tag.isSelfClosing,
      captures: false,
      text: '',
      hasChildElements: false,
    };
    this.stack.push(frame);
    frame.captures = this.capturesText(frame);
    if (this.pathIs(DATA_SET)) {
      this.scan.dataSets.push({ start, relativePaths: [], sdmIdentifiers: [], dataTypes: [] });
    } else if (this.pathIs(COMMAND)) {
      this.scan.processingCommands.push({ start, commands: [] });
    }
  }

  private addText(text: string): void {
    if (this.failed) return;
    const frame = this.stack[this.stack.length - 1];
    if (frame?.captures) frame.text += text;
  }

  private close(): void {
    if (this.failed) return;
    const frame = this.stack[this.stack.length - 1];
    if (!frame) return;
    if (frame.captures) this.record(frame);
    this.stack.pop();
  }

  private record(frame: Frame): void {
    const end = this.parser.position;
    const element: ScannedElement = {
      name: frame.name,
      text: frame.text,
      hasChildElements: frame.hasChildElements,
      selfClosing: frame.selfClosing,
      start: frame.start,
      openEnd: frame.selfClosing ? end : frame.openEnd,
      closeStart: frame.selfClosing ? end : this.parser.startTagPosition - 1,
      end,
    };
    const scan = this.scan;
    const local = frame.local;
    if (this.stack[1]?.local === 'ProjectSummary') {
      if (!frame.hasChildElements && !scan.projectSummary.has(local)) scan.projectSummary.set(local, frame.text.trim());
    } else if (local === 'RootDirectory') {
      scan.rootDirectories.push(element);
    } else if (local === 'ProcedureTitle') {
      scan.procedureTitles.push(element);
    } else if (local === 'Command') {
      scan.processingCommands[scan.processingCommands.length - 1]?.commands.push(element);
    } else {
      const dataSet = scan.dataSets[scan.dataSets.length - 1];
      if (local === 'RelativePath') dataSet?.relativePaths.push(element);
      else if (local === 'SdmIdentifier') dataSet?.sdmIdentifiers.push(element);
      else if (local === 'DataType') dataSet?.dataTypes.push(element);
    }
  }
}
