// The pipeline reads a PPR with Python's xml.dom.minidom.parse, i.e. expat with namespace processing, into a
// DOM whose element children keep every node: text, CDATA sections (node type 4), comments and processing
// instructions. This reader builds the same tree and refuses what expat refuses, with expat's messages
// ("mismatched tag: line 3, column 4"; expat's columns are 0-based). It knows no external DTD; entities
// declared in an internal DOCTYPE subset are expanded like expat does for simple replacement texts.

const TEXT = 3;
const CDATA = 4;
const PI = 7;
const COMMENT = 8;
const ELEMENT = 1;

const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NAME = `[${NAME_START}][${NAME_CHAR}]*`;
// XML's NameChar production lists combining marks (U+0300-U+036F) as a range on purpose.
// eslint-disable-next-line no-misleading-character-class
const NAME_AT = new RegExp(NAME, 'uy');
// eslint-disable-next-line no-misleading-character-class
const WHOLE_NAME = new RegExp(`^${NAME}$`, 'u');
const WHITESPACE_AT = /[ \t\r\n]+/y;
// Characters XML 1.0 allows at all.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

class XmlError extends Error {
  constructor(message, line, column) {
    super(`${message}: line ${line}, column ${column}`);
    this.line = line;
    this.column = column;
  }
}

class Parser {
  constructor(text) {
    this.text = text;
    this.at = 0;
    this.entities = { ...PREDEFINED };
  }

  fail(message, index = this.at) {
    const before = this.text.slice(0, index);
    const line = before.split('\n').length;
    const column = index - (before.lastIndexOf('\n') + 1);
    throw new XmlError(message, line, column);
  }

  startsWith(token) {
    return this.text.startsWith(token, this.at);
  }

  skipWhitespace() {
    WHITESPACE_AT.lastIndex = this.at;
    const match = WHITESPACE_AT.exec(this.text);
    if (match) this.at += match[0].length;
    return Boolean(match);
  }

  name(what = 'not well-formed (invalid token)') {
    NAME_AT.lastIndex = this.at;
    const match = NAME_AT.exec(this.text);
    if (!match) this.fail(this.at >= this.text.length ? 'unclosed token' : what);
    this.at += match[0].length;
    return match[0];
  }

  /** Text up to `end` (exclusive); `end` missing is expat's "unclosed token" at `start`. */
  until(end, start) {
    const found = this.text.indexOf(end, this.at);
    if (found < 0) this.fail('unclosed token', start);
    const body = this.text.slice(this.at, found);
    this.at = found + end.length;
    return body;
  }

  /** Replaces character and entity references; `start` is where the raw text begins (for error positions). */
  expand(raw, start, inAttribute) {
    let out = '';
    let index = 0;
    while (index < raw.length) {
      const amp = raw.indexOf('&', index);
      if (amp < 0) {
        out += raw.slice(index);
        break;
      }
      out += raw.slice(index, amp);
      const semi = raw.indexOf(';', amp);
      const ref = semi < 0 ? '' : raw.slice(amp + 1, semi);
      let value;
      if (/^#x[0-9a-fA-F]+$/.test(ref) || /^#[0-9]+$/.test(ref)) {
        const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        value = code <= 0x10ffff ? String.fromCodePoint(code) : '\0';
        if (NOT_XML_CHAR.test(value)) this.fail('reference to invalid character number', start + amp);
      } else if (WHOLE_NAME.test(ref)) {
        value = this.entities[ref];
        if (value === undefined) this.fail('undefined entity', start + amp);
      } else {
        this.fail('not well-formed (invalid token)', start + amp);
      }
      out += value;
      index = semi + 1;
    }
    // Attribute-value normalisation: each white space character becomes a space (references excepted,
    // which are rare enough in a PPR not to be told apart here).
    return inAttribute ? out.replace(/[\t\n]/g, ' ') : out;
  }

  checkChars(from, to) {
    const slice = this.text.slice(from, to);
    const bad = NOT_XML_CHAR.exec(slice);
    if (bad) this.fail('not well-formed (invalid token)', from + bad.index);
  }

  declaration() {
    // Only at the very start of the document.
    const start = this.at;
    this.at += 5;
    const body = this.until('?>', start);
    const ok = /^\s+version\s*=\s*(["'])1\.[0-9]+\1(\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*$/.test(body);
    if (!ok) this.fail('XML declaration not well-formed', start);
  }

  processingInstruction(parent) {
    const start = this.at;
    this.at += 2;
    const target = this.name();
    if (/^xml$/i.test(target)) this.fail('XML or text declaration not at start of entity', start);
    if (!this.startsWith('?>') && !this.skipWhitespace()) this.fail('not well-formed (invalid token)');
    const data = this.until('?>', start);
    this.checkChars(start, this.at);
    if (parent) parent.childNodes.push({ nodeType: PI, target, data, parentNode: parent });
  }

  comment(parent) {
    const start = this.at;
    this.at += 4;
    const body = this.until('-->', start);
    if (body.includes('--') || body.endsWith('-')) this.fail('not well-formed (invalid token)', start);
    this.checkChars(start, this.at);
    if (parent) parent.childNodes.push({ nodeType: COMMENT, data: body, parentNode: parent });
  }

  doctype() {
    const start = this.at;
    this.at += 9;
    if (!this.skipWhitespace()) this.fail('not well-formed (invalid token)');
    this.name();
    // Skip the external id and read simple internal entity declarations; nothing else of a DTD is used.
    let depth = 0;
    while (this.at < this.text.length) {
      const char = this.text[this.at];
      if (char === '[') depth += 1;
      else if (char === ']') depth -= 1;
      else if (char === '>' && depth === 0) {
        this.at += 1;
        return;
      } else if (depth > 0 && this.startsWith('<!ENTITY')) {
        const declaration = /^<!ENTITY\s+([^\s%]+)\s+(["'])([^"'<&%]*)\2\s*>/.exec(this.text.slice(this.at));
        if (declaration) {
          this.entities[declaration[1]] ??= declaration[3];
          this.at += declaration[0].length;
          continue;
        }
      } else if (char === '"' || char === "'") {
        this.at = this.text.indexOf(char, this.at + 1);
        if (this.at < 0) this.fail('unclosed token', start);
      }
      this.at += 1;
    }
    this.fail('unclosed token', start);
  }

  attributeValue() {
    const quote = this.text[this.at];
    if (quote !== '"' && quote !== "'") this.fail('not well-formed (invalid token)');
    const start = this.at + 1;
    const end = this.text.indexOf(quote, start);
    if (end < 0) this.fail('unclosed token', this.at);
    const raw = this.text.slice(start, end);
    const lt = raw.indexOf('<');
    if (lt >= 0) this.fail('not well-formed (invalid token)', start + lt);
    this.checkChars(start, end);
    this.at = end + 1;
    return this.expand(raw, start, true);
  }

  /** A start tag at `<`; returns the element (children not yet read) and whether it closed itself. */
  startTag(parent, scopes) {
    const start = this.at;
    this.at += 1;
    const tagName = this.name();
    const element = { nodeType: ELEMENT, tagName, attributes: new Map(), childNodes: [], parentNode: parent, start };
    for (;;) {
      const spaced = this.skipWhitespace();
      if (this.startsWith('/>') || this.startsWith('>')) break;
      if (this.at >= this.text.length) this.fail('unclosed token', start);
      if (!spaced) this.fail('not well-formed (invalid token)');
      const nameAt = this.at;
      const name = this.name();
      this.skipWhitespace();
      if (this.text[this.at] !== '=') this.fail('not well-formed (invalid token)');
      this.at += 1;
      this.skipWhitespace();
      const value = this.attributeValue();
      if (element.attributes.has(name)) this.fail('duplicate attribute', nameAt);
      element.attributes.set(name, value);
    }
    const selfClosing = this.startsWith('/>');
    this.at += selfClosing ? 2 : 1;
    this.checkNamespaces(element, scopes);
    return { element, selfClosing };
  }

  /** Namespace processing, as minidom.parse asks of expat: every prefix used must be declared in scope. */
  checkNamespaces(element, scopes) {
    const scope = new Map(scopes[scopes.length - 1]);
    for (const [name, value] of element.attributes) {
      if (name.startsWith('xmlns:')) {
        if (value === '') this.fail('must not undeclare prefix', element.start);
        scope.set(name.slice(6), value);
      }
    }
    scopes.push(scope);
    const bound = (qualified) => {
      const colon = qualified.indexOf(':');
      if (colon < 0) return true;
      const prefix = qualified.slice(0, colon);
      return prefix === 'xml' || prefix === 'xmlns' || scope.has(prefix);
    };
    if (!bound(element.tagName)) this.fail('unbound prefix', element.start);
    for (const name of element.attributes.keys()) if (!bound(name)) this.fail('unbound prefix', element.start);
  }

  /** Character data of an element up to the next `<`, added as expat hands it to minidom. */
  characterData(element) {
    const start = this.at;
    const lt = this.text.indexOf('<', start);
    const end = lt < 0 ? this.text.length : lt;
    const raw = this.text.slice(start, end);
    const cdataEnd = raw.indexOf(']]>');
    if (cdataEnd >= 0) this.fail('not well-formed (invalid token)', start + cdataEnd);
    this.checkChars(start, end);
    this.at = end;
    appendText(element, this.expand(raw, start, false));
  }

  element(parent, scopes) {
    const { element, selfClosing } = this.startTag(parent, scopes);
    parent.childNodes.push(element);
    if (selfClosing) {
      scopes.pop();
      return element;
    }
    for (;;) {
      if (this.at >= this.text.length) this.fail('no element found');
      if (this.startsWith('</')) {
        const start = this.at;
        this.at += 2;
        const name = this.name('not well-formed (invalid token)');
        this.skipWhitespace();
        if (this.text[this.at] !== '>') this.fail(this.at >= this.text.length ? 'unclosed token' : 'not well-formed (invalid token)');
        this.at += 1;
        if (name !== element.tagName) this.fail('mismatched tag', start);
        scopes.pop();
        return element;
      }
      if (this.startsWith('<![CDATA[')) {
        const start = this.at;
        this.at += 9;
        const data = this.until(']]>', start);
        this.checkChars(start, this.at);
        // minidom creates a CDATA section node only for character data: an empty section leaves no node.
        if (data !== '') element.childNodes.push({ nodeType: CDATA, data, parentNode: element });
      } else if (this.startsWith('<!--')) this.comment(element);
      else if (this.startsWith('<?')) this.processingInstruction(element);
      else if (this.startsWith('<!')) this.fail('not well-formed (invalid token)');
      else if (this.startsWith('<')) this.element(element, scopes);
      else this.characterData(element);
    }
  }

  document() {
    const document = { nodeType: 9, childNodes: [], documentElement: undefined };
    if (this.text.startsWith('\uFEFF')) this.at = 1;
    if (this.startsWith('<?xml') && /[ \t\r\n?]/.test(this.text[this.at + 5] ?? '')) this.declaration();
    let seenDoctype = false;
    for (;;) {
      this.skipWhitespace();
      if (this.at >= this.text.length) break;
      if (this.startsWith('<!--')) this.comment(document);
      else if (this.startsWith('<?')) this.processingInstruction(document);
      else if (this.startsWith('<!DOCTYPE') && !seenDoctype && !document.documentElement) {
        seenDoctype = true;
        this.doctype();
      } else if (this.startsWith('<') && !this.startsWith('<!') && !this.startsWith('</')) {
        if (document.documentElement) this.fail('junk after document element');
        document.documentElement = this.element(document, [new Map()]);
      } else {
        this.fail(document.documentElement ? 'junk after document element' : 'not well-formed (invalid token)');
      }
    }
    if (!document.documentElement) this.fail('no element found');
    return document;
  }
}

/** expat hands character data in pieces; minidom appends each to a Text node that is the last child. */
function appendText(element, data) {
  if (data === '') return;
  const last = element.childNodes[element.childNodes.length - 1];
  if (last && last.nodeType === TEXT) last.data += data;
  else element.childNodes.push({ nodeType: TEXT, data, parentNode: element });
}

/** Node.normalize(): adjacent Text nodes merged, empty ones removed, in the whole subtree. */
function normalize(element) {
  const merged = [];
  for (const node of element.childNodes) {
    const last = merged[merged.length - 1];
    if (node.nodeType === TEXT) {
      if (node.data === '') continue;
      if (last && last.nodeType === TEXT) {
        last.data += node.data;
        continue;
      }
    }
    merged.push(node);
    if (node.nodeType === ELEMENT) normalize(node);
  }
  element.childNodes = merged;
}

/** Decodes the file's bytes as expat would read a UTF-8 document; a bad byte is "not well-formed". */
function decode(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    const index = text.indexOf('\uFFFD');
    const before = text.slice(0, index);
    throw new XmlError('not well-formed (invalid token)', before.split('\n').length, index - (before.lastIndexOf('\n') + 1));
  }
}

/**
 * Parses a document (a string, or the bytes of a UTF-8 file) into
 * { nodeType: 9, childNodes, documentElement }, elements being { nodeType: 1, tagName, attributes: Map,
 * childNodes }. Line ends are normalised to \n first, as expat does. Throws XmlError.
 */
function parseXml(input) {
  const text = (typeof input === 'string' ? input : decode(input)).replace(/\r\n?/g, '\n');
  return new Parser(text).document();
}

module.exports = { parseXml, normalize, XmlError, TEXT, CDATA, COMMENT, PI, ELEMENT };
